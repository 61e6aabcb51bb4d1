"""The criteria library: reusable success criteria of the organization, how they fare in the plans
that hold a copy, and the copy of one into a plan (the copy keeps a link to the library)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from dealbench.auth.principal import Principal
from dealbench.evaluations import schemas as s
from dealbench.evaluations.activity import diff
from dealbench.evaluations.content import CRITERIA, add_item
from dealbench.evaluations.presenter import Metrics
from dealbench.evaluations.repository import EvaluationRepository, LibraryRepository
from dealbench.kit.db import utcnow
from dealbench.kit.errors import ValidationFailed
from dealbench.kit.locks import Lock
from dealbench.kit.pagination import ListParams
from dealbench.models import LibraryCriterion


async def get_library_criterion(
    session: AsyncSession, principal: Principal, criterion_id: int, *, lock: Lock | None = None
) -> LibraryCriterion:
    return await LibraryRepository(session, principal).one(criterion_id, lock=lock)


async def list_library(
    session: AsyncSession, principal: Principal, params: ListParams, category: str | None = None
) -> tuple[list[LibraryCriterion], int]:
    return await LibraryRepository(session, principal).page(params, category)


async def create_library_criterion(
    session: AsyncSession, principal: Principal, data: s.LibraryCriterionCreate
) -> LibraryCriterion:
    item = LibraryRepository(session, principal).add(
        LibraryCriterion(created_by_user_id=principal.acting_user_id, **data.model_dump())
    )
    await session.flush()
    return item


async def update_library_criterion(
    session: AsyncSession, principal: Principal, criterion_id: int, data: s.LibraryCriterionUpdate
) -> LibraryCriterion:
    item = await get_library_criterion(session, principal, criterion_id, lock=Lock.UPDATE)
    if diff(item, data.provided()):
        item.updated_at = utcnow()
    await session.flush()
    return item


async def delete_library_criterion(session: AsyncSession, principal: Principal, criterion_id: int) -> int:
    """Plans keep their copies; their link to the library is cleared."""
    repo = LibraryRepository(session, principal)
    item = await repo.one(criterion_id, lock=Lock.DELETE)
    await repo.unlink_copies(item.id)
    await repo.delete(item)
    await session.flush()
    return criterion_id


async def add_library_criterion_to_plan(
    session: AsyncSession, principal: Principal, criterion_id: int, evaluation_id: int
) -> Any:
    """Copy a library criterion into a plan; a plan the caller cannot see is bad input (the body's
    ``evaluationId``), the criterion named in the path a 404."""
    await get_library_criterion(session, principal, criterion_id)
    if await EvaluationRepository(session, principal).get(evaluation_id) is None:
        raise ValidationFailed.at(["evaluationId"], f"Evaluation {evaluation_id} not found.")
    return await add_item(
        session, principal, evaluation_id, CRITERIA, s.CriterionCreate(library_criterion_id=criterion_id)
    )


async def criterion_metrics(session: AsyncSession, principal: Principal, criterion_id: int) -> Metrics:
    """How many plans use a library criterion, their outcomes, and how their deals ended."""
    repo = LibraryRepository(session, principal)
    item = await repo.one(criterion_id)
    outcomes = await repo.outcomes(item.id)
    plan_count = await repo.plan_count(item.id)
    won, lost, open_ = await repo.deal_results(item.id)
    return Metrics(
        criterion_id=item.id,
        plan_count=plan_count,
        outcomes=outcomes,
        deals_won=won,
        deals_lost=lost,
        deals_open=open_,
    )
