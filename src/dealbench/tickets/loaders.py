"""Page-level batch loaders of the tickets domain: one query per relation for a whole page.

Used by the REST list (fixed statement count whatever the limit) and by GraphQL DataLoaders.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from dealbench.models import Deal, Label, Ticket, TicketDealLink, TicketLabel


async def linked_deals_by_ticket_ids(
    session: AsyncSession, ticket_ids: Sequence[int]
) -> dict[int, list[dict[str, Any]]]:
    """``{ticket_id: [{id, evaluationId, name, priority, sharedWithBuyer, amount}]}`` (non-deleted deals,
    by deal id). ``amount`` is for ``dealAmountSum``; the wire answer drops it."""
    out: dict[int, list[dict[str, Any]]] = {tid: [] for tid in ticket_ids}
    if not ticket_ids:
        return out
    stmt = (
        select(
            TicketDealLink.ticket_id,
            Deal.id,
            Deal.evaluation_id,
            Deal.name,
            TicketDealLink.priority,
            TicketDealLink.shared_with_buyer,
            Deal.amount,
        )
        .join(Deal, Deal.id == TicketDealLink.deal_id)
        .where(TicketDealLink.ticket_id.in_(list(ticket_ids)), Deal.deleted.is_(False))
        .order_by(TicketDealLink.ticket_id, Deal.id)
    )
    for tid, did, eid, name, priority, shared, amount in (await session.execute(stmt)).all():
        out[tid].append(
            {
                "id": did,
                "evaluationId": eid,
                "name": name,
                "priority": priority,
                "sharedWithBuyer": shared,
                "amount": amount,
            }
        )
    return out


async def labels_by_ticket_ids(session: AsyncSession, ticket_ids: Sequence[int]) -> dict[int, list[str]]:
    """``{ticket_id: [label names, sorted]}``."""
    out: dict[int, list[str]] = {tid: [] for tid in ticket_ids}
    if not ticket_ids:
        return out
    stmt = (
        select(TicketLabel.ticket_id, Label.name)
        .join(Label, Label.id == TicketLabel.label_id)
        .where(TicketLabel.ticket_id.in_(list(ticket_ids)))
        .order_by(TicketLabel.ticket_id, Label.name)
    )
    for tid, name in (await session.execute(stmt)).all():
        out[tid].append(name)
    return out


async def tickets_by_deal_ids(
    session: AsyncSession, organization_id: int, deal_ids: Sequence[int]
) -> dict[int, list[Ticket]]:
    """``{deal_id: [Ticket, ...]}`` (by ticket id): the requests linked to each deal."""
    out: dict[int, list[Ticket]] = {did: [] for did in deal_ids}
    if not deal_ids:
        return out
    stmt = (
        select(TicketDealLink.deal_id, Ticket)
        .join(Ticket, Ticket.id == TicketDealLink.ticket_id)
        .where(Ticket.organization_id == organization_id, TicketDealLink.deal_id.in_(list(deal_ids)))
        .order_by(TicketDealLink.deal_id, Ticket.id)
    )
    for did, ticket in (await session.execute(stmt)).all():
        out[did].append(ticket)
    return out


async def links_by_deal_ids(
    session: AsyncSession, organization_id: int, deal_ids: Sequence[int]
) -> dict[int, list[TicketDealLink]]:
    """``{deal_id: [TicketDealLink, ...]}``: priority and sharing of each request on each deal."""
    out: dict[int, list[TicketDealLink]] = {did: [] for did in deal_ids}
    if not deal_ids:
        return out
    stmt = (
        select(TicketDealLink)
        .join(Ticket, Ticket.id == TicketDealLink.ticket_id)
        .where(Ticket.organization_id == organization_id, TicketDealLink.deal_id.in_(list(deal_ids)))
        .order_by(TicketDealLink.deal_id, TicketDealLink.ticket_id)
    )
    for link in (await session.execute(stmt)).scalars():
        out[link.deal_id].append(link)
    return out
