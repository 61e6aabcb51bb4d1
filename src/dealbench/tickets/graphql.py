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

gql_enum(
    TicketType,
    "What a buyer asks for: a bug fix, a feature, or one of five kinds the organization names.",
    {
        "BUG": "Something that does not work as it should.",
        "FEATURE": "Something the product does not do yet.",
        **{f"CUSTOM_{i}": f"A kind of request the organization defines ({i} of 5)." for i in range(1, 6)},
    },
)
gql_enum(
    TicketState,
    "Where a ticket stands, from OPEN to CLOSED.",
    {
        "OPEN": "Received, not yet looked at.",
        "PRIORITIZING": "Being weighed against other work.",
        "ROADMAP": "Planned.",
        "DEFERRED": "Put off for now.",
        "IN_PROGRESS": "Being worked on.",
        "CLOSED": "Done or declined.",
    },
)
gql_enum(
    LinkPriority,
    "How much a ticket matters to a deal it is linked to.",
    {
        "BLOCKER": "The deal cannot close without it.",
        "IMPORTANT": "It weighs on the deal (the default).",
        "NICE_TO_HAVE": "The buyer would like it.",
    },
)

#: What each field of a ticket (and of its deal links) means, for its type and its inputs.
DESCRIBE = {
    "type": "The kind of request.",
    "state": "Where the ticket stands.",
    "closed_at": "When the ticket was closed; null while it is open.",
    "vendor_entity_key": "The ticket's key in the tracker it came from (e.g. `ENG-42`).",
    "target_due_date": "When the ticket should be done.",
    "deals": "The deals to link the ticket to, each with its priority.",
    "priority": "How much the ticket matters to the deal.",
    "shared_with_buyer": "Whether the buyer sees the ticket in the portal of the deal's plan.",
}
LINK = {**DESCRIBE, "id": "The deal's id, or `eid:<vendorEntityId>`."}

_TicketFields: Any = output_type(TicketOut, "TicketFields", exclude=set(presenter.RELATED), describe=DESCRIBE)
LinkedDeal: Any = output_type(
    LinkedDealOut,
    "LinkedDeal",
    description="A deal a ticket is linked to, with the link's priority.",
    describe={
        **DESCRIBE,
        "id": "The deal's id.",
        "evaluation_id": "The id of the deal's plan (evaluation).",
        "name": "The deal's name.",
    },
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

    @strawberry.field(description="The ticket's label names, sorted.")
    def labels(self) -> list[str]:
        return _get(self, "labels")  # type: ignore[no-any-return]


def _ticket(found: presenter.Tickets) -> Any:
    return wire(presenter.ticket(found))


TicketDealInput: Any = input_type(
    TicketDealIn, "TicketDealInput", description="A deal to link a new ticket to.", describe=LINK
)
TicketDealChangeInput: Any = input_type(
    TicketDealChange,
    "TicketDealChangeInput",
    description="A deal link to add, change or (with `delete`) remove.",
    describe=LINK,
)
TicketCreateInput: Any = input_type(
    TicketCreate,
    "TicketCreateInput",
    nested={TicketDealIn: TicketDealInput},
    description="A new ticket: `title`, `type` and `state` are required.",
    describe=DESCRIBE,
)
TicketUpdateInput: Any = input_type(
    TicketUpdate,
    "TicketUpdateInput",
    nested={TicketDealChange: TicketDealChangeInput},
    description="Changes to a ticket: omitted fields stay, `null` clears.",
    describe=DESCRIBE,
)


@strawberry.type
class Query:
    @scoped_field(
        scope="tickets:read",
        description="Tickets, by id, with the REST filters.",
        args={
            "state": "Only tickets in this state.",
            "type": "Only tickets of this type.",
            "label": "Only tickets with this label.",
            "deal_id": "Only tickets linked to this deal (id or `eid:<vendorEntityId>`).",
        },
    )
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

    @scoped_field(scope="tickets:read", description="One ticket.", args={"id": "The ticket's id."})
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
        description="Update a ticket: omitted fields stay, `null` clears; `deals[].delete` unlinks.",
        args={"id": "The ticket's id."},
    )
    async def update_ticket(
        self, info: strawberry.Info, id: int, input: TicketUpdateInput
    ) -> TicketType_ | None:
        data = to_model(TicketUpdate, input)
        return _ticket(await ctx(info).mutate(service.update_ticket, id, data))

    @scoped_mutation(
        scope="tickets:write", description="Delete a ticket; answers its id.", args={"id": "The ticket's id."}
    )
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
