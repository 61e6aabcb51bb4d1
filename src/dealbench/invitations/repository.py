"""The statements of the invitations domain, each within the caller's organization — but the
lookup by code (see :func:`by_code_hash`)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from dealbench.invitations.presenter import INVITATION
from dealbench.kit.locks import Lock, locked
from dealbench.kit.pagination import ListParams, paginate
from dealbench.kit.repository import Repository
from dealbench.models import Invitation, InvitationStatus


class InvitationRepository(Repository[Invitation]):
    model = Invitation
    what = "Invitation"

    async def page(
        self,
        params: ListParams,
        *,
        status: InvitationStatus | None,
        live_at: datetime | None,
    ) -> tuple[list[Any], int]:
        """A page of invitations (of one status; those not expired at ``live_at`` when given) as
        rows of the presenter's columns, in id order, and the total."""
        stmt = self.select(*INVITATION.columns)
        if status is not None:
            stmt = stmt.where(Invitation.status == status)
        if live_at is not None:
            stmt = stmt.where(Invitation.expires_at > live_at)
        return await paginate(self.session, stmt.order_by(Invitation.id), params)

    async def pending_for(self, email: str, now: datetime) -> Invitation | None:
        """A PENDING invitation of ``email`` that has not expired."""
        stmt = self.select().where(
            Invitation.invitee_email == email,
            Invitation.status == InvitationStatus.PENDING,
            Invitation.expires_at > now,
        )
        return (await self.session.execute(stmt)).scalars().first()


async def by_code_hash(
    session: AsyncSession, code_hash: str, *, lock: Lock | None = None
) -> Invitation | None:
    """The invitation whose one-time code has the HMAC ``code_hash``, of whichever organization: the
    invitee answers with the code alone (no token, no organization), so this lookup runs across
    organizations by nature; the HMAC is unique."""
    stmt = select(Invitation).where(Invitation.code_hash == code_hash)
    return (await session.execute(locked(stmt, lock))).scalar_one_or_none()
