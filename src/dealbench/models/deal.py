from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, Numeric, String, Text, Uuid, text
from sqlalchemy.orm import Mapped, mapped_column

from dealbench.kit.db import Base, JSONType, utcnow

Money = Numeric(18, 2, asdecimal=False)


class Deal(Base):
    """A deal (an opportunity of the pipeline dialect). Fields follow the Opine Deal object."""

    __tablename__ = "deals"
    __table_args__ = (
        Index(
            "uq_deals_org_vendor_entity_id",
            "organization_id",
            "vendor_entity_id",
            unique=True,
            sqlite_where=text("vendor_entity_id IS NOT NULL"),
            postgresql_where=text("vendor_entity_id IS NOT NULL"),
        ),
        Index("ix_deals_org_id", "organization_id", "id"),
        # Most deals have no plan, and imported ones often no owner: only set values are indexed
        # (lookups are by value; a bulk import writes two index entries fewer per deal).
        Index(
            "ix_deals_owner_user_id",
            "owner_user_id",
            sqlite_where=text("owner_user_id IS NOT NULL"),
            postgresql_where=text("owner_user_id IS NOT NULL"),
        ),
        Index(
            "ix_deals_evaluation_id",
            "evaluation_id",
            sqlite_where=text("evaluation_id IS NOT NULL"),
            postgresql_where=text("evaluation_id IS NOT NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    uuid: Mapped[uuid.UUID] = mapped_column(Uuid(), default=uuid.uuid4, unique=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    created_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    owner_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    integration_installation_id: Mapped[int | None] = mapped_column(default=None)
    vendor_entity_id: Mapped[str | None] = mapped_column(String(255))
    vendor_entity_url: Mapped[str | None] = mapped_column(String(2048))
    company_vendor_entity_id: Mapped[str | None] = mapped_column(String(255))
    company_domain: Mapped[str | None] = mapped_column(String(255))
    account_name: Mapped[str | None] = mapped_column(String(255))
    account_website: Mapped[str | None] = mapped_column(String(2048))
    evaluation_id: Mapped[int | None] = mapped_column(
        ForeignKey("evaluations.id", ondelete="SET NULL"), default=None
    )
    #: The document project that is this deal's file center (set by the documents domain).
    project_id: Mapped[int | None] = mapped_column(default=None)
    created_date: Mapped[datetime | None] = mapped_column(default=None)
    updated_date: Mapped[datetime | None] = mapped_column(default=None)
    deleted: Mapped[bool] = mapped_column(default=False)
    deleted_date: Mapped[datetime | None] = mapped_column(default=None)
    name: Mapped[str] = mapped_column(String(512))
    pipeline: Mapped[str | None] = mapped_column(String(255))
    stage: Mapped[str | None] = mapped_column(String(255))
    forecast_category: Mapped[str | None] = mapped_column(String(32))
    opportunity_type: Mapped[str | None] = mapped_column(String(255))
    amount: Mapped[float | None] = mapped_column(Money)
    expected_revenue: Mapped[float | None] = mapped_column(Money)
    probability: Mapped[float | None] = mapped_column(default=None)
    description: Mapped[str | None] = mapped_column(Text)
    closed: Mapped[bool] = mapped_column(default=False)
    won: Mapped[bool] = mapped_column(default=False)
    close_date: Mapped[datetime | None] = mapped_column(default=None)
    closed_lost_reason: Mapped[str | None] = mapped_column(Text)
    closed_won_reason: Mapped[str | None] = mapped_column(Text)
    next_step: Mapped[str | None] = mapped_column(Text)
    stage_history: Mapped[list[Any] | None] = mapped_column(JSONType, default=None)
    pilot_end_date: Mapped[datetime | None] = mapped_column(default=None)
    pilot_duration_seconds: Mapped[int | None] = mapped_column(default=None)
    latest_stage_vendor_entity_id_before_closed_lost: Mapped[str | None] = mapped_column(String(255))
    logo_url: Mapped[str | None] = mapped_column(String(2048))
    summary: Mapped[str | None] = mapped_column(Text)
    summary_updated_at: Mapped[datetime | None] = mapped_column(default=None)
    sales_process_id: Mapped[int | None] = mapped_column(
        ForeignKey("sales_processes.id", ondelete="SET NULL"), default=None
    )
    sales_process_stage_id: Mapped[int | None] = mapped_column(
        ForeignKey("sales_process_stages.id", ondelete="SET NULL"), default=None
    )
    pilot_result: Mapped[str | None] = mapped_column(String(64))
