"""Tickets (the buyer's requests) in the GraphQL dialect: ``tickets``, ``ticket`` (``tickets:read``),
``createTicket``, ``updateTicket``, ``deleteTicket`` (``tickets:write``), and ``Deal.tickets``.

A ticket answers the tickets presenter's dict, as REST does. A page of tickets loads the links and
labels of the whole page in one statement (when the selection shows them); ``Deal.tickets`` loads
the tickets of every deal of a level through one DataLoader, then their links and labels at once.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import strawberry

from dealbench.auth.principal import Principal
from dealbench.kit.graphql.context import ctx, memo_per_node
from dealbench.kit.graphql.fields import scoped_field, scoped_mutation
from dealbench.kit.graphql.generate import gql_enum, input_type, output_type
from dealbench.kit.graphql.types import Limit, Offset, Page, PageNumber, page, paging, to_model, wire
from dealbench.models.sales import LinkPriority, TicketState, TicketType
from dealbench.tickets import presenter, service
from dealbench.tickets.schemas import (
    LinkedDealOut,
    TicketCreate,
    TicketDealChange,
    TicketDealIn,
    TicketOut,
    TicketUpdate,
)

gql_enum(TicketType)
gql_enum(TicketState)
gql_enum(LinkPriority)

_TicketFields: Any = output_type(TicketOut, "TicketFields", exclude=set(presenter.RELATED))
LinkedDeal: Any = output_type(
    LinkedDealOut, "LinkedDeal", description="A deal a ticket is linked to, with the link's priority."
)

#: The fields of a ticket that its relations answer.
RELATION_FIELDS = {"linkedDeals", "dealAmountSum", "labels"}


def _shows_relations(selections: Any) -> bool:
    """Whether a ticket's selection shows one of its relations (yes when fragments hide it)."""
    for sub in selections:
        name = getattr(sub, "name", None)
        if name is None or name in RELATION_FIELDS:
            return True
    return False


def wanted(info: strawberry.Info) -> bool:
    """Whether the tickets a field answers need their relations."""
    return any(_shows_relations(field.selections) for field in info.selected_fields)


def wanted_in_page(info: strawberry.Info) -> bool:
    """:func:`wanted` for a ``{ data { ... } total }`` page."""
    for field in info.selected_fields:
        for sub in field.selections:
            name = getattr(sub, "name", None)
            if name is None or (name == "data" and _shows_relations(sub.selections)):  # type: ignore[attr-defined]
                return True
    return False


def _get(ticket: Any, key: str) -> Any:
    return getattr(ticket, key)


@strawberry.type(name="Ticket", description="A buyer's request (bug, feature ...), linked to deals.")
class TicketType_(_TicketFields):  # type: ignore[misc,valid-type]
    # The fields the presenter assembles from the ticket's relations, last as on the REST wire.
    @strawberry.field(description="The (non-deleted) deals this ticket is linked to.")
    def linked_deals(self) -> list[LinkedDeal]:  # type: ignore[valid-type]
        return [wire(link) for link in _get(self, "linkedDeals")]

    @strawberry.field(description="The summed amount of the linked deals: the revenue at stake.")
    def deal_amount_sum(self) -> float:
        return _get(self, "dealAmountSum")  # type: ignore[no-any-return]

    @strawberry.field
    def labels(self) -> list[str]:
        return _get(self, "labels")  # type: ignore[no-any-return]


def _ticket(found: presenter.Tickets) -> Any:
    return wire(presenter.ticket(found))


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
        limit: Limit = 100,
        offset: Offset = None,
        page_number: PageNumber = None,
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
        found, total = await ctx(info).call(
            service.list_tickets, paging(limit, offset, page_number), filters, relations=wanted_in_page(info)
        )
        return page(presenter.tickets(found), total)

    @scoped_field(scope="tickets:read", description="One ticket.")
    async def ticket(self, info: strawberry.Info, id: int) -> TicketType_ | None:
        return _ticket(await ctx(info).call(service.read_ticket, id))


@strawberry.type
class Mutation:
    @scoped_mutation(scope="tickets:write", description="Create a ticket.")
    async def create_ticket(self, info: strawberry.Info, input: TicketCreateInput) -> TicketType_ | None:
        data = to_model(TicketCreate, input)
        return _ticket(await ctx(info).mutate(service.create_ticket, data))

    @scoped_mutation(
        scope="tickets:write",
        description="Update a ticket: omitted fields stay, `null` clears; `deals[].delete` unlinks. ",
    )
    async def update_ticket(
        self, info: strawberry.Info, id: int, input: TicketUpdateInput
    ) -> TicketType_ | None:
        data = to_model(TicketUpdate, input)
        return _ticket(await ctx(info).mutate(service.update_ticket, id, data))

    @scoped_mutation(scope="tickets:write", description="Delete a ticket; answers its id.")
    async def delete_ticket(self, info: strawberry.Info, id: int) -> int | None:
        return await ctx(info).mutate(service.delete_ticket, id)


def _tickets_of_deals(relations: bool) -> Any:
    async def batch(session: Any, principal: Principal, ids: list[int]) -> Sequence[list[Any]]:
        found, by_deal = await service.tickets_of_deals(session, principal, ids, relations=relations)
        tickets = {item["id"]: wire(item) for item in presenter.tickets(found)}
        return [[tickets[t] for t in by_deal.get(i, ())] for i in ids]

    return batch


@strawberry.type(description="The requests of a deal (a relation the tickets domain adds to `Deal`).")
class DealTickets:
    @scoped_field(scope="tickets:read", description="The tickets linked to this deal.")
    async def tickets(self, info: strawberry.Info) -> list[TicketType_] | None:
        relations = memo_per_node(info, "ticket relations", lambda: wanted(info))
        name = "tickets_by_deal" + (":relations" if relations else "")
        return list(await ctx(info).load(name, _tickets_of_deals(relations), self.id))  # type: ignore[attr-defined]
