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

#: What each field of a deal means, for its type and its inputs.
DESCRIBE = {
    "owner_user_id": "The id of the user who owns the deal.",
    "probability": "Percent, 0..100: how likely the deal is to close won.",
    "company_vendor_entity_id": "The account's id in the CRM.",
    "company_domain": "The account's web domain.",
    "account_name": "The account (company) the deal is with.",
    "account_website": "The account's website.",
    "evaluation_id": "The id of the deal's plan (evaluation); a deal has at most one.",
    "created_date": "When the deal was created in the CRM.",
    "updated_date": "When the deal was last changed in the CRM.",
    "deleted": "Whether the deal is soft-deleted (listed only with `includeDeleted`).",
    "deleted_date": "When the deal was soft-deleted.",
    "pipeline": "The CRM pipeline the deal is in.",
    "stage": "The deal's stage, as the CRM names it.",
    "forecast_category": "The CRM's forecast category (pipeline, best case, commit ...).",
    "opportunity_type": "The kind of opportunity (new business, renewal ...).",
    "amount": "The deal's value, in the organization's currency.",
    "expected_revenue": "The amount weighted by its probability, as the CRM reports it.",
    "closed": "Whether the deal is closed (won or lost).",
    "won": "Whether the deal was won.",
    "close_date": "When the deal closed or is expected to close.",
    "closed_lost_reason": "Why the deal was lost.",
    "closed_won_reason": "Why the deal was won.",
    "next_step": "The next step agreed with the buyer.",
    "stage_history": "The stages the deal went through, as the CRM reports them.",
    "pilot_end_date": "When the pilot (technical evaluation) ends.",
    "pilot_duration_seconds": "How long the pilot runs, in seconds.",
    "latest_stage_vendor_entity_id_before_closed_lost": "The CRM's id of the last stage before the deal was lost.",
    "logo_url": "A link to the account's logo.",
    "summary": "A short summary of where the deal stands.",
    "summary_updated_at": "When the summary last changed.",
    "sales_process_id": "The id of the sales process the deal follows.",
    "sales_process_stage_id": "The id of the deal's stage in its sales process.",
    "pilot_result": "The pilot's outcome, in the vendor's words.",
}

DealFields: Any = output_type(DealOut, "DealFields", describe=DESCRIBE)
NoteType: Any = output_type(
    NoteOut,
    "DealNote",
    description="A note on a deal (markdown body).",
    describe={"body": "The note's text, in markdown."},
)
DealCreateInput: Any = input_type(
    DealCreate, "DealCreateInput", description="A new deal: `name` is required.", describe=DESCRIBE
)
DealUpdateInput: Any = input_type(
    DealUpdate,
    "DealUpdateInput",
    description="Changes to a deal: omitted fields stay, `null` clears.",
    describe=DESCRIBE,
)
NoteCreateInput: Any = input_type(NoteCreate, "DealNoteInput", description="A new note on a deal.")

DealRef = Annotated["Deal", strawberry.lazy("dealbench.graphql.composed")]


def _deal(obj: Any) -> Any:
    return wire(presenter.deal(obj))


@strawberry.type
class Query:
    @scoped_field(
        scope="deals:read",
        description="Deals, by id, with the REST filters.",
        args={
            "include_deleted": "Also list soft-deleted deals.",
            "stage": "Only deals in this stage.",
            "closed": "Only closed (true) or open (false) deals.",
            "won": "Only won (true) or not won (false) deals.",
            "q": "Only deals whose name contains this text (case-insensitive).",
            "updated_since": "Only deals changed at or after this time.",
        },
    )
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

    @scoped_field(
        scope="deals:read",
        description="One deal, by numeric id or `eid:<vendorEntityId>`.",
        args={"id": "The deal's id, or `eid:<vendorEntityId>`."},
    )
    async def deal(self, info: strawberry.Info, id: strawberry.ID) -> DealRef | None:
        return _deal(await ctx(info).call(service.read_deal, str(id)))


@strawberry.type
class Mutation:
    @scoped_mutation(scope="deals:write", description="Create a deal.")
    async def create_deal(self, info: strawberry.Info, input: DealCreateInput) -> DealRef | None:
        data = to_model(DealCreate, input)
        return _deal(await ctx(info).mutate(service.create_deal, data))

    @scoped_mutation(
        scope="deals:write",
        description="Update a deal: omitted fields stay, `null` clears.",
        args={"id": "The deal's id, or `eid:<vendorEntityId>`."},
    )
    async def update_deal(
        self, info: strawberry.Info, id: strawberry.ID, input: DealUpdateInput
    ) -> DealRef | None:
        data = to_model(DealUpdate, input)
        return _deal(await ctx(info).mutate(service.update_deal, str(id), data))

    @scoped_mutation(
        scope="deals:write",
        description="Soft-delete a deal (`deleted: true`).",
        args={"id": "The deal's id, or `eid:<vendorEntityId>`."},
    )
    async def delete_deal(self, info: strawberry.Info, id: strawberry.ID) -> DealRef | None:
        return _deal(await ctx(info).mutate(service.delete_deal, str(id)))

    @scoped_mutation(
        scope="deals:write",
        description="Add a note to a deal (Slate nodes or markdown).",
        args={"id": "The deal's id, or `eid:<vendorEntityId>`."},
    )
    async def add_deal_note(
        self, info: strawberry.Info, id: strawberry.ID, input: NoteCreateInput
    ) -> NoteType | None:
        data = to_model(NoteCreate, input)
        return wire(presenter.note(await ctx(info).mutate(service.add_note, str(id), data)))
