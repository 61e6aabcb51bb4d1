"""The statements of token authentication.

Unlike a domain's repository, these do not start from a caller's organization: they are how a
request finds its caller. A token is named by the HMAC of its plaintext alone, which is unique
across every organization (a unique index), so the lookup runs across organizations by nature and
answers the token with its organization and user in one statement; everything after it is scoped
to that organization.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import bindparam, delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from dealbench.kit.locks import Lock, locked
from dealbench.models import ApiToken, Organization, User, WebSession

_OWNER = aliased(User)
#: Built once: constructing this select per request costs more than running it.
_TOKEN_LOOKUP = (
    select(ApiToken, Organization, _OWNER)
    .join(Organization, Organization.id == ApiToken.organization_id)
    .outerjoin(_OWNER, _OWNER.id == ApiToken.user_id)
    .where(ApiToken.token_hash == bindparam("digest"))
)


async def find_token(session: AsyncSession, digest: str) -> tuple[ApiToken, Organization, User | None] | None:
    """``(token, organization, user or None)`` of the token whose HMAC is ``digest``, in one
    statement (on every request), whatever the organization."""
    row = (await session.execute(_TOKEN_LOOKUP, {"digest": digest})).first()
    return None if row is None else (row[0], row[1], row[2])


async def record_use(session: AsyncSession, token_id: int, now: datetime) -> None:
    """Write the token's ``lastUsedAt`` (at most once a minute per token: see ``auth.tokens``)."""
    await session.execute(update(ApiToken).where(ApiToken.id == token_id).values(last_used_at=now))


# --------------------------------------------------------------------------- the web app's sessions
# Like tokens, a session is found by the HMAC of the cookie's value alone (unique across every
# organization), and a person signing in is found by email before any organization is known.

_SESSION_LOOKUP = (
    select(WebSession, Organization, User)
    .join(Organization, Organization.id == WebSession.organization_id)
    .join(User, User.id == WebSession.user_id)
    .where(WebSession.id_hash == bindparam("digest"))
)


async def find_session(session: AsyncSession, digest: str) -> tuple[WebSession, Organization, User] | None:
    """``(session, organization, user)`` of the browser session whose HMAC is ``digest``."""
    row = (await session.execute(_SESSION_LOOKUP, {"digest": digest})).first()
    return None if row is None else (row[0], row[1], row[2])


def add_session(session: AsyncSession, row: WebSession) -> None:
    session.add(row)


async def touch_session(session: AsyncSession, session_id: int, now: datetime) -> None:
    await session.execute(update(WebSession).where(WebSession.id == session_id).values(last_seen_at=now))


async def end_session(session: AsyncSession, session_id: int) -> None:
    await session.execute(delete(WebSession).where(WebSession.id == session_id))


async def end_user_sessions(
    session: AsyncSession, user_id: int, *, expired_before: datetime | None = None
) -> None:
    """Every session of a user (sign-out everywhere, a new password), or only those past their end."""
    stmt = delete(WebSession).where(WebSession.user_id == user_id)
    if expired_before is not None:
        stmt = stmt.where(WebSession.expires_at <= expired_before)
    await session.execute(stmt)


async def signin_candidates(
    session: AsyncSession, email: str, org_slug: str | None, *, limit: int = 5
) -> list[tuple[User, Organization]]:
    """The current users with ``email`` (lower-cased) that have a password, with their organizations:
    an email is unique per organization only, so a person may have an account in several (the
    tenant's host name, when it names one, narrows it to that organization)."""
    stmt = (
        select(User, Organization)
        .join(Organization, Organization.id == User.organization_id)
        .where(User.email == email, User.deleted_at.is_(None), User.password_hash.is_not(None))
        .order_by(User.id)
        .limit(limit)
    )
    if org_slug is not None:
        stmt = stmt.where(Organization.slug == org_slug)
    return [(row[0], row[1]) for row in (await session.execute(stmt)).all()]


async def user_with_password(session: AsyncSession, user_id: int) -> User | None:
    """The current user ``user_id`` that has a password, of whichever organization: a password
    reset link names its user alone (its HMAC is what proves it), so this lookup runs across
    organizations by nature, as signing in does."""
    stmt = select(User).where(User.id == user_id, User.deleted_at.is_(None), User.password_hash.is_not(None))
    return (await session.execute(locked(stmt, Lock.UPDATE))).scalar_one_or_none()


async def user_and_organization(session: AsyncSession, user_id: int) -> tuple[User, Organization] | None:
    """The user ``user_id`` with their organization, of whichever organization: a session kept in
    Redis names its user alone (the HMAC of its cookie found it), as a token's row does."""
    stmt = (
        select(User, Organization)
        .join(Organization, Organization.id == User.organization_id)
        .where(User.id == user_id)
    )
    row = (await session.execute(stmt)).first()
    return None if row is None else (row[0], row[1])
