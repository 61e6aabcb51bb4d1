"""Deals in the Opine dialect: ``/v1/deals`` and ``/v1/deals/{id}`` (numeric id or ``eid:...``)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query
from starlette.responses import Response

from dealbench.auth.principal import Principal
from dealbench.auth.tokens import scoped
from dealbench.deals import presenter, service
from dealbench.deals.schemas import DealCreate, DealOut, DealUpdate, NoteCreate, NoteOut
from dealbench.kit.etags import IfMatch, IfNoneMatch, require_current, tagged_response
from dealbench.kit.fastjson import json_response
from dealbench.kit.locks import Lock
from dealbench.kit.pagination import Paging
from dealbench.kit.routing import add_update_route
from dealbench.kit.schemas import Page
from dealbench.kit.session import DbSession

router = APIRouter(prefix="/v1", tags=["Deals"])

DealsRead = Annotated[Principal, scoped("deals:read")]
DealsWrite = Annotated[Principal, scoped("deals:write")]
DealRef = Annotated[str, Path(description="The numeric id, or `eid:<vendorEntityId>`.", max_length=300)]


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
    rows, total = await service.list_deals(session, principal, paging, filters)
    return json_response(paging.page(presenter.deals(rows), total))


@router.post("/deals", response_model=DealOut, status_code=201)
async def create_deal(principal: DealsWrite, session: DbSession, body: DealCreate) -> Response:
    """Create a deal (Dealbench has no CRM behind it). `vendorEntityId` is unique per organization (409)."""
    return json_response(presenter.deal(await service.create_deal(session, principal, body)), 201)


@router.get("/deals/{id}", response_model=DealOut)
async def get_deal(
    id: DealRef, principal: DealsRead, session: DbSession, if_none_match: IfNoneMatch = None
) -> Response:
    """One deal, by numeric id or `eid:<vendorEntityId>`; soft-deleted deals answer `deleted: true`."""
    return tagged_response(presenter.deal(await service.read_deal(session, principal, id)), if_none_match)


def _current(session: DbSession, principal: Principal, id: str) -> Any:
    """The deal as ``GET`` answers it, read under the write's row lock."""

    async def current() -> Any:
        await service.get_deal(session, principal, id, lock=Lock.UPDATE)
        return presenter.deal(await service.read_deal(session, principal, id))

    return current


async def update_deal(
    id: DealRef, principal: DealsWrite, session: DbSession, body: DealUpdate, if_match: IfMatch = None
) -> Response:
    """Update a deal; `null` clears a nullable field."""
    await require_current(if_match, _current(session, principal, id))
    return json_response(presenter.deal(await service.update_deal(session, principal, id, body)))


add_update_route(router, "/deals/{id}", update_deal, response_model=DealOut)


@router.delete("/deals/{id}", response_model=DealOut)
async def delete_deal(
    id: DealRef, principal: DealsWrite, session: DbSession, if_match: IfMatch = None
) -> Response:
    """Soft delete: the deal answers `deleted: true` with `deletedDate` and leaves the lists."""
    await require_current(if_match, _current(session, principal, id))
    return json_response(presenter.deal(await service.delete_deal(session, principal, id)))


@router.post("/deals/{id}/notes", response_model=NoteOut, status_code=201)
async def add_note(id: DealRef, principal: DealsWrite, session: DbSession, body: NoteCreate) -> Response:
    """Add a note to a deal: `title` (1..512), `body` as Slate nodes or markdown (stored as markdown)."""
    return json_response(presenter.note(await service.add_note(session, principal, id, body)), 201)


@router.get("/deals/{id}/notes", response_model=Page[NoteOut])
async def list_notes(id: DealRef, principal: DealsRead, session: DbSession, paging: Paging) -> Response:
    """The notes of a deal, oldest first."""
    notes, total = await service.list_notes(session, principal, id, paging)
    return json_response(paging.page([presenter.note(n) for n in notes], total))
