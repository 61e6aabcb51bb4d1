"""One pure-ASGI middleware for what every route shares.

Request ids, maintenance mode, HEAD on every GET route, request-body limits and content types,
text that no route accepts (the NUL character), rate-limit headers on every answer, an access log
that never shows a token nor lets a request write a line of its own, and a last-resort 500 that
carries no stack trace.

A JSON or form body (anything but ``multipart/form-data``, which uploads stream) is read whole here,
within ``max_body_bytes``, before the route runs: a body over the limit is a 413 whether or not it
announced its length, and a body holding a NUL is a 400, in the route's dialect.
"""

from __future__ import annotations

import logging
import re
import time
import uuid
from typing import Any
from urllib.parse import parse_qsl, quote

import orjson
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from dealbench.kit.clientinfo import forwarded_request_id
from dealbench.kit.db import unavailable
from dealbench.kit.dialects import render_error
from dealbench.kit.errors import (
    BadRequest,
    DealbenchError,
    InternalError,
    PayloadTooLarge,
    ServiceUnavailable,
    UnsupportedMediaType,
    ValidationFailed,
)
from dealbench.kit.text import NUL, NUL_MESSAGE, find_nul, json_may_hold_nul

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
#: ``access_token=...`` (and the other secret parameters) written into a path, e.g. ``/v1/x%3Faccess_token=``
_SECRET_IN_TEXT = re.compile(r"(?i)\b(access_token|token|code)=[^&;/\s]*")
#: anything shaped like a Dealbench token, wherever it appears
_TOKEN_LIKE = re.compile(r"dbk_[A-Za-z0-9_-]+")
#: control characters (C0, DEL, C1), invisible format characters, line and paragraph separators, and
#: the characters that delimit a log field
_UNSAFE = re.compile('[\x00-\x1f\x7f-\x9f\u00ad\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff\\\\"]')


def _escape(match: re.Match[str]) -> str:
    char = match.group()
    if char in '\\"':
        return "\\" + char
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def loggable(text: str) -> str:
    """``text`` safe for one log line: tokens redacted, control characters escaped (``\\x0a``)."""
    text = _TOKEN_LIKE.sub("dbk_[redacted]", _SECRET_IN_TEXT.sub(r"\1=[redacted]", text))
    return _UNSAFE.sub(_escape, text)


def redact_query(query: bytes) -> str:
    if not query:
        return ""
    pairs = parse_qsl(query.decode("latin-1"), keep_blank_values=True)
    return loggable(
        "&".join(f"{quote(k)}={'[redacted]' if k.lower() in _SECRET_PARAMS else quote(v)}" for k, v in pairs)
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
                _add_security_headers(raw)
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
                _check_text(path, scope.get("query_string", b""))
                receive = await self._read_body(headers, method, receive)
            await self.app(scope, receive, send_wrapper)
        except Exception as exc:
            if response_started[0]:
                error_log.exception("request %s failed after the response started", request_id)
                raise
            down = unavailable(exc)
            if isinstance(exc, DealbenchError):
                err = exc
            elif down is not None:
                err = down
            else:
                error_log.exception("request %s failed: %s %s", request_id, method, loggable(path))
                err = InternalError(request_id)
            response = render_error(err, path)
            await response(scope, receive, send_wrapper)
        finally:
            access_log.info(
                '%s "%s %s%s" %s %.1fms',
                request_id,
                method,
                loggable(path),
                ("?" + redact_query(scope.get("query_string", b""))) if scope.get("query_string") else "",
                status_holder[0],
                (time.perf_counter() - started) * 1000,
            )

    async def _read_body(self, headers: dict[bytes, bytes], method: str, receive: Receive) -> Receive:
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
        if ctype == "multipart/form-data" or not has_body:
            return receive  # uploads enforce their own, larger limits while streaming
        limit = self.max_body_bytes
        too_large = f"Request body too large: at most {limit} bytes."
        if length is not None and length > limit:
            raise PayloadTooLarge(too_large)
        chunks: list[bytes] = []
        size = 0
        replay: list[Message] = []
        while True:
            message = await receive()
            if message["type"] != "http.request":
                replay.append(message)  # the client went away: the route sees it
                break
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                raise PayloadTooLarge(too_large)
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        _check_body_text(ctype, body)
        replay.insert(0, {"type": "http.request", "body": body, "more_body": bool(replay)})

        async def replayed() -> Message:
            if replay:
                return replay.pop(0)
            return await receive()

        return replayed


def _add_security_headers(raw: list[tuple[bytes, bytes]]) -> None:
    """On every answer: no content sniffing (a download is what its Content-Type says) and no
    Referer leaving with a token in the URL; pages (docs, playground) cannot be framed."""
    present = {name.lower() for name, _ in raw}
    if b"x-content-type-options" not in present:
        raw.append((b"x-content-type-options", b"nosniff"))
    if b"referrer-policy" not in present:
        raw.append((b"referrer-policy", b"no-referrer"))
    ctype = next((value for name, value in raw if name.lower() == b"content-type"), b"")
    if ctype.lower().startswith(b"text/html"):
        if b"x-frame-options" not in present:
            raw.append((b"x-frame-options", b"DENY"))
        if b"content-security-policy" not in present:
            raw.append((b"content-security-policy", b"frame-ancestors 'none'"))


def _check_text(path: str, query: bytes) -> None:
    """No NUL in the (decoded) path or in a query parameter."""
    if NUL in path:
        raise BadRequest(f"The path may not contain the NUL character (%00). {NUL_MESSAGE}")
    if b"%00" in query or b"\x00" in query:
        for key, value in parse_qsl(query.decode("latin-1"), keep_blank_values=True):
            if NUL in key or NUL in value:
                raise ValidationFailed.at([key.replace(NUL, "")], NUL_MESSAGE)


def _check_body_text(ctype: str, body: bytes) -> None:
    """No NUL in any string of a JSON body (a body without a content type is read as JSON too), nor
    in a form value."""
    if not ctype or ctype == "application/json" or ctype.endswith("+json"):
        if not json_may_hold_nul(body):
            return
        try:
            data = orjson.loads(body)
        except orjson.JSONDecodeError:
            return  # not JSON: the route says so
        where = find_nul(data)
        if where is not None:
            raise ValidationFailed.at(
                [str(p).replace(NUL, "") if isinstance(p, str) else p for p in where], NUL_MESSAGE
            )
    elif ctype == "application/x-www-form-urlencoded":
        if b"%00" in body or b"\x00" in body:
            for key, value in parse_qsl(body.decode("latin-1"), keep_blank_values=True):
                if NUL in key or NUL in value:
                    raise ValidationFailed.at([key.replace(NUL, "")], NUL_MESSAGE)
    elif b"\x00" in body and ctype in {"application/graphql", "text/csv"}:
        raise BadRequest(NUL_MESSAGE)
