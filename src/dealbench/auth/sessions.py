"""Sessions of the web app: a person signs in with email and password and acts, in the browser, as
a :class:`Principal` of the same kind as a personal token with every scope (``*``), bounded by the
user's role. Pages declare the scope they need the way routes do::

    DealsWrite = Annotated[Principal, page_scoped("deals:write")]

- The cookie (``HttpOnly``, ``SameSite=Lax``, ``Secure`` over HTTPS) carries a random id; the
  database (or Redis, when configured: :mod:`dealbench.auth.session_store`) keeps its HMAC.
  Signing in always makes a new id (no fixation).
- A session ends after ``session_idle_seconds`` without a request, ``session_max_age_seconds`` after
  signing in, at sign-out (this browser or everywhere), or when the user's password changes.
- Every unsafe request carries the session's CSRF token (form field ``csrf_token`` or header
  ``X-CSRF-Token``): 403 without it. Forms shown before signing in (sign-in, an invitation) use a
  double-submit token: a cookie and the same value in the form.
- Sign-in attempts count against two budgets of the rate limiter: the account (email) and the
  client address as :mod:`dealbench.kit.clientinfo` resolves it (through trusted proxies only).
"""

from __future__ import annotations

import hmac
import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Annotated, Any

from fastapi import Request, Security
from fastapi.security import SecurityScopes
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.responses import Response

from dealbench.auth import repository, session_store
from dealbench.auth.principal import Principal
from dealbench.kit import metrics
from dealbench.kit.clientinfo import client_address, is_https
from dealbench.kit.crypto import keyed_hash
from dealbench.kit.db import utcnow, write_intent
from dealbench.kit.errors import Forbidden, RateLimited, ServiceUnavailable, Unauthorized
from dealbench.kit.links import host_tenant_slug
from dealbench.kit.passwords import verify_password
from dealbench.kit.session import DbSession
from dealbench.models import ApiToken, Organization, TokenKind, User

log = logging.getLogger("dealbench.auth")

COOKIE = "dealbench_session"
#: The double-submit token of the forms shown before signing in.
ANON_COOKIE = "dealbench_csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
TOUCH_GRANULARITY = timedelta(minutes=1)
_FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


class SignInRequired(Unauthorized):
    """A page asked for without a live session: the web app answers with the sign-in page."""

    def __init__(self) -> None:
        super().__init__("Sign in to see this page.")


class CsrfRefused(Forbidden):
    def __init__(self) -> None:
        super().__init__(
            "This form did not carry a valid security token (it may have expired): reload the page and try again."
        )


@dataclass(slots=True)
class WebContext:
    """The signed-in browser of a request, for the pages and their layout."""

    principal: Principal
    csrf_token: str
    #: What names the session in its store (a row id, or a digest in Redis).
    session_id: int | str
    #: For the layout, read once: an error page renders after the request's transaction ended.
    user_name: str = ""
    organization_name: str = ""
    role: str = ""


def _digest(secret_key: str, value: str) -> str:
    return keyed_hash(secret_key, f"web-session:{value}")


def _password_mark(secret_key: str, user: User) -> str:
    return keyed_hash(secret_key, f"web-session-password:{user.password_hash or ''}")


def session_token(organization: Organization, user: User) -> ApiToken:
    """The token a session acts with: personal, scope ``*`` (the role bounds it), never stored."""
    return ApiToken(
        organization_id=organization.id,
        user_id=user.id,
        kind=TokenKind.PERSONAL,
        name="web session",
        scopes=["*"],
        created_by_user_id=user.id,
    )


# --------------------------------------------------------------------------- signing in and out


async def start_session(session: AsyncSession, secret_key: str, settings: Any, user: User) -> tuple[str, str]:
    """A new session of ``user``: the cookie's value (a fresh random id every time) and its CSRF token."""
    value, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    now = utcnow()
    expires = now + timedelta(seconds=settings.session_max_age_seconds)
    await session_store.create(
        session,
        _digest(secret_key, value),
        user,
        csrf,
        now,
        expires,
        settings.session_idle_seconds,
        _password_mark(secret_key, user),
    )
    return value, csrf


async def _throttle(request: Request, email: str) -> None:
    services = request.app.state.services
    settings = services.settings
    budgets = (
        (f"signin:address:{client_address(request.scope)}", settings.signin_attempts_per_address),
        (f"signin:account:{email}", settings.signin_attempts_per_account),
    )
    for key, limit in budgets:
        verdict = await services.rate_limiter.hit(key, limit)
        if not verdict.allowed:
            metrics.rate_limit_refused("signin")
            raise RateLimited(
                "Too many sign-in attempts; wait a minute and try again.",
                headers={"Retry-After": str(max(1, verdict.retry_after))},
            )


async def sign_in(request: Request, session: AsyncSession, email: str, password: str) -> str:
    """Check the email and password (throttled): the new session's cookie value, or 401."""
    email = email.strip().lower()
    await _throttle(request, email)
    services = request.app.state.services
    slug = host_tenant_slug(request.headers.get("host"), services.settings.base_domain)
    candidates = await repository.signin_candidates(session, email, slug) if email else []
    for user, _org in candidates:
        if await verify_password(user.password_hash, password):
            value, _ = await start_session(session, services.secret_key, services.settings, user)
            return value
    if not candidates:
        await verify_password(None, password)  # the same work whether or not the account exists
    raise Unauthorized("Wrong email or password.")


async def sign_out(session: AsyncSession, web: WebContext, *, everywhere: bool = False) -> None:
    assert web.principal.user is not None  # a session always acts as its user
    if everywhere:
        await session_store.end_user(session, web.principal.user.id)
    else:
        await session_store.end(session, web.session_id, web.principal.user.id)


async def end_sessions_of(session: AsyncSession, user_id: int) -> None:
    """Sign a user out everywhere (their password changed). In Redis this is a courtesy: a session
    is bound to the password it began with, so it is over even when Redis cannot be told now."""
    try:
        await session_store.end_user(session, user_id)
    except ServiceUnavailable:
        log.warning(
            "could not end the sessions of user %s in Redis now; they end at their next request", user_id
        )


def set_session_cookie(response: Response, request: Request, value: str) -> None:
    settings = request.app.state.services.settings
    response.set_cookie(
        COOKIE,
        value,
        max_age=settings.session_max_age_seconds,
        path="/",
        httponly=True,
        samesite="lax",
        secure=is_https(request.scope),
    )


def clear_session_cookie(response: Response, request: Request) -> None:
    response.delete_cookie(COOKIE, path="/", httponly=True, samesite="lax", secure=is_https(request.scope))


# --------------------------------------------------------------------------- the session of a request


async def current(request: Request, session: AsyncSession) -> WebContext | None:
    """The request's live session, or ``None`` (no cookie, unknown, idle too long, past its end,
    its user removed, or another tenant's host)."""
    cached = getattr(request.state, "web", None)
    if cached is not None:
        return cached  # type: ignore[no-any-return]
    value = request.cookies.get(COOKIE)
    if not value or len(value) > 200:
        return None
    services = request.app.state.services
    settings = services.settings
    row = await session_store.find(session, _digest(services.secret_key, value))
    if row is None:
        return None
    web_session, org, user = row
    now = utcnow()
    idle_end = web_session.last_seen_at + timedelta(seconds=settings.session_idle_seconds)
    if web_session.expires_at <= now or idle_end <= now or user.deleted_at is not None:
        return None
    if web_session.password_mark is not None and not hmac.compare_digest(
        web_session.password_mark, _password_mark(services.secret_key, user)
    ):
        return None  # the password changed since
    slug = host_tenant_slug(request.headers.get("host"), settings.base_domain)
    if slug is not None and slug != org.slug:
        return None
    if now - web_session.last_seen_at >= TOUCH_GRANULARITY:
        await _touch(request, session, web_session, now)
    principal = Principal(organization=org, token=session_token(org, user), user=user)
    web = WebContext(
        principal=principal,
        csrf_token=web_session.csrf_token,
        session_id=web_session.key,
        user_name=user.full_name,
        organization_name=org.name,
        role=user.role.value,
    )
    request.state.web = web
    request.state.organization_id = org.id  # for the request's log lines
    return web


async def _touch(
    request: Request, session: AsyncSession, stored: session_store.StoredSession, now: datetime
) -> None:
    """Record the session's activity (at most once a minute), as token use is recorded."""
    services = request.app.state.services
    in_request = bool(write_intent.get()) and session.get_bind().dialect.name == "sqlite"
    try:
        await session_store.touch(
            session,
            services.sessionmaker,
            stored,
            now,
            services.settings.session_idle_seconds,
            in_request=in_request,
        )
    except Exception:
        if in_request:
            raise
        log.warning("could not record the activity of web session %s", stored.key, exc_info=True)


async def _sent_token(request: Request) -> str | None:
    header = request.headers.get(CSRF_HEADER)
    if header:
        return header
    ctype = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if ctype in _FORM_TYPES:
        value = (await request.form()).get(CSRF_FIELD)
        return value if isinstance(value, str) else None
    return None


def _same(sent: str | None, expected: str | None) -> bool:
    return bool(sent) and bool(expected) and hmac.compare_digest(str(sent), str(expected))


async def check_csrf(request: Request, expected: str) -> None:
    if request.method not in SAFE_METHODS and not _same(await _sent_token(request), expected):
        raise CsrfRefused()


async def page_authenticate(
    security_scopes: SecurityScopes, request: Request, session: DbSession
) -> Principal:
    web = await current(request, session)
    if web is None:
        raise SignInRequired()
    await check_csrf(request, web.csrf_token)
    for scope in security_scopes.scopes:
        web.principal.require(scope)
    return web.principal


def page_scoped(*scopes: str) -> Any:
    """``Security(page_authenticate, scopes=[...])``: for ``Annotated[Principal, ...]`` on pages."""
    return Security(page_authenticate, scopes=list(scopes))


#: Any signed-in person (the page checks nothing more than the session and, on writes, CSRF).
SignedIn = Annotated[Principal, page_scoped()]


# --------------------------------------------------------------------------- forms before signing in


def anonymous_csrf(request: Request) -> str:
    """The double-submit token of a form shown before signing in (the cookie's, or a new one)."""
    token = request.cookies.get(ANON_COOKIE)
    if not token or len(token) > 100:
        token = getattr(request.state, "anon_csrf", None) or secrets.token_urlsafe(32)
    request.state.anon_csrf = token
    return token


def set_anonymous_csrf(response: Response, request: Request) -> None:
    token = getattr(request.state, "anon_csrf", None)
    if token and token != request.cookies.get(ANON_COOKIE):
        response.set_cookie(
            ANON_COOKIE, token, path="/", httponly=True, samesite="lax", secure=is_https(request.scope)
        )


async def check_anonymous_csrf(request: Request) -> None:
    if not _same(await _sent_token(request), request.cookies.get(ANON_COOKIE)):
        raise CsrfRefused()
