"""Idempotency keys on the POST and PATCH routes of ``/v1`` and ``/api/v1``
(``draft-ietf-httpapi-idempotency-key-header``).

A client sends ``Idempotency-Key: <key>`` (1 to 255 visible ASCII characters) and may retry the
request safely:

- the first request with a key runs and, when it succeeds (2xx), its answer is kept for 24 hours;
- a retry with the same key and the same request (method, path, query and body) answers that
  answer again — status, body and headers, plus ``Idempotent-Replayed: true`` — without doing the
  work twice;
- the same key with a different request is a ``422``; a retry while the first is still running is
  a ``409``;
- a request that fails does nothing (its transaction rolled back), so its key is let go and a retry
  runs again.

Keys are per token (the scope is a keyed hash of the token and the key) and are kept in the
database, or in Redis when configured, so they hold across server processes. Kept answers are
sealed with a key derived from ``DEALBENCH_SECRET_KEY`` (a new token's plaintext must not be
readable at rest) and are purged when they expire.
"""

from __future__ import annotations

import hashlib
import logging
import re
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Protocol

import orjson
from sqlalchemy import delete, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from dealbench.auth.tokens import extract_token
from dealbench.kit.crypto import keyed_hash, seal, unseal
from dealbench.kit.db import utcnow
from dealbench.kit.dialects import dialect_for, render_error
from dealbench.kit.errors import Conflict, DealbenchError, ValidationFailed
from dealbench.kit.uow import transaction
from dealbench.models import IdempotencyKey

log = logging.getLogger("dealbench.idempotency")

HEADER = b"idempotency-key"
METHODS = {"POST", "PATCH"}
PREFIXES = ("/v1/", "/api/v1/")
KEEP = timedelta(hours=24)
#: How long a running request holds its key; a process that died lets go when it passes.
CLAIM = timedelta(minutes=5)
_KEY = re.compile(r"^[\x21-\x7e]{1,255}$")
_PURPOSE = "idempotency-keys"
#: Headers of a kept answer that a replay repeats (never the rate-limit or request-id ones).
_KEPT_HEADERS = {b"content-type", b"location", b"etag", b"content-disposition"}


class KeyReused(DealbenchError):
    status_code = 422
    default_message = "This Idempotency-Key was used with a different request."
    graphql_code = "BAD_USER_INPUT"


@dataclass(frozen=True, slots=True)
class Kept:
    status: int
    headers: list[list[str]]
    body: bytes


@dataclass(frozen=True, slots=True)
class Claim:
    """What a key is: ``mine`` (run the request), a ``kept`` answer, ``running`` or ``reused``."""

    mine: bool = False
    kept: Kept | None = None
    running: bool = False
    reused: bool = False


class Store(Protocol):
    async def claim(self, scope: str, fingerprint: str) -> Claim: ...

    async def keep(self, scope: str, fingerprint: str, answer: Kept) -> None: ...

    async def release(self, scope: str) -> None: ...


class DatabaseStore:
    """Keys in the ``idempotency_keys`` table (the embedded default, and PostgreSQL)."""

    def __init__(self, sessionmaker: Any, secret_key: str) -> None:
        self.sessionmaker = sessionmaker
        self.secret_key = secret_key
        self._claims = 0

    async def claim(self, scope: str, fingerprint: str) -> Claim:
        now = utcnow()
        async with transaction(self.sessionmaker) as session:
            self._claims += 1
            if self._claims % 100 == 1:
                await session.execute(delete(IdempotencyKey).where(IdempotencyKey.expires_at <= now))
            row = await session.get(IdempotencyKey, scope, with_for_update=True)
            if row is not None and row.expires_at <= now:
                await session.delete(row)
                await session.flush()
                row = None
            if row is None:
                dialect_insert = (
                    pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
                )
                inserted = await session.execute(
                    dialect_insert(IdempotencyKey)
                    .values(
                        scope=scope,
                        fingerprint=fingerprint,
                        claimed_until=now + CLAIM,
                        created_at=now,
                        expires_at=now + KEEP,
                    )
                    .on_conflict_do_nothing()
                )
                # Nothing inserted: a concurrent first request claimed it a moment ago.
                return Claim(mine=True) if inserted.rowcount == 1 else Claim(running=True)  # type: ignore[attr-defined]
            if row.fingerprint != fingerprint:
                return Claim(reused=True)
            if row.status is not None and row.body is not None:
                body = unseal(self.secret_key, _PURPOSE, row.body)
                return Claim(kept=Kept(row.status, row.headers or [], body))
            if row.claimed_until is not None and row.claimed_until > now:
                return Claim(running=True)
            await session.execute(  # the request that held it is gone: this one takes over
                update(IdempotencyKey).where(IdempotencyKey.scope == scope).values(claimed_until=now + CLAIM)
            )
            return Claim(mine=True)

    async def keep(self, scope: str, fingerprint: str, answer: Kept) -> None:
        sealed = seal(self.secret_key, _PURPOSE, answer.body)
        async with transaction(self.sessionmaker) as session:
            await session.execute(
                update(IdempotencyKey)
                .where(IdempotencyKey.scope == scope, IdempotencyKey.fingerprint == fingerprint)
                .values(status=answer.status, headers=answer.headers, body=sealed, claimed_until=None)
            )

    async def release(self, scope: str) -> None:
        async with transaction(self.sessionmaker) as session:
            await session.execute(
                delete(IdempotencyKey).where(IdempotencyKey.scope == scope, IdempotencyKey.status.is_(None))
            )

    async def count(self) -> int:
        async with transaction(self.sessionmaker, write=False) as session:
            return len((await session.execute(select(IdempotencyKey.scope))).all())


class RedisStore:
    """Keys in Redis when it is configured: one value per key, expiring by itself."""

    def __init__(self, url: str, secret_key: str, prefix: str = "dealbench") -> None:
        from redis.asyncio import Redis

        self.redis = Redis.from_url(url)
        self.secret_key = secret_key
        self.prefix = f"{prefix}:idem:"

    async def claim(self, scope: str, fingerprint: str) -> Claim:
        key = self.prefix + scope
        claim = orjson.dumps({"f": fingerprint})
        if await self.redis.set(key, claim, nx=True, px=int(CLAIM.total_seconds() * 1000)):
            return Claim(mine=True)
        raw = await self.redis.get(key)
        if raw is None:  # expired between the two calls
            return await self.claim(scope, fingerprint)
        found = orjson.loads(raw)
        if found["f"] != fingerprint:
            return Claim(reused=True)
        if "s" not in found:
            return Claim(running=True)
        body = unseal(self.secret_key, _PURPOSE, found["b"].encode())
        return Claim(kept=Kept(found["s"], found["h"], body))

    async def keep(self, scope: str, fingerprint: str, answer: Kept) -> None:
        sealed = seal(self.secret_key, _PURPOSE, answer.body).decode()
        value = orjson.dumps({"f": fingerprint, "s": answer.status, "h": answer.headers, "b": sealed})
        await self.redis.set(self.prefix + scope, value, px=int(KEEP.total_seconds() * 1000))

    async def release(self, scope: str) -> None:
        key = self.prefix + scope
        raw = await self.redis.get(key)
        if raw is not None and "s" not in orjson.loads(raw):
            await self.redis.delete(key)


_PARAMETER = {
    "name": "Idempotency-Key",
    "in": "header",
    "required": False,
    "description": "Makes a retry safe: the same key with the same request within 24 hours answers the "
    "first answer again (`Idempotent-Replayed: true`) without doing the work twice. Keys are per token.",
    "schema": {"type": "string", "minLength": 1, "maxLength": 255, "pattern": "^[\\x21-\\x7e]+$"},
}


def document(spec: dict[str, Any]) -> None:
    """Idempotency keys in the OpenAPI document: the header on every POST and PATCH of ``/v1`` and
    ``/api/v1``, its ``409`` (still running) and its ``422`` (the key was used with another request),
    the one ``422`` of the API."""
    from dealbench.kit.openapi import error_response

    for path, item in spec.get("paths", {}).items():
        if not path.startswith(PREFIXES):
            continue
        dialect = dialect_for(path)
        for method, operation in item.items():
            if method.upper() not in METHODS or not isinstance(operation, dict):
                continue
            operation.setdefault("parameters", []).append(dict(_PARAMETER))
            responses = operation["responses"]
            responses.setdefault(
                "409", error_response(409, dialect, "A request with this Idempotency-Key is still running.")
            )
            responses["422"] = error_response(
                422, dialect, "This Idempotency-Key was used with a different request."
            )
            operation["responses"] = dict(sorted(responses.items()))


def fingerprint_of(method: str, path: str, query: bytes, body: bytes) -> str:
    """What makes two requests "the same" for a key: method, path, query and body."""
    digest = hashlib.sha256()
    for part in (method.encode(), path.encode(), b"?", query, b"\n", body):
        digest.update(part)
    return digest.hexdigest()


def _without_boundary(body: bytes, headers: dict[bytes, bytes]) -> bytes:
    """A multipart body with its boundary taken out: clients draw a new one for every retry."""
    ctype = headers.get(b"content-type", b"")
    if not ctype.lower().startswith(b"multipart/"):
        return body
    for param in ctype.split(b";")[1:]:
        name, _, value = param.strip().partition(b"=")
        if name.lower() == b"boundary" and value:
            return body.replace(value.strip(b'"'), b"")
    return body


def slot_of(secret_key: str, token: str, key: str) -> str:
    """Where a key is kept: a keyed hash of the token and the key (keys are per token)."""
    return keyed_hash(secret_key, f"idempotency:{keyed_hash(secret_key, token)}:{key}")


def store_for(services: Any) -> Store:
    """The store of this server: Redis when configured, else the database (built once)."""
    found = services.extras.get("idempotency")
    if found is None:
        settings = services.settings
        if settings.redis_url:
            found = RedisStore(settings.redis_url, services.secret_key, settings.redis_key_prefix)
        else:
            found = DatabaseStore(services.sessionmaker, services.secret_key)
        services.extras["idempotency"] = found
    return found  # type: ignore[no-any-return]


class IdempotencyMiddleware:
    """Pure ASGI, inside the body limits: only requests that carry the header are touched."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        headers = dict(scope.get("headers") or []) if scope["type"] == "http" else {}
        path: str = scope.get("path", "")
        key_raw = headers.get(HEADER)
        if key_raw is None or scope["method"] not in METHODS or not path.startswith(PREFIXES):
            await self.app(scope, receive, send)
            return
        services = scope["app"].state.services
        body, receive = await _whole_body(receive, services.settings.max_request_body_bytes)
        key = key_raw.decode("latin-1").strip()
        try:
            if body is None:
                raise ValidationFailed.at(
                    ["Idempotency-Key"],
                    "Idempotency-Key is accepted with bodies up to "
                    f"{services.settings.max_request_body_bytes} bytes.",
                )
            if not _KEY.match(key):
                raise ValidationFailed.at(
                    ["Idempotency-Key"], "Idempotency-Key must be 1 to 255 visible ASCII characters."
                )
            token = await extract_token(Request(scope, receive))
        except DealbenchError as refused:
            await render_error(refused, path)(scope, receive, send)
            return
        if not token:  # no token: the route answers 401, nothing to keep
            await self.app(scope, receive, send)
            return
        query = scope.get("query_string", b"")
        fingerprint = fingerprint_of(scope["method"], path, query, _without_boundary(body, headers))
        slot = slot_of(services.secret_key, token, key)
        store = store_for(services)
        claim = await store.claim(slot, fingerprint)
        if claim.kept is not None:
            await _replay(claim.kept, send)
            return
        if claim.reused or claim.running:
            refusal: DealbenchError = (
                KeyReused()
                if claim.reused
                else Conflict("A request with this Idempotency-Key is still running; retry when it is done.")
            )
            await render_error(refusal, path)(scope, receive, send)
            return
        # The answer is held back until it is kept: a client that has it may retry at once, anywhere.
        start: list[Message] = []
        body_parts: list[bytes] = []

        async def capture(message: Message) -> None:
            if message["type"] == "http.response.start":
                start.append(message)
            elif message["type"] == "http.response.body":
                body_parts.append(message.get("body", b""))
            else:
                await send(message)

        try:
            await self.app(scope, receive, capture)
        except BaseException:
            await store.release(slot)
            raise
        status = start[0]["status"] if start else 500
        body_bytes = b"".join(body_parts)
        if 200 <= status < 300:
            kept_headers = [
                [k.decode("latin-1"), v.decode("latin-1")]
                for k, v in start[0].get("headers") or []
                if k.lower() in _KEPT_HEADERS
            ]
            await store.keep(slot, fingerprint, Kept(status, kept_headers, body_bytes))
        else:
            await store.release(slot)
        if start:
            await send(start[0])
            await send({"type": "http.response.body", "body": body_bytes, "more_body": False})


async def _whole_body(receive: Receive, limit: int) -> tuple[bytes | None, Receive]:
    """The request body (``None`` when it is over ``limit``) and a ``receive`` that replays it."""
    chunks: list[bytes] = []
    size = 0
    more = True
    while more:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        chunks.append(chunk)
        more = message.get("more_body", False)
        if size > limit:
            break
    body = b"".join(chunks)
    done = [False]

    async def replay() -> Message:
        if not done[0]:
            done[0] = True
            return {"type": "http.request", "body": body, "more_body": more}
        if more:
            return await receive()
        return {"type": "http.disconnect"}

    return (body if size <= limit else None), replay


async def _replay(kept: Kept, send: Send) -> None:
    headers = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in kept.headers]
    headers.append((b"idempotent-replayed", b"true"))
    headers.append((b"content-length", str(len(kept.body)).encode()))
    await send({"type": "http.response.start", "status": kept.status, "headers": headers})
    await send({"type": "http.response.body", "body": kept.body, "more_body": False})
