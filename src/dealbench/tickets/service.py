"""Tickets: the buyer's requests (bugs, feature requests), linked to deals with a priority, labelled.

Writes validate every deal reference first (a missing deal is a 400 issue at ``["deals", i, "id"]``
and nothing is written). Labels are created on the fly with an upsert, so concurrent requests
creating the same new label all succeed and make one row.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    ARRAY,
    ColumnElement,
    Integer,
    any_,
    bindparam,
    delete,
    func,
    literal,
    null,
    select,
    union_all,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from dealbench.auth.principal import Principal
from dealbench.deals.references import parse_deal_ref, resolve_deal_refs
from dealbench.kit.db import utcnow
from dealbench.kit.errors import ValidationFailed
from dealbench.kit.pagination import ListParams
from dealbench.kit.presenter import Shape
from dealbench.kit.richtext import to_markdown
from dealbench.kit.tenancy import Lock, get_in_tenant
from dealbench.models import Deal, Label, Ticket, TicketDealLink, TicketLabel
from dealbench.models.sales import LinkPriority, TicketState
from dealbench.tickets.loaders import labels_by_ticket_ids, linked_deals_by_ticket_ids
from dealbench.tickets.schemas import TicketCreate, TicketDealIn, TicketUpdate

DEFAULT_PRIORITY = LinkPriority.IMPORTANT.value

# Table columns (not ORM attributes): the hot list runs Core statements, without ORM row loading.
T = Ticket.__table__.c
D = Deal.__table__.c
TD = TicketDealLink.__table__.c
TL = TicketLabel.__table__.c
LB = Label.__table__.c

_FIELDS: list[tuple[str, Any]] = [
    ("type", T.type),
    ("state", T.state),
    ("id", T.id),
    ("createdAt", T.created_at),
    ("updatedAt", T.updated_at),
    ("closedAt", T.closed_at),
    ("organizationId", T.organization_id),
    ("createdByUserId", T.created_by_user_id),
    ("title", T.title),
    ("description", T.description),
    ("vendorEntityId", T.vendor_entity_id),
    ("vendorEntityKey", T.vendor_entity_key),
    ("integrationInstallationId", T.integration_installation_id),
    ("targetDueDate", T.target_due_date),
    ("vendorEntityUrl", T.vendor_entity_url),
]
SHAPE = Shape(_FIELDS)


async def get_ticket(
    session: AsyncSession, principal: Principal, ticket_id: int, *, lock: Lock | None = None
) -> Ticket:
    return await get_in_tenant(
        session, Ticket, principal.organization_id, ticket_id, what="Ticket", lock=lock
    )


# --------------------------------------------------------------------------- reading


@dataclass(frozen=True, slots=True)
class TicketFilters:
    state: str | None = None
    type: str | None = None
    label: str | None = None
    deal: str | None = None


def _conditions(principal: Principal, f: TicketFilters) -> list[ColumnElement[bool]]:
    org = principal.organization_id
    conds: list[ColumnElement[bool]] = [T.organization_id == org]
    if f.state is not None:
        conds.append(T.state == f.state)
    if f.type is not None:
        conds.append(T.type == f.type)
    if f.label is not None:
        conds.append(
            T.id.in_(
                select(TL.ticket_id)
                .join(Label.__table__, LB.id == TL.label_id)
                .where(LB.organization_id == org, LB.name == f.label)
            )
        )
    if f.deal is not None:
        deal_id, eid = parse_deal_ref(f.deal)
        if deal_id is None and eid is None:
            raise ValidationFailed.at(["dealId"], "Expected a deal id (number) or 'eid:<vendorEntityId>'.")
        match = D.id == deal_id if deal_id is not None else D.vendor_entity_id == eid
        conds.append(
            T.id.in_(
                select(TD.ticket_id)
                .join(Deal.__table__, D.id == TD.deal_id)
                .where(D.organization_id == org, match)
            )
        )
    return conds


def _finish(
    items: list[dict[str, Any]], links: dict[int, list[dict[str, Any]]], labels: dict[int, list[str]]
) -> None:
    for item in items:
        linked = links.get(item["id"], [])
        total = 0.0
        for link in linked:
            amount = link.pop("amount", None)
            if amount is not None:
                total += amount
        item["linkedDeals"] = linked
        item["dealAmountSum"] = total
        item["labels"] = labels.get(item["id"], [])


async def list_ticket_payloads(
    session: AsyncSession, principal: Principal, params: ListParams, filters: TicketFilters | None = None
) -> tuple[list[dict[str, Any]], int]:
    """A page of tickets as wire dicts, in two statements whatever the limit: the page with its
    total, then the links and labels of the page's tickets together (``UNION ALL``).
    """
    conds = _conditions(principal, filters or TicketFilters())
    # The total rides along as an uncorrelated scalar subquery (computed once; ``count(*) OVER ()``
    # would materialize every matching row); a separate count only when the page is empty.
    count = select(func.count(T.id)).where(*conds).scalar_subquery()
    stmt = (
        select(*SHAPE.columns, count.label("total"))
        .where(*conds)
        .order_by(T.id)
        .limit(params.limit)
        .offset(params.offset)
    )
    rows = (await session.execute(stmt)).all()
    if not rows:
        return [], int((await session.execute(select(func.count(T.id)).where(*conds))).scalar_one())
    total = int(rows[0][-1])
    items = SHAPE.many(row[:-1] for row in rows)
    ids = [item["id"] for item in items]
    if session.get_bind().dialect.name == "postgresql":
        # One array parameter: a cached statement whatever the page size, and index scans (an
        # ``IN (SELECT ... LIMIT)`` made PostgreSQL hash-join the whole link table).
        ids_param = bindparam("page_ticket_ids", ids, type_=ARRAY(Integer))
        link_in, label_in = TD.ticket_id == any_(ids_param), TL.ticket_id == any_(ids_param)
    else:
        link_in, label_in = TD.ticket_id.in_(ids), TL.ticket_id.in_(ids)
    relations = union_all(
        select(
            TD.ticket_id.label("ticket_id"),
            literal(0).label("kind"),
            D.id.label("deal_id"),
            D.evaluation_id,
            D.name,
            TD.priority,
            TD.shared_with_buyer,
            D.amount,
        )
        .select_from(TicketDealLink.__table__.join(Deal.__table__, D.id == TD.deal_id))
        .where(link_in, D.deleted.is_(False)),
        select(
            TL.ticket_id,
            literal(1),
            null(),
            null(),
            LB.name,
            null(),
            null(),
            null(),
        )
        .select_from(TicketLabel.__table__.join(Label.__table__, LB.id == TL.label_id))
        .where(label_in),
    ).subquery()
    ordered = select(relations).order_by(
        relations.c.ticket_id, relations.c.kind, relations.c.deal_id, relations.c.name
    )
    links: dict[int, list[dict[str, Any]]] = {}
    labels: dict[int, list[str]] = {}
    for tid, kind, did, eid, name, priority, shared, amount in (await session.execute(ordered)).all():
        if kind == 0:
            links.setdefault(tid, []).append(
                {
                    "id": did,
                    "evaluationId": eid,
                    "name": name,
                    "priority": priority,
                    "sharedWithBuyer": bool(shared),
                    "amount": float(amount) if amount is not None else None,
                }
            )
        else:
            labels.setdefault(tid, []).append(name)
    _finish(items, links, labels)
    return items, total


async def list_tickets(
    session: AsyncSession, principal: Principal, params: ListParams, filters: TicketFilters | None = None
) -> tuple[list[Ticket], int]:
    """A page of tickets as ORM objects (for GraphQL; relations through :mod:`.loaders`)."""
    conds = _conditions(principal, filters or TicketFilters())
    total = int((await session.execute(select(func.count(T.id)).where(*conds))).scalar_one())
    stmt = select(Ticket).where(*conds).order_by(Ticket.id).limit(params.limit).offset(params.offset)
    return list((await session.execute(stmt)).scalars()), total


async def ticket_payload(session: AsyncSession, ticket: Ticket) -> dict[str, Any]:
    """One ticket as its wire dict (two statements: links, labels)."""
    item = SHAPE.one(ticket)
    links = await linked_deals_by_ticket_ids(session, [ticket.id])
    labels = await labels_by_ticket_ids(session, [ticket.id])
    _finish([item], links, labels)
    return item


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


def _insert_for(session: AsyncSession) -> Any:
    return pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert


async def ensure_labels(session: AsyncSession, organization_id: int, names: Sequence[str]) -> dict[str, int]:
    """``{name: label id}``, creating missing labels with ``INSERT ... ON CONFLICT DO NOTHING``.

    Names are inserted in sorted order: two requests creating the same new labels wait for each
    other in the same order instead of deadlocking on the unique index.
    """
    unique = sorted(set(names))
    if not unique:
        return {}
    now = utcnow()
    insert = _insert_for(session)
    await session.execute(
        insert(Label)
        .values([{"organization_id": organization_id, "name": n, "created_at": now} for n in unique])
        .on_conflict_do_nothing(index_elements=["organization_id", "name"])
    )
    rows = await session.execute(
        select(Label.name, Label.id).where(Label.organization_id == organization_id, Label.name.in_(unique))
    )
    return {name: label_id for name, label_id in rows.all()}


async def _set_labels(session: AsyncSession, ticket: Ticket, names: Sequence[str] | None) -> None:
    await session.execute(delete(TicketLabel).where(TicketLabel.ticket_id == ticket.id))
    ids = await ensure_labels(session, ticket.organization_id, names or [])
    if ids:
        await session.execute(
            _insert_for(session)(TicketLabel)
            .values([{"ticket_id": ticket.id, "label_id": i} for i in sorted(ids.values())])
            .on_conflict_do_nothing()
        )


def _closed_at(ticket: Ticket, state: str) -> None:
    if state == TicketState.CLOSED and ticket.state != TicketState.CLOSED:
        ticket.closed_at = utcnow()
    elif state != TicketState.CLOSED:
        ticket.closed_at = None
    ticket.state = state


async def create_ticket(session: AsyncSession, principal: Principal, data: TicketCreate) -> Ticket:
    links = await _resolve_links(session, principal, data.deals or [])
    ticket = Ticket(
        organization_id=principal.organization_id,
        created_by_user_id=principal.acting_user_id,
        title=data.title,
        type=data.type.value,
        state="",
        description=to_markdown(data.description),
        target_due_date=data.target_due_date,
        vendor_entity_url=data.vendor_entity_url,
    )
    _closed_at(ticket, data.state.value)
    session.add(ticket)
    await session.flush()
    by_deal: dict[int, TicketDealIn] = {}
    for item, deal_id in links:
        by_deal[deal_id] = item  # a deal listed twice: the last item wins
    for deal_id, item in by_deal.items():
        session.add(
            TicketDealLink(
                ticket_id=ticket.id,
                deal_id=deal_id,
                priority=(item.priority.value if item.priority else DEFAULT_PRIORITY),
                shared_with_buyer=bool(item.shared_with_buyer),
            )
        )
    if data.labels:
        await _set_labels(session, ticket, data.labels)
    await session.flush()
    return ticket


async def update_ticket(
    session: AsyncSession, principal: Principal, ticket_id: int, data: TicketUpdate
) -> Ticket:
    ticket = await get_ticket(session, principal, ticket_id, lock=Lock.UPDATE)
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
        existing = {
            link.deal_id: link
            for link in (
                await session.execute(select(TicketDealLink).where(TicketDealLink.ticket_id == ticket.id))
            ).scalars()
        }
        for item, deal_id in links:
            link = existing.get(deal_id)
            if getattr(item, "delete", None):
                if link is not None:
                    await session.delete(link)
                    del existing[deal_id]
                continue
            if link is None:
                link = TicketDealLink(
                    ticket_id=ticket.id,
                    deal_id=deal_id,
                    priority=item.priority.value if item.priority else DEFAULT_PRIORITY,
                    shared_with_buyer=bool(item.shared_with_buyer),
                )
                session.add(link)
                existing[deal_id] = link
            else:
                if item.priority is not None:
                    link.priority = item.priority.value
                if item.shared_with_buyer is not None:
                    link.shared_with_buyer = item.shared_with_buyer
    if "labels" in values:
        await _set_labels(session, ticket, values["labels"])
    ticket.updated_at = utcnow()
    await session.flush()
    return ticket


async def delete_ticket(session: AsyncSession, principal: Principal, ticket_id: int) -> int:
    ticket = await get_ticket(session, principal, ticket_id, lock=Lock.DELETE)
    await session.execute(delete(TicketDealLink).where(TicketDealLink.ticket_id == ticket.id))
    await session.execute(delete(TicketLabel).where(TicketLabel.ticket_id == ticket.id))
    await session.delete(ticket)
    await session.flush()
    return ticket_id
