"""Deals in the Opine dialect: ``/v1/deals`` and ``/v1/deals/{id}`` (numeric id or ``eid:...``)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query
from starlette.responses import Response

from dealbench.auth.principal import Principal
from dealbench.auth.tokens import scoped
from dealbench.deals import service
from dealbench.deals.schemas import DealCreate, DealOut, DealUpdate, NoteCreate, NoteOut
from dealbench.kit.fastjson import json_response
from dealbench.kit.pagination import Paging
from dealbench.kit.routing import add_update_route
from dealbench.kit.schemas import Page
from dealbench.kit.session import DbSession

router = APIRouter(prefix="/v1", tags=["Deals"])

DealsRead = Annotated[Principal, scoped("deals:read")]
DealsWrite = Annotated[Principal, scoped("deals:write")]
DealRef = Annotated[str, Path(description="The numeric id, or `eid:<vendorEntityId>`.", max_length=300)]


def _deal(deal: Any) -> DealOut:
    return DealOut.model_validate(deal)


@router.get("/deals", response_model=Page[DealOut])
async def list_deals(
    principal: DealsRead,
    session: DbSession,
    paging: Paging,
    include_summary: Annotated[bool, Query(alias="includeSummary")] = False,
    include_deleted: Annotated[bool, Query(alias="includeDeleted")] = False,
    stage: Annotated[str | None, Query(max_length=255, description="Exact stage.")] = None,
    closed: bool | None = None,
    won: bool | None = None,
    q: Annotated[str | None, Query(max_length=255, description="Name contains (case-insensitive).")] = None,
    updated_since: Annotated[datetime | None, Query(alias="updatedSince")] = None,
) -> Response:
    """The organization's deals by id; soft-deleted deals only with `includeDeleted=true`.
    `summary` and `summaryUpdatedAt` are null unless `includeSummary=true`."""
    filters = service.DealFilters(
        include_deleted=include_deleted,
        include_summary=include_summary,
        stage=stage,
        closed=closed,
        won=won,
        q=q,
        updated_since=updated_since,
    )
    items, total = await service.list_deal_payloads(session, principal, paging, filters)
    return json_response(paging.page(items, total))


@router.post("/deals", response_model=DealOut, status_code=201)
async def create_deal(principal: DealsWrite, session: DbSession, body: DealCreate) -> Any:
    """Create a deal (Dealbench has no CRM behind it). `vendorEntityId` is unique per organization (409)."""
    return _deal(await service.create_deal(session, principal, body))


@router.get("/deals/{id}", response_model=DealOut)
async def get_deal(id: DealRef, principal: DealsRead, session: DbSession) -> Any:
    """One deal, by numeric id or `eid:<vendorEntityId>`; soft-deleted deals answer `deleted: true`."""
    return _deal(await service.get_deal(session, principal, id))


async def update_deal(id: DealRef, principal: DealsWrite, session: DbSession, body: DealUpdate) -> Any:
    """Update a deal; `null` clears a nullable field."""
    return _deal(await service.update_deal(session, principal, id, body))


add_update_route(router, "/deals/{id}", update_deal, response_model=DealOut)


@router.delete("/deals/{id}", response_model=DealOut)
async def delete_deal(id: DealRef, principal: DealsWrite, session: DbSession) -> Any:
    """Soft delete: the deal answers `deleted: true` with `deletedDate` and leaves the lists."""
    return _deal(await service.delete_deal(session, principal, id))


@router.post("/deals/{id}/notes", response_model=NoteOut, status_code=201)
async def add_note(id: DealRef, principal: DealsWrite, session: DbSession, body: NoteCreate) -> Any:
    """Add a note to a deal: `title` (1..512), `body` as Slate nodes or markdown (stored as markdown)."""
    return NoteOut.model_validate(await service.add_note(session, principal, id, body))


@router.get("/deals/{id}/notes", response_model=Page[NoteOut])
async def list_notes(id: DealRef, principal: DealsRead, session: DbSession, paging: Paging) -> Any:
    """The notes of a deal, oldest first."""
    notes, total = await service.list_notes(session, principal, id, paging)
    return paging.page(notes, total)
