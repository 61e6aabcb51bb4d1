"""Deals in the GraphQL dialect: ``deals``, ``deal`` (id or ``eid:``); ``createDeal``, ``updateDeal``,
``deleteDeal``, ``addDealNote``.

The fields of a deal are the REST dialect's (:class:`DealFields`, generated from ``DealOut``) with
the same values (the deals presenter). Other domains add relation fields to the ``Deal`` type (its
tickets, its plan); the type they compose is assembled in :mod:`dealbench.graphql.composed`.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any

import strawberry

from dealbench.deals import presenter, service
from dealbench.deals.schemas import DealCreate, DealOut, DealUpdate, NoteCreate, NoteOut
from dealbench.kit.graphql.context import ctx
from dealbench.kit.graphql.fields import scoped_field, scoped_mutation
from dealbench.kit.graphql.generate import input_type, output_type
from dealbench.kit.graphql.types import Limit, Offset, Page, PageNumber, page, paging, to_model, wire

if TYPE_CHECKING:
    from dealbench.graphql.composed import Deal

DealFields: Any = output_type(DealOut, "DealFields")
NoteType: Any = output_type(NoteOut, "DealNote", description="A note on a deal (markdown body).")
DealCreateInput: Any = input_type(DealCreate, "DealCreateInput")
DealUpdateInput: Any = input_type(DealUpdate, "DealUpdateInput")
NoteCreateInput: Any = input_type(NoteCreate, "DealNoteInput")

DealRef = Annotated["Deal", strawberry.lazy("dealbench.graphql.composed")]


def _deal(obj: Any) -> Any:
    return wire(presenter.deal(obj))


@strawberry.type
class Query:
    @scoped_field(scope="deals:read", description="Deals, by id, with the REST filters.")
    async def deals(
        self,
        info: strawberry.Info,
        limit: Limit = 100,
        offset: Offset = None,
        page_number: PageNumber = None,
        include_deleted: bool = False,
        stage: str | None = None,
        closed: bool | None = None,
        won: bool | None = None,
        q: str | None = None,
        updated_since: datetime | None = None,
    ) -> Page[DealRef] | None:
        filters = service.DealFilters(
            include_deleted=include_deleted,
            include_summary=True,
            stage=stage,
            closed=closed,
            won=won,
            q=q,
            updated_since=updated_since,
        )
        rows, total = await ctx(info).call(service.list_deals, paging(limit, offset, page_number), filters)
        return page(presenter.deals(rows), total)

    @scoped_field(scope="deals:read", description="One deal, by numeric id or `eid:<vendorEntityId>`.")
    async def deal(self, info: strawberry.Info, id: strawberry.ID) -> DealRef | None:
        return _deal(await ctx(info).call(service.read_deal, str(id)))


@strawberry.type
class Mutation:
    @scoped_mutation(scope="deals:write", description="Create a deal.")
    async def create_deal(self, info: strawberry.Info, input: DealCreateInput) -> DealRef | None:
        data = to_model(DealCreate, input)
        return _deal(await ctx(info).mutate(service.create_deal, data))

    @scoped_mutation(scope="deals:write", description="Update a deal: omitted fields stay, `null` clears.")
    async def update_deal(
        self, info: strawberry.Info, id: strawberry.ID, input: DealUpdateInput
    ) -> DealRef | None:
        data = to_model(DealUpdate, input)
        return _deal(await ctx(info).mutate(service.update_deal, str(id), data))

    @scoped_mutation(scope="deals:write", description="Soft-delete a deal (`deleted: true`).")
    async def delete_deal(self, info: strawberry.Info, id: strawberry.ID) -> DealRef | None:
        return _deal(await ctx(info).mutate(service.delete_deal, str(id)))

    @scoped_mutation(scope="deals:write", description="Add a note to a deal (Slate nodes or markdown).")
    async def add_deal_note(
        self, info: strawberry.Info, id: strawberry.ID, input: NoteCreateInput
    ) -> NoteType | None:
        data = to_model(NoteCreate, input)
        return wire(presenter.note(await ctx(info).mutate(service.add_note, str(id), data)))
