"""Contacts: the buyer's people, unique by email within the organization, optionally on a deal."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from dealbench.auth.principal import Principal
from dealbench.contacts.schemas import ContactCreate, ContactUpdate
from dealbench.kit.db import unique_or_conflict, utcnow
from dealbench.kit.errors import Conflict, ValidationFailed
from dealbench.kit.pagination import ListParams
from dealbench.kit.tenancy import Lock, get_in_tenant, in_tenant
from dealbench.models import Contact, Deal

_COLUMN = {"account_id": "account_external_id"}


async def _check_deal(session: AsyncSession, principal: Principal, deal_id: int, path: str) -> None:
    found = (
        await session.execute(
            select(Deal.id).where(Deal.organization_id == principal.organization_id, Deal.id == deal_id)
        )
    ).scalar_one_or_none()
    if found is None:
        raise ValidationFailed.at([path], f"No deal with id {deal_id} in this organization.")


async def _check_email_free(
    session: AsyncSession, principal: Principal, email: str, except_id: int | None = None
) -> None:
    stmt = in_tenant(Contact, principal.organization_id).where(Contact.email == email)
    if except_id is not None:
        stmt = stmt.where(Contact.id != except_id)
    if (await session.execute(stmt.limit(1))).scalar_one_or_none() is not None:
        raise Conflict(f"A contact with email '{email}' already exists.")


async def list_contacts(
    session: AsyncSession, principal: Principal, params: ListParams, *, deal_id: int | None = None
) -> tuple[list[Contact], int]:
    base = in_tenant(Contact, principal.organization_id)
    if deal_id is not None:
        base = base.where(Contact.deal_id == deal_id)
    total = (await session.execute(select(func.count()).select_from(base.subquery()))).scalar_one()
    rows = await session.execute(base.order_by(Contact.id).limit(params.limit).offset(params.offset))
    return list(rows.scalars()), total


async def get_contact(
    session: AsyncSession, principal: Principal, contact_id: int, *, lock: Lock | None = None
) -> Contact:
    return await get_in_tenant(
        session, Contact, principal.organization_id, contact_id, what="Contact", lock=lock
    )


def _values(data: dict[str, Any]) -> dict[str, Any]:
    return {_COLUMN.get(k, k): v for k, v in data.items()}


async def create_contact(session: AsyncSession, principal: Principal, data: ContactCreate) -> Contact:
    if data.deal_id is not None:
        await _check_deal(session, principal, data.deal_id, "dealId")
    await _check_email_free(session, principal, data.email)
    values = _values(data.model_dump())
    if not values.get("full_name"):
        values["full_name"] = " ".join(p for p in (data.first_name, data.last_name) if p) or None
    contact = Contact(organization_id=principal.organization_id, **values)
    async with unique_or_conflict(session, f"A contact with email '{contact.email}' already exists."):
        session.add(contact)
    return contact


async def update_contact(
    session: AsyncSession, principal: Principal, contact_id: int, data: ContactUpdate
) -> Contact:
    contact = await get_contact(session, principal, contact_id, lock=Lock.UPDATE)
    changes = data.provided()
    if "email" in changes:
        await _check_email_free(session, principal, changes["email"], except_id=contact.id)
    if changes.get("deal_id") is not None:
        await _check_deal(session, principal, changes["deal_id"], "dealId")
    email = changes.get("email", contact.email)
    async with unique_or_conflict(session, f"A contact with email '{email}' already exists."):
        for key, value in _values(changes).items():
            setattr(contact, key, value)
        contact.updated_at = utcnow()
    return contact


async def delete_contact(session: AsyncSession, principal: Principal, contact_id: int) -> Contact:
    contact = await get_contact(session, principal, contact_id, lock=Lock.DELETE)
    await session.delete(contact)
    await session.flush()
    return contact
