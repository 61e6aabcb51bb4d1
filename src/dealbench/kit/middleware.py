"""One pure-ASGI middleware for what every route shares.

Request ids, maintenance mode, HEAD on every GET route, request-body limits and content types,
rate-limit headers on every answer, an access log that never shows a token, and a last-resort
500 that carries no stack trace.
"""

from __future__ import annotations

import logging
import re
import time
import uuid
from typing import Any
from urllib.parse import parse_qsl, quote

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from dealbench.kit.clientinfo import forwarded_request_id
from dealbench.kit.dialects import render_error
from dealbench.kit.errors import (
    DealbenchError,
    PayloadTooLarge,
    ServiceUnavailable,
    UnsupportedMediaType,
)

access_log = logging.getLogger("dealbench.access")
error_log = logging.getLogger("dealbench.error")

_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,128}$")
_API_PREFIXES = ("/v1", "/api/v1", "/graphql")
_ACCEPTED_TYPES = (
    "application/json",
    "application/x-www-form-urlencoded",
    "multipart/form-data",
    "application/graphql",
    "application/graphql-response+json",
)
_SECRET_PARAMS = {"access_token", "token", "code"}


def redact_query(query: bytes) -> str:
    if not query:
        return ""
    pairs = parse_qsl(query.decode("latin-1"), keep_blank_values=True)
    return "&".join(
        f"{quote(k)}={'[redacted]' if k.lower() in _SECRET_PARAMS else quote(v)}" for k, v in pairs
    )


def _is_api(path: str) -> bool:
    return any(path == p or path.startswith(p + "/") for p in _API_PREFIXES)


class DealbenchMiddleware:
    def __init__(
        self, app: ASGIApp, *, maintenance: bool = False, max_body_bytes: int = 10 * 1024**2
    ) -> None:
        self.app = app
        self.maintenance = maintenance
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        headers = dict(scope.get("headers") or [])
        incoming = forwarded_request_id(scope) or ""  # believed from a trusted proxy only
        request_id = incoming if _REQUEST_ID.match(incoming) else uuid.uuid4().hex
        state: dict[str, Any] = scope.setdefault("state", {})
        state["request_id"] = request_id
        path: str = scope["path"]
        method: str = scope["method"]
        is_head = method == "HEAD"
        if is_head:
            scope = {**scope, "method": "GET", "dealbench.head": True}
        status_holder = [0]
        response_started = [False]
        head_done = [False]

        async def send_wrapper(message: Message) -> None:
            if message["type"] == "http.response.start":
                response_started[0] = True
                status_holder[0] = message["status"]
                raw = list(message.get("headers") or [])
                raw.append((b"x-request-id", request_id.encode()))
                rate_headers = state.get("rate_headers")
                if rate_headers:
                    # An error answer (429) may carry them already: never send a header twice.
                    present = {h[0].lower() for h in raw}
                    for name, value in rate_headers.items():
                        key = name.lower().encode()
                        if key not in present:
                            raw.append((key, value.encode()))
                message = {**message, "headers": raw}
            elif message["type"] == "http.response.body" and is_head:
                # HEAD: the GET's headers, no body; later chunks of a streamed body are dropped.
                if head_done[0]:
                    return
                head_done[0] = True
                message = {"type": "http.response.body", "body": b"", "more_body": False}
            await send(message)

        try:
            if _is_api(path):
                if self.maintenance:
                    raise ServiceUnavailable(headers={"Retry-After": "120"})
                receive = self._check_body(headers, method, receive)
            await self.app(scope, receive, send_wrapper)
        except Exception as exc:
            if response_started[0]:
                error_log.exception("request %s failed after the response started", request_id)
                raise
            if isinstance(exc, DealbenchError):
                err = exc
            else:
                error_log.exception("request %s failed: %s %s", request_id, method, path)
                err = DealbenchError(f"Internal server error (request id {request_id}).")
            response = render_error(err, path)
            await response(scope, receive, send_wrapper)
        finally:
            access_log.info(
                '%s "%s %s%s" %s %.1fms',
                request_id,
                method,
                path,
                ("?" + redact_query(scope.get("query_string", b""))) if scope.get("query_string") else "",
                status_holder[0],
                (time.perf_counter() - started) * 1000,
            )

    def _check_body(self, headers: dict[bytes, bytes], method: str, receive: Receive) -> Receive:
        if method not in {"POST", "PUT", "PATCH", "DELETE"}:
            return receive
        ctype = headers.get(b"content-type", b"").decode("latin-1").split(";", 1)[0].strip().lower()
        length_raw = headers.get(b"content-length")
        length = int(length_raw) if length_raw and length_raw.isdigit() else None
        has_body = (length or 0) > 0 or b"transfer-encoding" in headers
        if (
            has_body
            and ctype
            and not (ctype in _ACCEPTED_TYPES or ctype.endswith("+json") or ctype == "text/csv")
        ):
            raise UnsupportedMediaType(
                f"Unsupported content type '{ctype}': send application/json (or multipart/form-data for files)."
            )
        if ctype == "multipart/form-data":
            return receive  # uploads enforce their own, larger limits while streaming
        limit = self.max_body_bytes
        if length is not None and length > limit:
            raise PayloadTooLarge(f"Request body too large: at most {limit} bytes.")
        seen = [0]

        async def limited() -> Message:
            message = await receive()
            if message["type"] == "http.request":
                seen[0] += len(message.get("body", b""))
                if seen[0] > limit:
                    raise PayloadTooLarge(f"Request body too large: at most {limit} bytes.")
            return message

        return limited
