"""The statements of the tickets domain: tickets, their links to deals, labels.

Every statement starts from the caller's organization (:class:`dealbench.kit.repository.Repository`).
Reads run Core statements whose columns are the presenter's (no ORM row loading): a page of
tickets with its total in one statement, then the links and labels of the page's tickets together
in one ``UNION ALL`` — two statements whatever the page size. Writes load ORM objects.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    ARRAY,
    ColumnElement,
    Integer,
    Row,
    Select,
    any_,
    bindparam,
    delete,
    false,
    func,
    literal,
    null,
    select,
    union_all,
)

from dealbench.deals.references import parse_deal_ref
from dealbench.kit.db import utcnow
from dealbench.kit.pagination import ListParams
from dealbench.kit.repository import Repository, is_id
from dealbench.models import Deal, Label, Ticket, TicketDealLink, TicketLabel
from dealbench.tickets.presenter import LINK_COLUMNS, TICKET

T = Ticket.__table__.c
D = Deal.__table__.c
TD = TicketDealLink.__table__.c
TL = TicketLabel.__table__.c
LB = Label.__table__.c

_LINKS = TicketDealLink.__table__.join(Deal.__table__, D.id == TD.deal_id)
_LABELS = TicketLabel.__table__.join(Label.__table__, LB.id == TL.label_id)
#: Where a row of the links-and-labels union holds the deal's (or the label's) name.
_NAME = 2 + next(i for i, column in enumerate(LINK_COLUMNS) if column is D.name)


def _relations_statement(postgres: bool) -> Select[Any]:
    """The links and the labels of some tickets (``:ticket_ids``) of one organization (``:org``),
    ordered by ticket, then kind (links first), then deal id (links) or name (labels)."""
    if postgres:
        # One array parameter: one cached statement whatever the page size, and index scans (an
        # ``IN (SELECT ... LIMIT)`` made PostgreSQL hash-join the whole link table).
        ids = bindparam("ticket_ids", type_=ARRAY(Integer))
        link_in, label_in = TD.ticket_id == any_(ids), TL.ticket_id == any_(ids)
    else:
        ids = bindparam("ticket_ids", expanding=True)
        link_in, label_in = TD.ticket_id.in_(ids), TL.ticket_id.in_(ids)
    org = bindparam("org", type_=Integer)
    # A label row carries its name where a link row carries the deal's name; the rest is null.
    as_label = [LB.name if column is D.name else null() for column in LINK_COLUMNS]
    both = union_all(
        select(TD.ticket_id.label("ticket_id"), literal(0).label("kind"), *LINK_COLUMNS)
        .select_from(_LINKS)
        .where(link_in, D.organization_id == org, D.deleted.is_(False)),
        select(TL.ticket_id, literal(1), *as_label)
        .select_from(_LABELS)
        .where(label_in, LB.organization_id == org),
    ).subquery()
    columns = list(both.c)
    return select(both).order_by(columns[0], columns[1], columns[2], columns[_NAME])


# The single-ticket and relations statements are built once (building one costs more than running
# it for one ticket); their organization is a bound parameter, given by the repository.
_RELATIONS = {postgres: _relations_statement(postgres) for postgres in (True, False)}
_ONE = select(*TICKET.columns).where(T.organization_id == bindparam("org"), T.id == bindparam("ticket_id"))


@dataclass(frozen=True, slots=True)
class TicketFilters:
    state: str | None = None
    type: str | None = None
    #: A label name (case-sensitive).
    label: str | None = None
    #: A deal reference: a numeric id or ``eid:<vendorEntityId>``.
    deal: str | None = None
    #: ``id`` (the API's order) or ``-dealAmountSum``: the revenue at stake, largest first.
    order: str = "id"


class TicketRepository(Repository[Ticket]):
    model = Ticket
    what = "Ticket"

    # ------------------------------------------------------------------ reading

    def conditions(self, f: TicketFilters) -> list[ColumnElement[bool]]:
        conds: list[ColumnElement[bool]] = [self.owned()]
        if f.state is not None:
            conds.append(T.state == f.state)
        if f.type is not None:
            conds.append(T.type == f.type)
        if f.label is not None:
            labelled = select(TL.ticket_id).select_from(_LABELS).where(self.owned(Label), LB.name == f.label)
            conds.append(T.id.in_(labelled))
        if f.deal is not None:
            deal_id, eid = parse_deal_ref(f.deal)
            if deal_id is not None:
                match = D.id == deal_id
            else:  # a reference that names no deal matches nothing
                match = D.vendor_entity_id == eid if eid is not None else false()
            linked = select(TD.ticket_id).select_from(_LINKS).where(self.owned(Deal), match)
            conds.append(T.id.in_(linked))
        return conds

    def _order(self, order: str) -> list[Any]:
        if order != "-dealAmountSum":
            return [T.id]
        # The revenue at stake as the presenter sums it: the amounts of the linked, non-deleted deals.
        at_stake = (
            select(func.coalesce(func.sum(D.amount), 0))
            .select_from(_LINKS)
            .where(TD.ticket_id == T.id, self.owned(Deal), D.deleted.is_(False))
            .scalar_subquery()
        )
        return [at_stake.desc(), T.id]

    async def page(self, filters: TicketFilters, params: ListParams) -> tuple[Sequence[Any], int]:
        """A page of rows of the presenter's columns (id order) and the total, in one statement: the
        total rides along as an uncorrelated scalar subquery (computed once; ``count(*) OVER ()``
        would materialize every matching row); a separate count only when the page is empty."""
        conds = self.conditions(filters)
        total = select(func.count(T.id)).where(*conds).scalar_subquery()
        stmt = (
            select(*TICKET.columns, total.label("_total"))
            .where(*conds)
            .order_by(*self._order(filters.order))
            .limit(params.limit)
            .offset(params.offset)
        )
        connection = await self.session.connection()  # Core: past the ORM's execution layer
        rows = (await connection.execute(stmt)).all()
        if rows:
            return rows, int(rows[0][-1])
        return [], int((await connection.execute(select(func.count(T.id)).where(*conds))).scalar_one())

    async def row(self, ticket_id: Any) -> Row[Any] | None:
        """The ticket ``ticket_id`` as one row of the presenter's columns (the single read)."""
        if not is_id(ticket_id):
            return None
        connection = await self.session.connection()
        return (await connection.execute(_ONE, {"org": self.organization_id, "ticket_id": ticket_id})).first()

    async def relations(
        self, ticket_ids: Sequence[int]
    ) -> tuple[dict[int, list[tuple[Any, ...]]], dict[int, list[str]]]:
        """The links (rows of ``LINK_COLUMNS``, non-deleted deals, by deal id) and the labels (sorted)
        of ``ticket_ids``, by ticket id, in one statement (nothing for no ticket)."""
        links: dict[int, list[tuple[Any, ...]]] = {}
        labels: dict[int, list[str]] = {}
        if not ticket_ids:
            return links, labels
        # A Core statement: run on the connection, past the ORM's execution layer (the services
        # flush what they wrote before they read).
        connection = await self.session.connection()
        params = {"org": self.organization_id, "ticket_ids": list(ticket_ids)}
        for row in (await connection.execute(_RELATIONS[self.postgres], params)).all():
            if row[1] == 0:
                links.setdefault(row[0], []).append(row[2:])
            else:
                labels.setdefault(row[0], []).append(row[_NAME])
        return links, labels

    async def of_deals(self, deal_ids: Sequence[int]) -> Sequence[Any]:
        """The tickets linked to each of ``deal_ids``: rows of the presenter's columns followed by the
        deal's id, by deal then ticket id (a ticket linked to two of the deals comes twice)."""
        if not deal_ids:
            return []
        stmt = (
            select(*TICKET.columns, TD.deal_id)
            .select_from(Ticket.__table__.join(TicketDealLink.__table__, TD.ticket_id == T.id))
            .where(self.owned(), TD.deal_id.in_(list(deal_ids)))
            .order_by(TD.deal_id, T.id)
        )
        return (await self.session.execute(stmt)).all()

    # ------------------------------------------------------------------ writing

    async def shared_of_deal(self, deal_id: int) -> Sequence[Any]:
        """``(title, state, target_due_date)`` of the tickets linked to the deal and shared with its
        buyer: the only columns the buyer portal shows (never amounts, descriptions or links)."""
        stmt = (
            select(Ticket.title, Ticket.state, Ticket.target_due_date)
            .join(TicketDealLink, TicketDealLink.ticket_id == Ticket.id)
            .where(
                self.owned(),
                TicketDealLink.deal_id == deal_id,
                TicketDealLink.shared_with_buyer.is_(True),
            )
            .order_by(Ticket.id)
        )
        return (await self.session.execute(stmt)).all()

    async def links(self, ticket: Ticket) -> dict[int, TicketDealLink]:
        """The links of ``ticket`` (a ticket of this organization), by deal id."""
        stmt = select(TicketDealLink).where(TicketDealLink.ticket_id == ticket.id)
        return {link.deal_id: link for link in (await self.session.execute(stmt)).scalars()}

    def link(self, ticket: Ticket, deal_id: int, priority: str, shared_with_buyer: bool) -> TicketDealLink:
        link = TicketDealLink(
            ticket_id=ticket.id, deal_id=deal_id, priority=priority, shared_with_buyer=shared_with_buyer
        )
        self.session.add(link)
        return link

    async def unlink(self, link: TicketDealLink) -> None:
        await self.session.delete(link)

    async def clear_labels(self, ticket: Ticket) -> None:
        await self.session.execute(delete(TicketLabel).where(TicketLabel.ticket_id == ticket.id))

    async def label(self, ticket: Ticket, label_ids: Iterable[int]) -> None:
        """Add labels (ids of this organization's labels) to ``ticket``, in id order."""
        rows = [{"ticket_id": ticket.id, "label_id": i} for i in sorted(label_ids)]
        if rows:
            await self.session.execute(self.insert(TicketLabel).values(rows).on_conflict_do_nothing())

    async def remove(self, ticket: Ticket) -> None:
        """Delete ``ticket`` with its links and labels."""
        await self.session.execute(delete(TicketDealLink).where(TicketDealLink.ticket_id == ticket.id))
        await self.clear_labels(ticket)
        await self.session.delete(ticket)


class LabelRepository(Repository[Label]):
    model = Label
    what = "Label"

    async def ensure(self, names: Iterable[str]) -> dict[str, int]:
        """``{name: label id}``, creating missing labels with ``INSERT ... ON CONFLICT DO NOTHING``.

        Names are inserted in sorted order: two requests creating the same new labels wait for each
        other in the same order instead of deadlocking on the unique index.
        """
        unique = sorted(set(names))
        if not unique:
            return {}
        now = utcnow()
        await self.session.execute(
            self.insert()
            .values([{"organization_id": self.organization_id, "name": n, "created_at": now} for n in unique])
            .on_conflict_do_nothing(index_elements=["organization_id", "name"])
        )
        rows = await self.session.execute(self.select(Label.name, Label.id).where(Label.name.in_(unique)))
        return {name: label_id for name, label_id in rows.all()}
