"""Tickets (the buyer's requests) in the GraphQL dialect: ``tickets``, ``ticket`` (``tickets:read``),
``createTicket``, ``updateTicket``, ``deleteTicket`` (``tickets:write``). Relations load through
DataLoaders over :mod:`dealbench.tickets.loaders` (one statement per relation and level)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import strawberry

from dealbench.auth.principal import Principal
from dealbench.kit.graphql.context import ctx, memo_per_node
from dealbench.kit.graphql.fields import scoped_field, scoped_mutation
from dealbench.kit.graphql.generate import gql_enum, input_type, output_type
from dealbench.kit.graphql.types import Page, orm, page, paging, to_model
from dealbench.models.sales import LinkPriority, TicketState, TicketType
from dealbench.tickets import loaders, service
from dealbench.tickets.schemas import TicketCreate, TicketDealChange, TicketDealIn, TicketOut, TicketUpdate

gql_enum(TicketType)
gql_enum(TicketState)
gql_enum(LinkPriority)

_TicketFields: Any = output_type(
    TicketOut, "TicketFields", exclude={"linked_deals", "deal_amount_sum", "labels"}
)


@strawberry.type(description="A deal a ticket is linked to, with the link's priority.")
class LinkedDeal:
    id: int
    evaluation_id: int | None
    name: str
    priority: LinkPriority
    shared_with_buyer: bool


async def _links(session: Any, principal: Principal, ids: list[int]) -> Sequence[list[dict[str, Any]]]:
    found = await loaders.linked_deals_by_ticket_ids(session, ids)
    return [found.get(i, []) for i in ids]


async def _labels(session: Any, principal: Principal, ids: list[int]) -> Sequence[list[str]]:
    found = await loaders.labels_by_ticket_ids(session, ids)
    return [found.get(i, []) for i in ids]


#: What a page of tickets may carry, loaded with the page (see :func:`prefetch`).
LINKS, LABELS = "_graphql_links", "_graphql_labels"
RELATIONS = {"linkedDeals": LINKS, "dealAmountSum": LINKS, "labels": LABELS}


def wanted(info: strawberry.Info) -> set[str]:
    """The ticket relations a field's selection asks for (all of them when fragments hide it)."""
    found: set[str] = set()
    for field in info.selected_fields:
        for sub in field.selections:
            name = getattr(sub, "name", None)
            if name is None:
                return set(RELATIONS.values())
            if name in RELATIONS:
                found.add(RELATIONS[name])
    return found


async def prefetch(session: Any, principal: Principal, tickets: Sequence[Any], relations: set[str]) -> None:
    """Load the asked relations of a whole page of tickets in one statement each, onto the tickets:
    their fields then resolve without a DataLoader round trip each (much faster on big pages)."""
    unique = list({t.id: t for t in tickets}.values())
    ids = [t.id for t in unique]
    if LINKS in relations:
        links = await loaders.linked_deals_by_ticket_ids(session, ids)
        for t in unique:
            setattr(t, LINKS, links.get(t.id, []))
    if LABELS in relations:
        labels = await loaders.labels_by_ticket_ids(session, ids)
        for t in unique:
            setattr(t, LABELS, labels.get(t.id, []))


def wanted_in_page(info: strawberry.Info) -> set[str]:
    """:func:`wanted` for a ``{ data { ... } total }`` page."""
    found: set[str] = set()
    for field in info.selected_fields:
        for sub in field.selections:
            name = getattr(sub, "name", None)
            if name is None:
                return set(RELATIONS.values())
            if name == "data":
                for inner in sub.selections:  # type: ignore[attr-defined]
                    inner_name = getattr(inner, "name", None)
                    if inner_name is None:
                        return set(RELATIONS.values())
                    if inner_name in RELATIONS:
                        found.add(RELATIONS[inner_name])
    return found


def _linked(rows: list[dict[str, Any]]) -> list[LinkedDeal]:
    return [
        LinkedDeal(
            id=r["id"],
            evaluation_id=r["evaluationId"],
            name=r["name"],
            priority=LinkPriority(r["priority"]),
            shared_with_buyer=bool(r["sharedWithBuyer"]),
        )
        for r in rows
    ]


async def _load_links(info: strawberry.Info, ticket_id: int) -> list[dict[str, Any]]:
    return list(await ctx(info).load("ticket_links", _links, ticket_id))


async def _then(awaitable: Any, fn: Any) -> Any:
    return fn(await awaitable)


@strawberry.type(name="Ticket", description="A buyer's request (bug, feature ...), linked to deals.")
class TicketType_(_TicketFields):  # type: ignore[misc,valid-type]
    # Sync resolvers: prefetched relations answer at once; otherwise they return the DataLoader's
    # awaitable, which graphql-core awaits.
    @strawberry.field(description="The (non-deleted) deals this ticket is linked to.")
    def linked_deals(self, info: strawberry.Info) -> list[LinkedDeal]:
        rows = getattr(self, LINKS, None)
        if rows is not None:
            return _linked(rows)
        result: Any = _then(_load_links(info, self.id), _linked)
        return result  # type: ignore[no-any-return]

    @strawberry.field(description="The summed amount of the linked deals: the revenue at stake.")
    def deal_amount_sum(self, info: strawberry.Info) -> float:
        def total(rows: list[dict[str, Any]]) -> float:
            return float(sum(r["amount"] or 0 for r in rows))

        rows = getattr(self, LINKS, None)
        if rows is not None:
            return total(rows)
        result: Any = _then(_load_links(info, self.id), total)
        return result  # type: ignore[no-any-return]

    @strawberry.field
    def labels(self, info: strawberry.Info) -> list[str]:
        names = getattr(self, LABELS, None)
        if names is not None:
            return list(names)
        result: Any = ctx(info).load("ticket_labels", _labels, self.id)
        return result  # type: ignore[no-any-return]


TicketDealInput: Any = input_type(TicketDealIn, "TicketDealInput")
TicketDealChangeInput: Any = input_type(TicketDealChange, "TicketDealChangeInput")
TicketCreateInput: Any = input_type(TicketCreate, "TicketCreateInput", nested={TicketDealIn: TicketDealInput})
TicketUpdateInput: Any = input_type(
    TicketUpdate, "TicketUpdateInput", nested={TicketDealChange: TicketDealChangeInput}
)


@strawberry.type
class Query:
    @scoped_field(scope="tickets:read", description="Tickets, by id, with the REST filters.")
    async def tickets(
        self,
        info: strawberry.Info,
        limit: int | None = 100,
        offset: int | None = 0,
        state: TicketState | None = None,
        type: TicketType | None = None,
        label: str | None = None,
        deal_id: strawberry.ID | None = None,
    ) -> Page[TicketType_] | None:
        filters = service.TicketFilters(
            state=state.value if state else None,
            type=type.value if type else None,
            label=label,
            deal=str(deal_id) if deal_id is not None else None,
        )
        context = ctx(info)
        items, total = await context.call(service.list_tickets, paging(limit, offset), filters)
        relations = wanted_in_page(info)
        if relations and items:
            await context.call(prefetch, items, relations)
        return page(items, total)

    @scoped_field(scope="tickets:read", description="One ticket.")
    async def ticket(self, info: strawberry.Info, id: int) -> TicketType_ | None:
        return orm(await ctx(info).call(service.get_ticket, id))


@strawberry.type
class Mutation:
    @scoped_mutation(scope="tickets:write", description="Create a ticket.")
    async def create_ticket(self, info: strawberry.Info, input: TicketCreateInput) -> TicketType_ | None:
        context = ctx(info)
        data = to_model(TicketCreate, input)
        return orm(await context.mutate(service.create_ticket, data))

    @scoped_mutation(
        scope="tickets:write",
        description="Update a ticket: omitted fields stay, `null` clears; `deals[].delete` unlinks. ",
    )
    async def update_ticket(
        self, info: strawberry.Info, id: int, input: TicketUpdateInput
    ) -> TicketType_ | None:
        context = ctx(info)
        data = to_model(TicketUpdate, input)
        return orm(await context.mutate(service.update_ticket, id, data))

    @scoped_mutation(scope="tickets:write", description="Delete a ticket; answers its id.")
    async def delete_ticket(self, info: strawberry.Info, id: int) -> int | None:
        return await ctx(info).mutate(service.delete_ticket, id)


def _tickets_of_deals(relations: frozenset[str]) -> Any:
    async def batch(session: Any, principal: Principal, ids: list[int]) -> Sequence[list[Any]]:
        found = await loaders.tickets_by_deal_ids(session, principal.organization_id, ids)
        lists = [found.get(i, []) for i in ids]
        if relations:
            await prefetch(session, principal, [t for tickets in lists for t in tickets], set(relations))
        return lists

    return batch


@strawberry.type(description="The requests of a deal (a relation the tickets domain adds to `Deal`).")
class DealTickets:
    @scoped_field(scope="tickets:read", description="The tickets linked to this deal.")
    async def tickets(self, info: strawberry.Info) -> list[TicketType_] | None:
        relations = memo_per_node(info, "ticket relations", lambda: frozenset(wanted(info)))
        name = "tickets_by_deal:" + ",".join(sorted(relations))
        return list(await ctx(info).load(name, _tickets_of_deals(relations), self.id))  # type: ignore[attr-defined]
