"""Sales processes: ordered stages; one default process per organization; soft deletion.

Lock order (see :mod:`dealbench.kit.locks`): a write that makes a process the default locks the
organization first (one default at a time); writes of a process or of its stages lock the process
(``Lock.UPDATE``), so stage positions stay dense and serial per process; a stage is locked after
its process.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from dealbench.auth.principal import Principal
from dealbench.kit.db import utcnow
from dealbench.kit.errors import NotFound, ValidationFailed
from dealbench.kit.locks import Lock, lock_organization
from dealbench.kit.pagination import ListParams
from dealbench.models import SalesProcess, SalesProcessStage
from dealbench.sales_processes.repository import ProcessRepository, StageRepository
from dealbench.sales_processes.schemas import (
    SalesProcessCreate,
    SalesProcessUpdate,
    StageCreate,
    StageUpdate,
)


async def list_processes(
    session: AsyncSession, principal: Principal, params: ListParams, include_deleted: bool = False
) -> tuple[list[Any], int]:
    """A page of processes (rows of the presenter's columns, id order) and the total."""
    rows, total = await ProcessRepository(session, principal).page(params, include_deleted=include_deleted)
    return list(rows), total


async def get_process(
    session: AsyncSession, principal: Principal, process_id: int, *, lock: Lock | None = None
) -> SalesProcess:
    """A process (404 otherwise). Writes of a process or of its stages lock it first
    (``Lock.UPDATE``), so stage positions stay serial per process."""
    return await ProcessRepository(session, principal).one(process_id, lock=lock)


async def create_process(
    session: AsyncSession, principal: Principal, data: SalesProcessCreate
) -> SalesProcess:
    if data.is_default:
        await lock_organization(session, principal.organization)
    processes = ProcessRepository(session, principal)
    process = processes.add(
        SalesProcess(
            name=data.name,
            description=data.description,
            is_default=data.is_default,
            created_by_user_id=principal.acting_user_id,
        )
    )
    await processes.flush()
    stages = StageRepository(session, principal)
    for position, stage in enumerate(data.stages):
        stages.add(
            SalesProcessStage(
                sales_process_id=process.id, title=stage.title, category=stage.category, position=position
            )
        )
    if data.is_default:
        await processes.unset_defaults(other_than=process.id)
    await processes.flush()
    return process


async def update_process(
    session: AsyncSession, principal: Principal, process_id: int, data: SalesProcessUpdate
) -> SalesProcess:
    if data.is_default:
        await lock_organization(session, principal.organization)
    processes = ProcessRepository(session, principal)
    process = await processes.one(process_id, lock=Lock.UPDATE)
    for name, value in data.provided().items():
        setattr(process, name, value)
    process.updated_at = utcnow()
    if data.is_default:
        await processes.unset_defaults(other_than=process.id)
    await processes.flush()
    return process


async def delete_process(session: AsyncSession, principal: Principal, process_id: int) -> SalesProcess:
    """Soft delete, with its stages; deals and plans keep their references."""
    processes = ProcessRepository(session, principal)
    process = await processes.one(process_id, lock=Lock.UPDATE)
    if process.deleted_at is None:
        now = utcnow()
        process.deleted_at = now
        process.is_default = False
        await StageRepository(session, principal).delete_all_of(process.id, now)
        await processes.flush()
    return process


async def list_stages(
    session: AsyncSession,
    principal: Principal,
    params: ListParams,
    include_deleted: bool = False,
    sales_process_id: int | None = None,
) -> tuple[list[Any], int]:
    """A page of stages (rows of the presenter's columns, id order) and the total."""
    rows, total = await StageRepository(session, principal).page(
        params, include_deleted=include_deleted, sales_process_id=sales_process_id
    )
    return list(rows), total


async def get_stage(
    session: AsyncSession, principal: Principal, stage_id: int, *, lock: Lock | None = None
) -> SalesProcessStage:
    return await StageRepository(session, principal).one(stage_id, lock=lock)


async def _lock_stage(session: AsyncSession, principal: Principal, stage_id: int) -> SalesProcessStage:
    """The stage, after its process: the parent is locked first, then the stage is read again."""
    stage = await get_stage(session, principal, stage_id)
    await get_process(session, principal, stage.sales_process_id, lock=Lock.UPDATE)
    return await get_stage(session, principal, stage_id, lock=Lock.UPDATE)


def _renumber(stages: list[SalesProcessStage]) -> None:
    for position, stage in enumerate(stages):
        if stage.position != position:
            stage.position = position


async def create_stage(session: AsyncSession, principal: Principal, data: StageCreate) -> SalesProcessStage:
    try:
        process = await get_process(session, principal, data.sales_process_id, lock=Lock.UPDATE)
    except NotFound as exc:
        raise ValidationFailed.at(
            ["salesProcessId"], f"Sales process {data.sales_process_id} not found."
        ) from exc
    repo = StageRepository(session, principal)
    stages = await repo.current_of(process.id)
    stage = repo.add(SalesProcessStage(sales_process_id=process.id, title=data.title, category=data.category))
    position = len(stages) if data.position is None else min(data.position, len(stages))
    stages.insert(position, stage)
    _renumber(stages)
    await repo.flush()
    return stage


async def update_stage(
    session: AsyncSession, principal: Principal, stage_id: int, data: StageUpdate
) -> SalesProcessStage:
    stage = await _lock_stage(session, principal, stage_id)
    values = data.provided()
    position = values.pop("position", None)
    for name, value in values.items():
        setattr(stage, name, value)
    if position is not None and stage.deleted_at is None:
        current = await StageRepository(session, principal).current_of(stage.sales_process_id)
        stages = [s for s in current if s.id != stage.id]
        stages.insert(min(position, len(stages)), stage)
        _renumber(stages)
    stage.updated_at = utcnow()
    await session.flush()
    return stage


async def delete_stage(session: AsyncSession, principal: Principal, stage_id: int) -> SalesProcessStage:
    stage = await _lock_stage(session, principal, stage_id)
    if stage.deleted_at is None:
        stage.deleted_at = utcnow()
        await session.flush()
        _renumber(await StageRepository(session, principal).current_of(stage.sales_process_id))
        await session.flush()
    return stage
