from __future__ import annotations

from typing import Annotated

from pydantic import Field

from dealbench.kit.schemas import Email, InModel, NotNullable, OutModel, PositiveId, Timestamp

Short = Annotated[str | None, Field(default=None, max_length=255)]
Name = Annotated[str | None, Field(default=None, max_length=100)]
Phone = Annotated[str | None, Field(default=None, max_length=64)]
#: A reference to a row (32-bit ids in the database).
Ref = PositiveId


class ContactOut(OutModel):
    id: int
    deal_id: int | None
    email: str
    full_name: str | None
    first_name: str | None
    last_name: str | None
    title: str | None
    company_name: str | None
    account_id: str | None = Field(validation_alias="account_external_id")
    phone: str | None
    mobile_phone: str | None
    created_at: Timestamp
    updated_at: Timestamp


class ContactCreate(InModel):
    email: Email
    deal_id: Ref | None = None
    full_name: Short = None
    first_name: Name = None
    last_name: Name = None
    title: Short = None
    company_name: Short = None
    account_id: Short = None
    phone: Phone = None
    mobile_phone: Phone = None


class ContactUpdate(InModel):
    """Partial: fields left out stay unchanged; ``null`` clears (except ``email``)."""

    email: NotNullable[Email] = None
    deal_id: Ref | None = None
    full_name: Short = None
    first_name: Name = None
    last_name: Name = None
    title: Short = None
    company_name: Short = None
    account_id: Short = None
    phone: Phone = None
    mobile_phone: Phone = None
