"""Tickets: the buyer's requests (bugs, feature requests), linked to deals with a priority, labelled.

Reads and writes answer :class:`dealbench.tickets.presenter.Tickets` — the tickets with their links
and labels — which every adapter presents the same way. Writes validate every deal reference first
(a missing deal is a 400 issue at ``["deals", i, "id"]`` and nothing is written). Labels are created
on the fly with an upsert, so concurrent requests creating the same new label all succeed and make
one row. An update locks its ticket first (``Lock.UPDATE``), a deletion with ``Lock.DELETE``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from dealbench.auth.principal import Principal
from dealbench.deals.references import parse_deal_ref, resolve_deal_refs
from dealbench.events import outbox
from dealbench.kit.db import utcnow
from dealbench.kit.errors import NotFound, ValidationFailed
from dealbench.kit.locks import Lock
from dealbench.kit.pagination import ListParams
from dealbench.kit.repository import Tenant
from dealbench.kit.richtext import to_markdown
from dealbench.models import Ticket
from dealbench.models.sales import LinkPriority, TicketState
from dealbench.tickets import presenter
from dealbench.tickets.presenter import Tickets
from dealbench.tickets.repository import LabelRepository, TicketFilters, TicketRepository
from dealbench.tickets.schemas import TicketCreate, TicketDealIn, TicketUpdate

__all__ = ["TicketFilters", "Tickets"]

DEFAULT_PRIORITY = LinkPriority.IMPORTANT.value


async def get_ticket(
    session: AsyncSession, principal: Principal, ticket_id: int, *, lock: Lock | None = None
) -> Ticket:
    """The ticket ``ticket_id`` of the caller's organization, or 404; ``lock``: see :mod:`dealbench.kit.locks`."""
    return await TicketRepository(session, principal).one(ticket_id, lock=lock)


# --------------------------------------------------------------------------- reading


async def list_tickets(
    session: AsyncSession,
    principal: Principal,
    params: ListParams,
    filters: TicketFilters | None = None,
    *,
    relations: bool = True,
) -> tuple[Tickets, int]:
    """A page of tickets (id order) with their links and labels, and the total, in two statements
    whatever the limit: the page with its total, then the links and labels of the page's tickets.
    ``relations=False`` leaves the second out (a GraphQL selection that shows none of them)."""
    filters = filters or TicketFilters()
    if filters.deal is not None and parse_deal_ref(filters.deal) == (None, None):
        raise ValidationFailed.at(["dealId"], "Expected a deal id (number) or 'eid:<vendorEntityId>'.")
    repo = TicketRepository(session, principal)
    rows, total = await repo.page(filters, params)
    if not relations or not rows:
        return Tickets(rows), total
    links, labels = await repo.relations([row.id for row in rows])
    return Tickets(rows, links, labels), total


async def read_ticket(session: AsyncSession, principal: Principal, ticket_id: int) -> Tickets:
    """One ticket with its links and labels (two statements), or 404."""
    repo = TicketRepository(session, principal)
    row = await repo.row(ticket_id)
    if row is None:
        raise NotFound("Ticket not found.")
    links, labels = await repo.relations([row.id])
    return Tickets([row], links, labels)


async def tickets_of_deals(
    session: AsyncSession, principal: Principal, deal_ids: Sequence[int], *, relations: bool = True
) -> tuple[Tickets, dict[int, list[int]]]:
    """The tickets linked to each of ``deal_ids`` (``{deal id: [ticket ids]}``, by ticket id) and those
    tickets, once each, with their links and labels: two statements whatever the number of deals
    (one without ``relations``)."""
    repo = TicketRepository(session, principal)
    by_deal: dict[int, list[int]] = {}
    unique: dict[int, Any] = {}
    for row in await repo.of_deals(deal_ids):
        by_deal.setdefault(row.deal_id, []).append(row.id)
        unique.setdefault(row.id, row)
    if not relations or not unique:
        return Tickets(list(unique.values())), by_deal
    links, labels = await repo.relations(list(unique))
    return Tickets(list(unique.values()), links, labels), by_deal


async def _written(repo: TicketRepository, ticket: Ticket) -> Tickets:
    """A ticket just written, with its links and labels as they are now."""
    links, labels = await repo.relations([ticket.id])
    return Tickets([ticket], links, labels)


# --------------------------------------------------------------------------- writing


async def _resolve_links(
    session: AsyncSession, principal: Principal, items: Sequence[TicketDealIn]
) -> list[tuple[Any, int]]:
    """``[(item, deal_id)]``; every unknown deal is an issue at ``["deals", i, "id"]`` (nothing written)."""
    found = await resolve_deal_refs(session, principal, [i.id for i in items])
    issues = []
    out = []
    for index, item in enumerate(items):
        deal = found.get(item.id)
        if deal is None:
            issues.append(
                {"code": "custom", "path": ["deals", index, "id"], "message": f"Deal {item.id} not found."}
            )
        else:
            out.append((item, deal.id))
    if issues:
        raise ValidationFailed(issues)
    return out


async def ensure_labels(session: AsyncSession, tenant: Tenant, names: Sequence[str]) -> dict[str, int]:
    """``{name: label id}`` of the tenant's labels ``names``, creating the missing ones."""
    return await LabelRepository(session, tenant).ensure(names)


async def _set_labels(
    repo: TicketRepository, ticket: Ticket, names: Sequence[str] | None, *, replace: bool = True
) -> None:
    if replace:
        await repo.clear_labels(ticket)
    ids = await ensure_labels(repo.session, ticket, names or [])
    await repo.label(ticket, ids.values())


def _closed_at(ticket: Ticket, state: str) -> None:
    if state == TicketState.CLOSED and ticket.state != TicketState.CLOSED:
        ticket.closed_at = utcnow()
    elif state != TicketState.CLOSED:
        ticket.closed_at = None
    ticket.state = state


async def create_ticket(session: AsyncSession, principal: Principal, data: TicketCreate) -> Tickets:
    repo = TicketRepository(session, principal)
    links = await _resolve_links(session, principal, data.deals or [])
    ticket = repo.add(
        Ticket(
            created_by_user_id=principal.acting_user_id,
            title=data.title,
            type=data.type.value,
            state="",
            description=to_markdown(data.description),
            target_due_date=data.target_due_date,
            vendor_entity_url=data.vendor_entity_url,
        )
    )
    _closed_at(ticket, data.state.value)
    await repo.flush()
    by_deal: dict[int, TicketDealIn] = {}
    for item, deal_id in links:
        by_deal[deal_id] = item  # a deal listed twice: the last item wins
    for deal_id, item in by_deal.items():
        priority = item.priority.value if item.priority else DEFAULT_PRIORITY
        repo.link(ticket, deal_id, priority, bool(item.shared_with_buyer))
    if data.labels:
        await _set_labels(repo, ticket, data.labels, replace=False)
    await repo.flush()
    written = await _written(repo, ticket)
    await outbox.record(session, principal, "ticket.created", presenter.ticket(written))
    return written


async def update_ticket(
    session: AsyncSession, principal: Principal, ticket_id: int, data: TicketUpdate
) -> Tickets:
    repo = TicketRepository(session, principal)
    ticket = await repo.one(ticket_id, lock=Lock.UPDATE)
    values = data.provided()
    changes = values.pop("deals", None)
    links = await _resolve_links(session, principal, changes or [])
    if "title" in values:
        ticket.title = values["title"]
    if "type" in values:
        ticket.type = values["type"].value
    if "state" in values:
        _closed_at(ticket, values["state"].value)
    if "description" in values:
        ticket.description = to_markdown(values["description"])
    if "target_due_date" in values:
        ticket.target_due_date = values["target_due_date"]
    if "vendor_entity_url" in values:
        ticket.vendor_entity_url = values["vendor_entity_url"]
    if links:
        existing = await repo.links(ticket)
        for item, deal_id in links:
            link = existing.get(deal_id)
            if getattr(item, "delete", None):
                if link is not None:
                    await repo.unlink(link)
                    del existing[deal_id]
                continue
            if link is None:
                priority = item.priority.value if item.priority else DEFAULT_PRIORITY
                existing[deal_id] = repo.link(ticket, deal_id, priority, bool(item.shared_with_buyer))
            else:
                if item.priority is not None:
                    link.priority = item.priority.value
                if item.shared_with_buyer is not None:
                    link.shared_with_buyer = item.shared_with_buyer
    if "labels" in values:
        await _set_labels(repo, ticket, values["labels"])
    ticket.updated_at = utcnow()
    await repo.flush()
    written = await _written(repo, ticket)
    await outbox.record(session, principal, "ticket.updated", presenter.ticket(written))
    return written


async def delete_ticket(session: AsyncSession, principal: Principal, ticket_id: int) -> int:
    repo = TicketRepository(session, principal)
    ticket = await repo.one(ticket_id, lock=Lock.DELETE)
    await repo.remove(ticket)
    await repo.flush()
    await outbox.record(session, principal, "ticket.deleted", {"id": ticket_id})
    return ticket_id


async def shared_with_buyer(session: AsyncSession, tenant: Tenant, deal_id: int) -> list[dict[str, Any]]:
    """The deal's requests shared with its buyer, as the buyer portal shows them: title, state,
    target date, nothing else."""
    rows = await TicketRepository(session, tenant).shared_of_deal(deal_id)
    return [{"title": t, "state": s, "targetDueDate": d} for t, s, d in rows]
