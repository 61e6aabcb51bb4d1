"""The pipeline dialect's tables: contacts, sales targets and the record of each CSV import."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, Integer, LargeBinary, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from dealbench.kit.db import Base, JSONType, utcnow
from dealbench.models.deal import Money


class Contact(Base):
    """A person at the buyer, unique by email within the organization, optionally on one deal."""

    __tablename__ = "contacts"
    __table_args__ = (
        Index("uq_contacts_org_email", "organization_id", "email", unique=True),
        Index("ix_contacts_org_id", "organization_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    deal_id: Mapped[int | None] = mapped_column(
        ForeignKey("deals.id", ondelete="SET NULL"), default=None, index=True
    )
    email: Mapped[str] = mapped_column(String(320))
    full_name: Mapped[str | None] = mapped_column(String(255), default=None)
    first_name: Mapped[str | None] = mapped_column(String(100), default=None)
    last_name: Mapped[str | None] = mapped_column(String(100), default=None)
    title: Mapped[str | None] = mapped_column(String(255), default=None)
    company_name: Mapped[str | None] = mapped_column(String(255), default=None)
    account_external_id: Mapped[str | None] = mapped_column(String(255), default=None)
    phone: Mapped[str | None] = mapped_column(String(64), default=None)
    mobile_phone: Mapped[str | None] = mapped_column(String(64), default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class SalesTarget(Base):
    """A sales rep's quota for one month (``month`` is the first day of that month)."""

    __tablename__ = "sales_targets"
    __table_args__ = (
        Index("uq_sales_targets_org_user_month", "organization_id", "user_id", "month", unique=True),
        Index("ix_sales_targets_org_month", "organization_id", "month"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    month: Mapped[date] = mapped_column(Date())
    amount: Mapped[float] = mapped_column(Money)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class ImportRun(Base):
    """One CSV import (upload, ``/v1/imports`` or the CLI), committed with the rows it imported.

    ``error_csv`` holds the rejected rows as uploaded plus an ``error`` column (formula-neutralized).
    """

    __tablename__ = "import_runs"
    __table_args__ = (Index("ix_import_runs_org_id", "organization_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    uuid: Mapped[uuid.UUID] = mapped_column(Uuid(), default=uuid.uuid4, unique=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(32))
    filename: Mapped[str | None] = mapped_column(String(255), default=None)
    created_by_user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None
    )
    token_id: Mapped[int | None] = mapped_column(Integer, default=None)
    total_original_rows: Mapped[int] = mapped_column(default=0)
    total_imported_rows: Mapped[int] = mapped_column(default=0)
    total_error_rows: Mapped[int] = mapped_column(default=0)
    ignored_columns: Mapped[list[str]] = mapped_column(JSONType, default=list)
    warnings: Mapped[list[str]] = mapped_column(JSONType, default=list)
    error_csv: Mapped[bytes | None] = mapped_column(LargeBinary, default=None, deferred=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
