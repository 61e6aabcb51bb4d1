"""Authentication: every token form of every dialect, resolved to one :class:`Principal`
(the statements are in :mod:`dealbench.auth.repository`).

Routes declare the scope they need where they are declared::

    TicketsWrite = Annotated[Principal, scoped("tickets:write")]

``scoped`` is ``Security(authenticate, scopes=[...])``: the scope then shows in OpenAPI, and no
handler checks it by hand.
"""

from __future__ import annotations

import logging
import time
from datetime import datetime, timedelta
from typing import Annotated, Any

import orjson
from fastapi import Request, Security
from fastapi.security import APIKeyHeader, SecurityScopes
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value

from dealbench.auth import repository
from dealbench.auth.cache import Entry, PrincipalCache
from dealbench.auth.principal import Principal
from dealbench.kit import metrics
from dealbench.kit.crypto import keyed_hash
from dealbench.kit.db import utcnow, write_intent
from dealbench.kit.dialects import dialect_for
from dealbench.kit.errors import Forbidden, RateLimited, Unauthorized
from dealbench.kit.links import host_tenant_slug
from dealbench.kit.ratelimit import RateVerdict
from dealbench.kit.session import DbSession
from dealbench.kit.uow import transaction
from dealbench.models import ApiToken, Organization, User

log = logging.getLogger("dealbench.auth")

#: Documented in OpenAPI; the extraction below accepts every form the compatible APIs use.
api_key_scheme = APIKeyHeader(
    name="X-API-Key",
    auto_error=False,
    description=(
        "An API token. Also accepted as `X-API-Token`, `X-Tenant-Token`, `Authorization: Bearer <token>`, "
        "`Authorization: <token>`, the `access_token` query parameter, or `access_token` in a JSON or "
        "form POST body."
    ),
)

_HEADER_NAMES = ("x-api-key", "x-api-token", "x-tenant-token")
_BODY_TYPES = ("application/json", "application/x-www-form-urlencoded")
LAST_USED_GRANULARITY = timedelta(minutes=1)
#: What a request without a token is told, in the header form its dialect documents.
_MISSING = {
    "opine": "Missing API token: send it in the X-API-Key header.",
    "jsend": "Missing API key: send it in the Authorization header (`Authorization: <key>`).",
}


async def extract_token(request: Request) -> str | None:
    """The token of a request, in the order headers, query string, body."""
    headers = request.headers
    for name in _HEADER_NAMES:
        value = headers.get(name)
        if value and value.strip():
            return value.strip()
    auth = headers.get("authorization")
    if auth and auth.strip():
        scheme, _, rest = auth.strip().partition(" ")
        if scheme.lower() == "bearer" and rest.strip():
            return rest.strip()
        if not rest:
            return scheme  # the raw `Authorization: KEY` form
    value = request.query_params.get("access_token")
    if value:
        return value
    if request.method in {"POST", "PUT", "PATCH"}:
        ctype = headers.get("content-type", "").split(";", 1)[0].strip().lower()
        if ctype in _BODY_TYPES:
            return await _body_token(request, ctype)
    return None


async def _body_token(request: Request, ctype: str) -> str | None:
    if ctype == "application/json":
        raw = await request.body()  # cached by Starlette: the handler reads it again for free
        if b"access_token" not in raw:
            return None
        try:
            data = orjson.loads(raw)
        except orjson.JSONDecodeError:
            return None
        value = data.get("access_token") if isinstance(data, dict) else None
        return value if isinstance(value, str) and value else None
    form = await request.form()
    value = form.get("access_token")
    return value if isinstance(value, str) and value else None


async def resolve_principal(request: Request, session: AsyncSession) -> Principal:
    """Authenticate the request's token (401), check the org's API switch (403) and rate limit (429)."""
    state = request.state
    cached = getattr(state, "principal", None)
    if cached is not None:
        return cached  # type: ignore[no-any-return]
    plaintext = await extract_token(request)
    if not plaintext:
        raise Unauthorized(_MISSING.get(dialect_for(request.url.path), _MISSING["opine"]))
    services = request.app.state.services
    digest = keyed_hash(services.secret_key, plaintext)
    now = utcnow()
    token, org, user, verdict = await _lookup(request, session, services, digest, now)
    refusal = _refusal(request, services, token, org, user, now)
    if refusal is not None:
        raise Unauthorized(refusal)
    principal = Principal(organization=org, token=token, user=user)
    state.organization_id, state.token_id = org.id, token.id  # for the request's log lines

    if verdict is None:
        verdict = await services.rate_limiter.hit(rate_budget(token), _limit_of(token, services))
    state.rate_headers = verdict.headers()
    if not verdict.allowed:
        metrics.rate_limit_refused("token")
        raise RateLimited(
            f"Rate limit of {verdict.limit} requests per minute exceeded; retry after the reset.",
            headers=verdict.headers(),
        )
    if not org.setting("apiAccessEnabled"):
        raise Forbidden("API access is disabled for this organization (setting apiAccessEnabled).")
    stale = token.last_used_at is None or now - token.last_used_at >= LAST_USED_GRANULARITY
    if stale and _claim_touch(token.id):
        if write_intent.get() and session.get_bind().dialect.name == "sqlite":
            # A writing request already holds SQLite's write lock (BEGIN IMMEDIATE): a second
            # connection would wait for it until busy_timeout. Record it in this transaction.
            # (On PostgreSQL it gets its own short transaction: a request holding its token's
            # row lock until it ends would deadlock with one revoking that token while it waits
            # for a lock the first holds.)
            await repository.record_use(session, token.id, now)
        else:
            await _touch(request, token.id, now)
        set_committed_value(token, "last_used_at", now)  # written above; not this session's change
    state.principal = principal
    return principal


_READS = frozenset({"GET", "HEAD"})


def _refusal(
    request: Request, services: Any, token: ApiToken, org: Organization, user: User | None, now: datetime
) -> str | None:
    """Why the token, as read, may not be used now (401), or ``None``."""
    if token.revoked_at is not None:
        return "The provided API token has been revoked."
    if token.expires_at is not None and token.expires_at <= now:
        return "The provided API token has expired."
    if token.user_id is not None and (user is None or user.deleted_at is not None):
        return "The provided API token belongs to a removed user."
    slug = host_tenant_slug(request.headers.get("host"), services.settings.base_domain)
    if slug is not None and slug != org.slug:
        return "The provided API token is not valid for this tenant."
    return None


def _limit_of(token: ApiToken, services: Any) -> int:
    return token.rate_limit_per_minute or services.settings.rate_limit_per_minute  # type: ignore[no-any-return]


async def _lookup(
    request: Request, session: AsyncSession, services: Any, digest: str, now: datetime
) -> tuple[ApiToken, Organization, User | None, RateVerdict | None]:
    """The token, its organization and its user: from this process's cache on a read when the
    deployment's auth version has not moved since they were read (see :mod:`dealbench.auth.cache`),
    else from the database. With the rate verdict when it was measured here.

    With Redis, a read whose token is in the cache (and usable as cached) costs one round trip:
    the rate limiter counts the request against the cached token's budget and reads the version
    in the same Lua script. When the version moved, the token is read afresh (its budget counted
    once more only if its budget or limit changed)."""
    versions = services.auth_versions
    cache: PrincipalCache | None = services.extras.get("principal_cache")
    if cache is None:
        cache = services.extras["principal_cache"] = PrincipalCache()
    version = None
    verdict: RateVerdict | None = None
    spent: tuple[str, int] | None = None
    if versions.enabled and request.method in _READS:
        limiter = services.rate_limiter
        entry = cache.peek(digest)
        if (
            entry is not None
            and versions.answering()
            and limiter.shares_redis_with(versions.redis_url)
            and _refusal(request, services, entry.token, entry.organization, entry.user, now) is None
        ):
            spent = (rate_budget(entry.token), _limit_of(entry.token, services))
            answer = await limiter.hit_and_get(*spent, versions.key)
            if answer is None:
                versions.mark_down()
                spent = None
            else:
                verdict, raw = answer
                version = int(raw or 0)
        else:
            version = await versions.current()  # before the lookup: a change after it moves it
        if version is None:
            cache.clear()  # a version that cannot be read cannot vouch for any entry
        else:
            entry = cache.get(digest, version)
            if entry is not None:
                return entry.token, entry.organization, entry.user, verdict
    row = await repository.find_token(session, digest)
    if row is None:
        raise Unauthorized("The provided API token is invalid.")
    if version is not None:
        # Detached at once: nothing this request's session does (a rollback) can expire them.
        for obj in row:
            if obj is not None:
                session.expunge(obj)
        cache.put(digest, Entry(row[0], row[1], row[2], version))
    if spent is not None and spent != (rate_budget(row[0]), _limit_of(row[0], services)):
        verdict = None  # counted under what the token was: count it under what it is
    return row[0], row[1], row[2], verdict


def rate_budget(token: ApiToken) -> str:
    """The rate-limit budget a token's requests count against: a user's personal tokens share one
    (minting more tokens does not multiply the allowance); an organization token has its own."""
    return f"user:{token.user_id}" if token.user_id is not None else f"token:{token.id}"


_touched: dict[int, float] = {}


def _claim_touch(token_id: int) -> bool:
    """One lastUsedAt write per token per minute per process: concurrent requests of one token must
    not each hold a pooled connection while waiting for a second one (that starves the pool)."""
    now = time.monotonic()
    if now - _touched.get(token_id, -1e9) < LAST_USED_GRANULARITY.total_seconds():
        return False
    if len(_touched) > 100_000:
        _touched.clear()
    _touched[token_id] = now
    return True


async def _touch(request: Request, token_id: int, now: datetime) -> None:
    """Record lastUsedAt (at most once a minute) in its own short transaction."""
    try:
        async with transaction(request.app.state.services.sessionmaker) as session:
            await repository.record_use(session, token_id, now)
    except Exception:
        log.warning("could not record lastUsedAt of token %s", token_id, exc_info=True)


async def authenticate(
    security_scopes: SecurityScopes,
    request: Request,
    session: DbSession,
    _documented: Annotated[str | None, Security(api_key_scheme)] = None,
) -> Principal:
    principal = await resolve_principal(request, session)
    for scope in security_scopes.scopes:
        principal.require(scope)
    return principal


def scoped(*scopes: str) -> object:
    """``Security(authenticate, scopes=[...])``: for use inside ``Annotated[Principal, ...]``."""
    return Security(authenticate, scopes=list(scopes))
