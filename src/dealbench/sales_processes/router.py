"""Sales processes and stages in the Opine dialect."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from starlette.responses import Response

from dealbench.auth.principal import Principal
from dealbench.auth.tokens import scoped
from dealbench.kit.etags import IfMatch, IfNoneMatch, require_current, tagged_response
from dealbench.kit.fastjson import json_response
from dealbench.kit.locks import Lock, lock_organization
from dealbench.kit.pagination import Paging
from dealbench.kit.routing import add_update_route
from dealbench.kit.schemas import Page, PathId
from dealbench.kit.session import DbSession
from dealbench.sales_processes import presenter, service
from dealbench.sales_processes.schemas import (
    SalesProcessCreate,
    SalesProcessOut,
    SalesProcessUpdate,
    StageCreate,
    StageOut,
    StageUpdate,
)

router = APIRouter(prefix="/v1", tags=["Sales processes"])

ProcessesRead = Annotated[Principal, scoped("sales-processes:read")]
ProcessesWrite = Annotated[Principal, scoped("sales-processes:write")]
IncludeDeleted = Annotated[bool, Query(alias="includeDeleted")]


@router.get("/sales-processes", response_model=Page[SalesProcessOut])
async def list_sales_processes(
    principal: ProcessesRead, session: DbSession, paging: Paging, include_deleted: IncludeDeleted = False
) -> Response:
    rows, total = await service.list_processes(session, principal, paging, include_deleted)
    return json_response(paging.page(presenter.processes(rows), total))


@router.post("/sales-processes", response_model=SalesProcessOut, status_code=201)
async def create_sales_process(
    principal: ProcessesWrite, session: DbSession, body: SalesProcessCreate
) -> Response:
    """Create a process, optionally with its ordered `stages`; `isDefault: true` unsets the previous default."""
    return json_response(presenter.process(await service.create_process(session, principal, body)), 201)


@router.get("/sales-processes/{id}", response_model=SalesProcessOut)
async def get_sales_process(
    id: PathId,
    principal: ProcessesRead,
    session: DbSession,
    if_none_match: IfNoneMatch = None,
) -> Response:
    return tagged_response(
        presenter.process(await service.get_process(session, principal, id)), if_none_match
    )


async def _process_now(
    session: DbSession, principal: Principal, id: int, *, first_the_organization: bool = False
) -> Any:
    """The process as ``GET`` answers it, under the locks of its write, in their order (the
    organization first when the write makes it the default)."""
    if first_the_organization:
        await lock_organization(session, principal.organization)
    return presenter.process(await service.get_process(session, principal, id, lock=Lock.UPDATE))


async def update_sales_process(
    id: PathId,
    principal: ProcessesWrite,
    session: DbSession,
    body: SalesProcessUpdate,
    if_match: IfMatch = None,
) -> Response:
    await require_current(
        if_match, lambda: _process_now(session, principal, id, first_the_organization=bool(body.is_default))
    )
    return json_response(presenter.process(await service.update_process(session, principal, id, body)))


add_update_route(router, "/sales-processes/{id}", update_sales_process, response_model=SalesProcessOut)


@router.delete("/sales-processes/{id}", response_model=SalesProcessOut)
async def delete_sales_process(
    id: PathId,
    principal: ProcessesWrite,
    session: DbSession,
    if_match: IfMatch = None,
) -> Response:
    """Soft delete the process and its stages (listed again with `includeDeleted=true`)."""
    await require_current(if_match, lambda: _process_now(session, principal, id))
    return json_response(presenter.process(await service.delete_process(session, principal, id)))


@router.get("/sales-process-stages", response_model=Page[StageOut])
async def list_sales_process_stages(
    principal: ProcessesRead,
    session: DbSession,
    paging: Paging,
    include_deleted: IncludeDeleted = False,
    sales_process_id: Annotated[int | None, Query(alias="salesProcessId")] = None,
) -> Response:
    rows, total = await service.list_stages(session, principal, paging, include_deleted, sales_process_id)
    return json_response(paging.page(presenter.stages(rows), total))


@router.post("/sales-process-stages", response_model=StageOut, status_code=201)
async def create_sales_process_stage(
    principal: ProcessesWrite, session: DbSession, body: StageCreate
) -> Response:
    return json_response(presenter.stage(await service.create_stage(session, principal, body)), 201)


@router.get("/sales-process-stages/{id}", response_model=StageOut)
async def get_sales_process_stage(
    id: PathId,
    principal: ProcessesRead,
    session: DbSession,
    if_none_match: IfNoneMatch = None,
) -> Response:
    return tagged_response(presenter.stage(await service.get_stage(session, principal, id)), if_none_match)


async def _stage_now(session: DbSession, principal: Principal, id: int) -> Any:
    """The stage as ``GET`` answers it, under the locks of its write: its process, then the stage."""
    stage = await service.get_stage(session, principal, id)
    await service.get_process(session, principal, stage.sales_process_id, lock=Lock.UPDATE)
    return presenter.stage(await service.get_stage(session, principal, id, lock=Lock.UPDATE))


async def update_sales_process_stage(
    id: PathId,
    principal: ProcessesWrite,
    session: DbSession,
    body: StageUpdate,
    if_match: IfMatch = None,
) -> Response:
    """Rename, recategorize, or move (`position`, 0-based) a stage within its process."""
    await require_current(if_match, lambda: _stage_now(session, principal, id))
    return json_response(presenter.stage(await service.update_stage(session, principal, id, body)))


add_update_route(router, "/sales-process-stages/{id}", update_sales_process_stage, response_model=StageOut)


@router.delete("/sales-process-stages/{id}", response_model=StageOut)
async def delete_sales_process_stage(
    id: PathId,
    principal: ProcessesWrite,
    session: DbSession,
    if_match: IfMatch = None,
) -> Response:
    await require_current(if_match, lambda: _stage_now(session, principal, id))
    return json_response(presenter.stage(await service.delete_stage(session, principal, id)))
