"""The statements of token authentication.

Unlike a domain's repository, these do not start from a caller's organization: they are how a
request finds its caller. A token is named by the HMAC of its plaintext alone, which is unique
across every organization (a unique index), so the lookup runs across organizations by nature and
answers the token with its organization and user in one statement; everything after it is scoped
to that organization.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import bindparam, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from dealbench.models import ApiToken, Organization, User

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
