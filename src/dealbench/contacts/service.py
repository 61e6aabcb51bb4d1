"""Contacts: the buyer's people, unique by email within the organization, optionally on a deal."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from dealbench.auth.principal import Principal
from dealbench.contacts.presenter import COLUMN_OF
from dealbench.contacts.repository import ContactRepository
from dealbench.contacts.schemas import ContactCreate, ContactUpdate
from dealbench.deals.references import find_deal
from dealbench.kit.db import unique_or_conflict, utcnow
from dealbench.kit.errors import Conflict, NotFound, ValidationFailed
from dealbench.kit.locks import Lock
from dealbench.kit.pagination import ListParams
from dealbench.models import Contact

INT32_MAX = 2_147_483_647


async def _check_deal(repo: ContactRepository, deal_id: int, path: str) -> None:
    if not await repo.deal_exists(deal_id):
        raise ValidationFailed.at([path], f"No deal with id {deal_id} in this organization.")


async def _check_email_free(repo: ContactRepository, email: str, except_id: int | None = None) -> None:
    if await repo.email_taken(email, except_id=except_id):
        raise Conflict(f"A contact with email '{email}' already exists.")


async def list_contacts(
    session: AsyncSession, principal: Principal, params: ListParams, *, deal_id: int | None = None
) -> tuple[list[Any], int]:
    """A page of contacts (rows of the presenter's columns, id order) and the total."""
    return await ContactRepository(session, principal).page(params, deal_id=deal_id)


async def list_deal_contacts(
    session: AsyncSession, principal: Principal, deal_ref: str, params: ListParams
) -> tuple[list[Any], int]:
    """The contacts of the deal ``deal_ref`` (numeric id or ``eid:<vendorEntityId>``), or 404."""
    if deal_ref.strip().isdigit() and int(deal_ref) > INT32_MAX:
        raise NotFound("Deal not found.")
    deal = await find_deal(session, principal, deal_ref)
    return await list_contacts(session, principal, params, deal_id=deal.id)


async def get_contact(
    session: AsyncSession, principal: Principal, contact_id: int, *, lock: Lock | None = None
) -> Contact:
    return await ContactRepository(session, principal).one(contact_id, lock=lock)


def _values(data: dict[str, Any]) -> dict[str, Any]:
    return {COLUMN_OF.get(k, k): v for k, v in data.items()}


async def create_contact(session: AsyncSession, principal: Principal, data: ContactCreate) -> Contact:
    repo = ContactRepository(session, principal)
    if data.deal_id is not None:
        await _check_deal(repo, data.deal_id, "dealId")
    await _check_email_free(repo, data.email)
    values = _values(data.model_dump())
    if not values.get("full_name"):
        values["full_name"] = " ".join(p for p in (data.first_name, data.last_name) if p) or None
    contact = Contact(**values)
    async with unique_or_conflict(session, f"A contact with email '{contact.email}' already exists."):
        repo.add(contact)
    return contact


async def update_contact(
    session: AsyncSession, principal: Principal, contact_id: int, data: ContactUpdate
) -> Contact:
    repo = ContactRepository(session, principal)
    contact = await repo.one(contact_id, lock=Lock.UPDATE)
    changes = data.provided()
    if "email" in changes:
        if changes["email"] is None:
            raise ValidationFailed.at(["email"], "email cannot be null.")
        await _check_email_free(repo, changes["email"], except_id=contact.id)
    if changes.get("deal_id") is not None:
        await _check_deal(repo, changes["deal_id"], "dealId")
    email = changes.get("email", contact.email)
    async with unique_or_conflict(session, f"A contact with email '{email}' already exists."):
        for key, value in _values(changes).items():
            setattr(contact, key, value)
        contact.updated_at = utcnow()
    return contact


async def delete_contact(session: AsyncSession, principal: Principal, contact_id: int) -> Contact:
    repo = ContactRepository(session, principal)
    contact = await repo.one(contact_id, lock=Lock.DELETE)
    await repo.delete(contact)
    await repo.flush()
    return contact
