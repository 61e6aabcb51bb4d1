"""The statements of the tokens domain, each within the caller's organization (but one: the
command line's lookup by id)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from dealbench.kit.locks import Lock, locked
from dealbench.kit.pagination import ListParams, paginate
from dealbench.kit.repository import Repository, is_id
from dealbench.models import ApiToken
from dealbench.tokens.presenter import TOKEN


class TokenRepository(Repository[ApiToken]):
    model = ApiToken
    what = "Token"

    async def page(
        self, params: ListParams, *, user_id: int | None, include_revoked: bool
    ) -> tuple[list[Any], int]:
        """A page of tokens (of one user when ``user_id`` is given) as rows of the presenter's
        columns, in id order, and the total."""
        stmt = self.select(*TOKEN.columns)
        if user_id is not None:
            stmt = stmt.where(ApiToken.user_id == user_id)
        if not include_revoked:
            stmt = stmt.where(ApiToken.revoked_at.is_(None))
        return await paginate(self.session, stmt.order_by(ApiToken.id), params)

    async def revoke_named(self, name: str, now: datetime) -> None:
        """Revoke every live token called ``name``."""
        await self.session.execute(
            update(ApiToken)
            .where(self.owned(), ApiToken.name == name, ApiToken.revoked_at.is_(None))
            .values(revoked_at=now)
        )


async def any_token(session: AsyncSession, token_id: int, *, lock: Lock | None = None) -> ApiToken | None:
    """The token ``token_id`` of whichever organization: the server's operator names a token by its
    id alone (``dealbench tokens revoke ID``), so this lookup runs across organizations by nature."""
    if not is_id(token_id):
        return None
    stmt = select(ApiToken).where(ApiToken.id == token_id)
    return (await session.execute(locked(stmt, lock))).scalar_one_or_none()
