"""``/v1/contacts`` and ``/v1/deals/{id}/contacts`` (Opine dialect)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query
from starlette.responses import Response

from dealbench.auth.principal import Principal
from dealbench.auth.tokens import scoped
from dealbench.contacts import presenter, service
from dealbench.contacts.schemas import ContactCreate, ContactOut, ContactUpdate
from dealbench.kit.etags import IfMatch, IfNoneMatch, require_current, tagged_response
from dealbench.kit.fastjson import json_response
from dealbench.kit.locks import Lock
from dealbench.kit.pagination import Paging
from dealbench.kit.routing import add_update_route
from dealbench.kit.schemas import Page
from dealbench.kit.session import DbSession

router = APIRouter(prefix="/v1", tags=["Contacts"])

INT32_MAX = 2_147_483_647
#: Ids are 32-bit integers in the database: anything larger is a 400, never a driver overflow.
ContactId = Annotated[int, Path(ge=1, le=INT32_MAX)]

ContactsRead = Annotated[Principal, scoped("contacts:read")]
ContactsWrite = Annotated[Principal, scoped("contacts:write")]


@router.get("/contacts", response_model=Page[ContactOut])
async def list_contacts(
    principal: ContactsRead,
    session: DbSession,
    paging: Paging,
    dealId: Annotated[
        int | None, Query(ge=1, le=INT32_MAX, description="Only the contacts of this deal.")
    ] = None,
) -> Response:
    """The organization's contacts, by id."""
    rows, total = await service.list_contacts(session, principal, paging, deal_id=dealId)
    return json_response(paging.page(presenter.contacts(rows), total))


@router.post("/contacts", response_model=ContactOut, status_code=201)
async def create_contact(body: ContactCreate, principal: ContactsWrite, session: DbSession) -> Response:
    """Create a contact; its email is unique in the organization (409)."""
    return json_response(presenter.contact(await service.create_contact(session, principal, body)), 201)


@router.get("/contacts/{id}", response_model=ContactOut)
async def get_contact(
    id: ContactId,
    principal: ContactsRead,
    session: DbSession,
    if_none_match: IfNoneMatch = None,
) -> Response:
    return tagged_response(
        presenter.contact(await service.get_contact(session, principal, id)), if_none_match
    )


async def _now(session: DbSession, principal: Principal, id: int, lock: Lock) -> Any:
    """The contact as ``GET`` answers it, read under the write's row lock."""
    return presenter.contact(await service.get_contact(session, principal, id, lock=lock))


async def update_contact(
    id: ContactId,
    body: ContactUpdate,
    principal: ContactsWrite,
    session: DbSession,
    if_match: IfMatch = None,
) -> Response:
    """Update a contact."""
    await require_current(if_match, lambda: _now(session, principal, id, Lock.UPDATE))
    return json_response(presenter.contact(await service.update_contact(session, principal, id, body)))


add_update_route(router, "/contacts/{id}", update_contact, response_model=ContactOut)


@router.delete("/contacts/{id}", response_model=ContactOut)
async def delete_contact(
    id: ContactId,
    principal: ContactsWrite,
    session: DbSession,
    if_match: IfMatch = None,
) -> Response:
    """Delete a contact."""
    await require_current(if_match, lambda: _now(session, principal, id, Lock.DELETE))
    return json_response(presenter.contact(await service.delete_contact(session, principal, id)))


@router.get("/deals/{id}/contacts", response_model=Page[ContactOut])
async def list_deal_contacts(
    id: str, principal: ContactsRead, session: DbSession, paging: Paging
) -> Response:
    """The contacts of a deal (numeric id or `eid:<vendorEntityId>`)."""
    rows, total = await service.list_deal_contacts(session, principal, id, paging)
    return json_response(paging.page(presenter.contacts(rows), total))
