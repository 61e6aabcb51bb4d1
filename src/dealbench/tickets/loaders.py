"""Page-level batch loaders of the tickets domain: one query per relation for a whole page.

Used by the REST list (fixed statement count whatever the limit) and by GraphQL DataLoaders.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from dealbench.models import Deal, Label, Ticket, TicketDealLink, TicketLabel


def _ids_filter(column: Any, ticket_ids: Sequence[int] | Select[Any]) -> Any:
    """``IN (ids)``, or ``IN (SELECT ...)`` for a page's id query: one cached statement, 3 parameters."""
    return column.in_(ticket_ids if isinstance(ticket_ids, Select) else list(ticket_ids))


async def linked_deals_by_ticket_ids(
    session: AsyncSession, ticket_ids: Sequence[int] | Select[Any]
) -> dict[int, list[dict[str, Any]]]:
    """``{ticket_id: [{id, evaluationId, name, priority, sharedWithBuyer, amount}]}`` (non-deleted deals,
    by deal id). ``amount`` is for ``dealAmountSum``; the wire answer drops it. ``ticket_ids`` may be a
    select of ids (the page query), which keeps the statement identical whatever the page size."""
    out: dict[int, list[dict[str, Any]]] = {}
    if not isinstance(ticket_ids, Select):
        out = {tid: [] for tid in ticket_ids}
        if not ticket_ids:
            return out
    td, d = TicketDealLink.__table__.c, Deal.__table__.c  # Core: no ORM row loading
    stmt = (
        select(td.ticket_id, d.id, d.evaluation_id, d.name, td.priority, td.shared_with_buyer, d.amount)
        .select_from(TicketDealLink.__table__.join(Deal.__table__, d.id == td.deal_id))
        .where(_ids_filter(td.ticket_id, ticket_ids), d.deleted.is_(False))
        .order_by(td.ticket_id, d.id)
    )
    for tid, did, eid, name, priority, shared, amount in (await session.execute(stmt)).all():
        out.setdefault(tid, []).append(
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


async def labels_by_ticket_ids(
    session: AsyncSession, ticket_ids: Sequence[int] | Select[Any]
) -> dict[int, list[str]]:
    """``{ticket_id: [label names, sorted]}``."""
    out: dict[int, list[str]] = {}
    if not isinstance(ticket_ids, Select):
        out = {tid: [] for tid in ticket_ids}
        if not ticket_ids:
            return out
    tl, lb = TicketLabel.__table__.c, Label.__table__.c
    stmt = (
        select(tl.ticket_id, lb.name)
        .select_from(TicketLabel.__table__.join(Label.__table__, lb.id == tl.label_id))
        .where(_ids_filter(tl.ticket_id, ticket_ids))
        .order_by(tl.ticket_id, lb.name)
    )
    for tid, name in (await session.execute(stmt)).all():
        out.setdefault(tid, []).append(name)
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
