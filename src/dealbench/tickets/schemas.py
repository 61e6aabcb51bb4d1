"""Tickets as Opine's API defines them: bodies, validation, the Ticket object."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import Field, field_validator

from dealbench.deals.references import DealRefValue
from dealbench.kit.schemas import InModel, OutModel, RichText, Timestamp, Url, not_null
from dealbench.models.sales import LinkPriority, TicketState, TicketType

LabelName = Annotated[str, Field(min_length=1, max_length=255)]


class TicketDealIn(InModel):
    id: DealRefValue
    priority: LinkPriority | None = Field(default=None, description="Default for a new link: IMPORTANT.")
    shared_with_buyer: bool | None = Field(default=None, description="Default for a new link: false.")

    @field_validator("priority", "shared_with_buyer", mode="before")
    @classmethod
    def _not_null(cls, value: Any) -> Any:
        return not_null(value, "string")


class TicketDealChange(TicketDealIn):
    delete: bool | None = Field(default=None, description="`true` removes the link.")


class TicketCreate(InModel):
    title: str = Field(min_length=1, max_length=256)
    type: TicketType
    state: TicketState
    description: RichText = None
    target_due_date: datetime | None = None
    deals: Annotated[list[TicketDealIn], Field(max_length=1000)] | None = None
    labels: Annotated[list[LabelName], Field(max_length=100)] | None = Field(
        default=None, description="Case-sensitive label names (created when missing)."
    )
    vendor_entity_url: Url = None

    @field_validator("description", "target_due_date", "vendor_entity_url", mode="before")
    @classmethod
    def _string_not_null(cls, value: Any) -> Any:
        return not_null(value, "string")

    @field_validator("deals", "labels", mode="before")
    @classmethod
    def _array_not_null(cls, value: Any) -> Any:
        return not_null(value, "array")


class TicketUpdate(InModel):
    title: Annotated[str, Field(min_length=1, max_length=256)] | None = None
    type: TicketType | None = None
    state: TicketState | None = None
    description: RichText = Field(default=None, description="Slate nodes, markdown, or null to clear.")
    target_due_date: datetime | None = None
    deals: Annotated[list[TicketDealChange], Field(max_length=1000)] | None = Field(
        default=None,
        description="Changes to the links: add or update each listed deal, `delete: true` removes it; "
        "links not mentioned stay.",
    )
    labels: Annotated[list[LabelName], Field(max_length=100)] | None = Field(
        default=None, description="Replaces all labels; null or [] clears them."
    )
    vendor_entity_url: Url = None

    @field_validator("title", "type", "state", mode="before")
    @classmethod
    def _string_not_null(cls, value: Any) -> Any:
        return not_null(value, "string")

    @field_validator("deals", mode="before")
    @classmethod
    def _array_not_null(cls, value: Any) -> Any:
        return not_null(value, "array")


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
