"""Sales processes: ordered stages; one default process per organization; soft deletion."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from dealbench.auth.principal import Principal
from dealbench.kit.db import utcnow
from dealbench.kit.errors import NotFound, ValidationFailed
from dealbench.kit.pagination import ListParams
from dealbench.kit.tenancy import Lock, get_in_tenant, in_tenant, lock_organization
from dealbench.models import SalesProcess, SalesProcessStage
from dealbench.sales_processes.schemas import (
    SalesProcessCreate,
    SalesProcessUpdate,
    StageCreate,
    StageUpdate,
)


async def _page(session: AsyncSession, stmt: Any, model: Any, params: ListParams) -> tuple[list[Any], int]:
    total = (await session.execute(select(func.count()).select_from(stmt.subquery()))).scalar_one()
    rows = await session.execute(stmt.order_by(model.id).limit(params.limit).offset(params.offset))
    return list(rows.scalars()), int(total)


async def list_processes(
    session: AsyncSession, principal: Principal, params: ListParams, include_deleted: bool = False
) -> tuple[list[SalesProcess], int]:
    stmt = in_tenant(SalesProcess, principal.organization_id)
    if not include_deleted:
        stmt = stmt.where(SalesProcess.deleted_at.is_(None))
    return await _page(session, stmt, SalesProcess, params)


async def get_process(
    session: AsyncSession, principal: Principal, process_id: int, *, lock: Lock | None = None
) -> SalesProcess:
    """A process (404 otherwise). Writes of a process or of its stages lock it first
    (``Lock.UPDATE``), so stage positions stay serial per process."""
    return await get_in_tenant(
        session, SalesProcess, principal.organization_id, process_id, what="Sales process", lock=lock
    )


async def _only_default(session: AsyncSession, principal: Principal, keep_id: int) -> None:
    """Unset every other default; the caller holds the organization's lock (one default at a time)."""
    await session.execute(
        update(SalesProcess)
        .where(SalesProcess.organization_id == principal.organization_id, SalesProcess.id != keep_id)
        .values(is_default=False)
    )


async def create_process(
    session: AsyncSession, principal: Principal, data: SalesProcessCreate
) -> SalesProcess:
    if data.is_default:
        await lock_organization(session, principal.organization)
    process = SalesProcess(
        organization_id=principal.organization_id,
        name=data.name,
        description=data.description,
        is_default=data.is_default,
        created_by_user_id=principal.acting_user_id,
    )
    session.add(process)
    await session.flush()
    for position, stage in enumerate(data.stages):
        session.add(
            SalesProcessStage(
                organization_id=principal.organization_id,
                sales_process_id=process.id,
                title=stage.title,
                category=stage.category,
                position=position,
            )
        )
    if data.is_default:
        await _only_default(session, principal, process.id)
    await session.flush()
    return process


async def update_process(
    session: AsyncSession, principal: Principal, process_id: int, data: SalesProcessUpdate
) -> SalesProcess:
    if data.is_default:
        await lock_organization(session, principal.organization)
    process = await get_process(session, principal, process_id, lock=Lock.UPDATE)
    for name, value in data.provided().items():
        setattr(process, name, value)
    process.updated_at = utcnow()
    if data.is_default:
        await _only_default(session, principal, process.id)
    await session.flush()
    return process


async def delete_process(session: AsyncSession, principal: Principal, process_id: int) -> SalesProcess:
    """Soft delete, with its stages; deals and plans keep their references."""
    process = await get_process(session, principal, process_id, lock=Lock.UPDATE)
    if process.deleted_at is None:
        now = utcnow()
        process.deleted_at = now
        process.is_default = False
        await session.execute(
            update(SalesProcessStage)
            .where(SalesProcessStage.sales_process_id == process.id, SalesProcessStage.deleted_at.is_(None))
            .values(deleted_at=now)
        )
        await session.flush()
    return process


async def list_stages(
    session: AsyncSession,
    principal: Principal,
    params: ListParams,
    include_deleted: bool = False,
    sales_process_id: int | None = None,
) -> tuple[list[SalesProcessStage], int]:
    stmt = in_tenant(SalesProcessStage, principal.organization_id)
    if not include_deleted:
        stmt = stmt.where(SalesProcessStage.deleted_at.is_(None))
    if sales_process_id is not None:
        stmt = stmt.where(SalesProcessStage.sales_process_id == sales_process_id)
    return await _page(session, stmt, SalesProcessStage, params)


async def get_stage(
    session: AsyncSession, principal: Principal, stage_id: int, *, lock: Lock | None = None
) -> SalesProcessStage:
    return await get_in_tenant(
        session, SalesProcessStage, principal.organization_id, stage_id, what="Sales process stage", lock=lock
    )


async def _lock_stage(session: AsyncSession, principal: Principal, stage_id: int) -> SalesProcessStage:
    """The stage, after its process: the parent is locked first, then the stage is read again."""
    stage = await get_stage(session, principal, stage_id)
    await get_process(session, principal, stage.sales_process_id, lock=Lock.UPDATE)
    return await get_stage(session, principal, stage_id, lock=Lock.UPDATE)


async def _stages_of(session: AsyncSession, process_id: int) -> list[SalesProcessStage]:
    stmt = (
        select(SalesProcessStage)
        .where(SalesProcessStage.sales_process_id == process_id, SalesProcessStage.deleted_at.is_(None))
        .order_by(SalesProcessStage.position, SalesProcessStage.id)
    )
    return list((await session.execute(stmt)).scalars())


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
    stages = await _stages_of(session, process.id)
    stage = SalesProcessStage(
        organization_id=principal.organization_id,
        sales_process_id=process.id,
        title=data.title,
        category=data.category,
    )
    session.add(stage)
    position = len(stages) if data.position is None else min(data.position, len(stages))
    stages.insert(position, stage)
    _renumber(stages)
    await session.flush()
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
        stages = [s for s in await _stages_of(session, stage.sales_process_id) if s.id != stage.id]
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
        _renumber(await _stages_of(session, stage.sales_process_id))
        await session.flush()
    return stage
