"""Tickets as Opine's API defines them: bodies, validation, the Ticket object."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import Field

from dealbench.deals.references import DealRefValue
from dealbench.kit.schemas import InModel, NotNullable, OutModel, RichText, Timestamp, Url
from dealbench.models.sales import LinkPriority, TicketState, TicketType

LabelName = Annotated[str, Field(min_length=1, max_length=255)]


class TicketDealIn(InModel):
    id: DealRefValue
    priority: NotNullable[LinkPriority] = Field(
        default=None, description="Default for a new link: IMPORTANT."
    )
    shared_with_buyer: NotNullable[bool] = Field(default=None, description="Default for a new link: false.")


class TicketDealChange(TicketDealIn):
    delete: NotNullable[bool] = Field(default=None, description="`true` removes the link.")


class TicketCreate(InModel):
    title: str = Field(min_length=1, max_length=256)
    type: TicketType
    state: TicketState
    description: NotNullable[RichText] = Field(
        default=None, description="An array of Slate nodes or a markdown string."
    )
    target_due_date: NotNullable[datetime] = None
    deals: NotNullable[Annotated[list[TicketDealIn], Field(max_length=1000)]] = None
    labels: NotNullable[Annotated[list[LabelName], Field(max_length=100)]] = Field(
        default=None, description="Case-sensitive label names (created when missing)."
    )
    vendor_entity_url: NotNullable[Url] = None


class TicketUpdate(InModel):
    title: NotNullable[Annotated[str, Field(min_length=1, max_length=256)]] = None
    type: NotNullable[TicketType] = None
    state: NotNullable[TicketState] = None
    description: RichText = Field(default=None, description="Slate nodes, markdown, or null to clear.")
    target_due_date: datetime | None = None
    deals: NotNullable[Annotated[list[TicketDealChange], Field(max_length=1000)]] = Field(
        default=None,
        description="Changes to the links: add or update each listed deal, `delete: true` removes it; "
        "links not mentioned stay.",
    )
    labels: Annotated[list[LabelName], Field(max_length=100)] | None = Field(
        default=None, description="Replaces all labels; null or [] clears them."
    )
    vendor_entity_url: Url = None


class LinkedDealOut(OutModel):
    id: int
    evaluation_id: int | None
    name: str
    priority: LinkPriority
    shared_with_buyer: bool


class TicketOut(OutModel):
    type: TicketType
    state: TicketState
    id: int
    created_at: Timestamp
    updated_at: Timestamp
    closed_at: Timestamp | None
    organization_id: int
    created_by_user_id: int | None
    title: str
    description: str | None = Field(description="Markdown (Slate input is converted).")
    vendor_entity_id: str | None
    vendor_entity_key: str | None
    integration_installation_id: int | None
    target_due_date: Timestamp | None
    linked_deals: list[LinkedDealOut]
    deal_amount_sum: float
    vendor_entity_url: str | None
    labels: list[str]
