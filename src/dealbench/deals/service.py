"""Deals: lookup by id or ``eid:<vendorEntityId>``, listing, create/update/soft delete, notes."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from dealbench.kit.errors import NotFound
from dealbench.kit.principal import Principal
from dealbench.kit.tenancy import in_tenant
from dealbench.models import Deal

EID_PREFIX = "eid:"


def parse_deal_ref(ref: str | int) -> tuple[int | None, str | None]:
    """``(id, None)`` for a numeric id, ``(None, vendorEntityId)`` for ``eid:...``; ``(None, None)`` else."""
    if isinstance(ref, bool):
        return None, None
    if isinstance(ref, int):
        return ref, None
    text = ref.strip()
    if text.startswith(EID_PREFIX):
        eid = text[len(EID_PREFIX) :]
        return (None, eid) if eid else (None, None)
    if text.isascii() and text.isdigit() and len(text) < 19:
        return int(text), None
    return None, None


async def get_deal(session: AsyncSession, principal: Principal, ref: str | int) -> Deal:
    """The deal ``ref`` (numeric id or ``eid:<vendorEntityId>``) of the principal's organization, or 404.

    Soft-deleted deals still resolve (they answer ``deleted: true``).
    """
    deal_id, eid = parse_deal_ref(ref)
    stmt = in_tenant(Deal, principal.organization_id)
    if deal_id is not None:
        stmt = stmt.where(Deal.id == deal_id)
    elif eid is not None:
        stmt = stmt.where(Deal.vendor_entity_id == eid)
    else:
        raise NotFound("Deal not found.")
    deal = (await session.execute(stmt)).scalar_one_or_none()
    if deal is None:
        raise NotFound("Deal not found.")
    return deal
