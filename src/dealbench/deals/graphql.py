"""Deals in the GraphQL dialect: ``deals``, ``deal`` (id or ``eid:``) (``deals:read``); ``createDeal``,
``updateDeal``, ``deleteDeal``, ``addDealNote`` (``deals:write``). A deal's tickets (and its plan, see
:mod:`dealbench.evaluations.graphql`) load through DataLoaders: one statement per relation and level."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import strawberry

from dealbench.auth.principal import Principal
from dealbench.deals import service
from dealbench.deals.schemas import DealCreate, DealOut, DealUpdate, NoteCreate, NoteOut
from dealbench.evaluations.graphql import EvaluationType, evaluation_of
from dealbench.kit.graphql.context import ctx, memo_per_node
from dealbench.kit.graphql.fields import scoped_field, scoped_mutation
from dealbench.kit.graphql.generate import input_type, output_type
from dealbench.kit.graphql.types import Page, orm, page, paging, to_model
from dealbench.tickets.graphql import TicketType_, prefetch, wanted
from dealbench.tickets.loaders import tickets_by_deal_ids

_DealFields: Any = output_type(DealOut, "DealFields")
NoteType: Any = output_type(NoteOut, "DealNote", description="A note on a deal (markdown body).")
DealCreateInput: Any = input_type(DealCreate, "DealCreateInput")
DealUpdateInput: Any = input_type(DealUpdate, "DealUpdateInput")
NoteCreateInput: Any = input_type(NoteCreate, "DealNoteInput")


def _tickets(relations: frozenset[str]) -> Any:
    async def batch(session: Any, principal: Principal, ids: list[int]) -> Sequence[list[Any]]:
        found = await tickets_by_deal_ids(session, principal.organization_id, ids)
        lists = [found.get(i, []) for i in ids]
        if relations:
            await prefetch(session, principal, [t for tickets in lists for t in tickets], set(relations))
        return lists

    return batch


@strawberry.type(name="Deal", description="A deal (opportunity). `id` or `eid:<vendorEntityId>` finds it.")
class DealType(_DealFields):  # type: ignore[misc,valid-type]
    @scoped_field(scope="tickets:read", description="The tickets linked to this deal.")
    async def tickets(self, info: strawberry.Info) -> list[TicketType_] | None:
        relations = memo_per_node(info, "ticket relations", lambda: frozenset(wanted(info)))
        name = "tickets_by_deal:" + ",".join(sorted(relations))
        return list(await ctx(info).load(name, _tickets(relations), self.id))

    @scoped_field(scope="evaluations:read", description="The deal's plan (evaluation).")
    async def evaluation(self, info: strawberry.Info) -> EvaluationType | None:
        return await evaluation_of(info, self.evaluation_id)


@strawberry.type
class Query:
    @scoped_field(scope="deals:read", description="Deals, by id, with the REST filters.")
    async def deals(
        self,
        info: strawberry.Info,
        limit: int | None = 100,
        offset: int | None = 0,
        include_deleted: bool = False,
        stage: str | None = None,
        closed: bool | None = None,
        won: bool | None = None,
        q: str | None = None,
        updated_since: datetime | None = None,
    ) -> Page[DealType] | None:
        filters = service.DealFilters(
            include_deleted=include_deleted,
            include_summary=True,
            stage=stage,
            closed=closed,
            won=won,
            q=q,
            updated_since=updated_since,
        )
        items, total = await ctx(info).call(service.list_deals, paging(limit, offset), filters)
        return page(items, total)

    @scoped_field(scope="deals:read", description="One deal, by numeric id or `eid:<vendorEntityId>`.")
    async def deal(self, info: strawberry.Info, id: strawberry.ID) -> DealType | None:
        return orm(await ctx(info).call(service.get_deal, str(id)))


@strawberry.type
class Mutation:
    @scoped_mutation(scope="deals:write", description="Create a deal.")
    async def create_deal(self, info: strawberry.Info, input: DealCreateInput) -> DealType | None:
        context = ctx(info)
        data = to_model(DealCreate, input)
        return orm(await context.mutate(service.create_deal, data))

    @scoped_mutation(scope="deals:write", description="Update a deal: omitted fields stay, `null` clears.")
    async def update_deal(
        self, info: strawberry.Info, id: strawberry.ID, input: DealUpdateInput
    ) -> DealType | None:
        context = ctx(info)
        data = to_model(DealUpdate, input)
        return orm(await context.mutate(service.update_deal, str(id), data))

    @scoped_mutation(scope="deals:write", description="Soft-delete a deal (`deleted: true`).")
    async def delete_deal(self, info: strawberry.Info, id: strawberry.ID) -> DealType | None:
        return orm(await ctx(info).mutate(service.delete_deal, str(id)))

    @scoped_mutation(scope="deals:write", description="Add a note to a deal (Slate nodes or markdown).")
    async def add_deal_note(
        self, info: strawberry.Info, id: strawberry.ID, input: NoteCreateInput
    ) -> NoteType | None:
        context = ctx(info)
        data = to_model(NoteCreate, input)
        return orm(await context.mutate(service.add_note, str(id), data))
