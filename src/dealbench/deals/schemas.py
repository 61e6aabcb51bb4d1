from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, Field

from dealbench.kit.schemas import Id, InModel, NotNullable, OutModel, RichText, Timestamp, Url


class DealOut(OutModel):
    id: int
    uuid: uuid.UUID
    created_at: Timestamp
    updated_at: Timestamp
    organization_id: int
    created_by_user_id: int | None
    owner_user_id: int | None
    integration_installation_id: int | None
    vendor_entity_id: str | None
    vendor_entity_url: str | None
    company_vendor_entity_id: str | None
    company_domain: str | None
    account_name: str | None
    account_website: str | None
    evaluation_id: int | None
    created_date: Timestamp | None
    updated_date: Timestamp | None
    deleted: bool
    deleted_date: Timestamp | None
    name: str
    pipeline: str | None
    stage: str | None
    forecast_category: str | None
    opportunity_type: str | None
    amount: float | None
    expected_revenue: float | None
    probability: float | None
    description: str | None
    closed: bool
    won: bool
    close_date: Timestamp | None
    closed_lost_reason: str | None
    closed_won_reason: str | None
    next_step: str | None
    stage_history: list[Any] | None
    pilot_end_date: Timestamp | None
    pilot_duration_seconds: int | None
    latest_stage_vendor_entity_id_before_closed_lost: str | None
    logo_url: str | None
    summary: str | None
    summary_updated_at: Timestamp | None
    sales_process_id: int | None
    sales_process_stage_id: int | None
    pilot_result: str | None


Str255 = Annotated[str, Field(max_length=255)] | None
Text = Annotated[str, Field(max_length=100_000)] | None
Money = Annotated[float, Field(ge=-1e15, le=1e15, allow_inf_nan=False)] | None


class _DealFields(InModel):
    vendor_entity_id: Annotated[str, Field(min_length=1, max_length=255)] | None = None
    vendor_entity_url: Url = None
    company_vendor_entity_id: Str255 = None
    company_domain: Str255 = None
    account_name: Str255 = None
    account_website: Url = None
    owner_user_id: Id | None = None
    created_date: datetime | None = None
    updated_date: datetime | None = None
    pipeline: Str255 = None
    stage: Str255 = None
    forecast_category: Annotated[str, Field(max_length=32)] | None = None
    opportunity_type: Str255 = None
    amount: Money = None
    expected_revenue: Money = None
    probability: Annotated[float, Field(ge=0, le=100, allow_inf_nan=False)] | None = Field(
        default=None, description="Percent, 0..100."
    )
    description: Text = None
    closed: NotNullable[bool] = None
    won: NotNullable[bool] = None
    close_date: datetime | None = None
    closed_lost_reason: Text = None
    closed_won_reason: Text = None
    next_step: Text = None
    stage_history: Annotated[list[Any], Field(max_length=1000)] | None = None
    pilot_end_date: datetime | None = None
    pilot_duration_seconds: Annotated[int, Field(ge=0)] | None = None
    latest_stage_vendor_entity_id_before_closed_lost: Str255 = None
    logo_url: Url = None
    summary: Text = None
    sales_process_id: Id | None = None
    sales_process_stage_id: Id | None = None
    pilot_result: Annotated[str, Field(min_length=1, max_length=64)] | None = None
    evaluation_id: Id | None = None


class DealCreate(_DealFields):
    name: str = Field(min_length=1, max_length=512)


class DealUpdate(_DealFields):
    name: NotNullable[Annotated[str, Field(min_length=1, max_length=512)]] = None


class NoteCreate(InModel):
    title: str = Field(min_length=1, max_length=512)
    body: RichText = None


class NoteOut(OutModel):
    id: int
    created_at: Timestamp
    updated_at: Timestamp
    title: str
    body: str | None


# --------------------------------------------------------------------------- the pipeline dialect


# Plain models, as the pipeline dialect's answers are snake_case (no OutModel aliases); documentation
# of the wire shape that deals.presenter.opportunity builds.
class CloseDate(BaseModel):
    date: str
    timezone_type: int
    timezone: str


class Opportunity(BaseModel):
    id: str
    active: str
    external_opp_id: str
    name: str
    external_account_id: str
    account: str
    amount: float | None
    close_date: CloseDate | None
    stage: str
    forecast: str
    stage_system: str
    forecast_system: str
    activity_index: int
    relationship_index: int
    type: str
    website: str


class OpportunitiesAnswer(BaseModel):
    status: str = "success"
    data: list[Opportunity]
