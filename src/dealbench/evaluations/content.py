"""The content of a plan: phases, success criteria, tasks and meetings, each kept in plan order.

Every write locks the plan first (``Lock.UPDATE``), so positions, reorders and the activity log stay
serial per plan, and records what changed in the plan's activity log.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from dealbench.auth.principal import Principal
from dealbench.evaluations import presenter
from dealbench.evaluations.activity import diff, record
from dealbench.evaluations.mailing import queue_notification
from dealbench.evaluations.repository import (
    BuyerRepository,
    CriterionRepository,
    EvaluationRepository,
    ItemRepository,
    LibraryRepository,
    MeetingRepository,
    PhaseRepository,
    TaskRepository,
)
from dealbench.events import outbox
from dealbench.kit.db import utcnow
from dealbench.kit.errors import NotFound, ValidationFailed
from dealbench.kit.locks import Lock
from dealbench.kit.presenter import Shape
from dealbench.models import Evaluation, EvaluationTask, SuccessCriterion


@dataclass(frozen=True)
class Kind:
    """One kind of plan content: its activity prefix, its statements and its wire shape."""

    name: str
    repository: type[ItemRepository]
    shape: Shape

    @property
    def what(self) -> str:
        return self.repository.what

    @property
    def model(self) -> Any:
        return self.repository.model


PHASES = Kind("phase", PhaseRepository, presenter.PHASE)
CRITERIA = Kind("criterion", CriterionRepository, presenter.CRITERION)
TASKS = Kind("task", TaskRepository, presenter.TASK)
MEETINGS = Kind("meeting", MeetingRepository, presenter.MEETING)
KINDS = {"phases": PHASES, "criteria": CRITERIA, "tasks": TASKS, "meetings": MEETINGS}


async def _plan(
    session: AsyncSession, principal: Principal, evaluation_id: int, lock: Lock | None
) -> Evaluation:
    return await EvaluationRepository(session, principal).one(evaluation_id, lock=lock)


async def list_items(
    session: AsyncSession, principal: Principal, evaluation_id: int, kind: Kind
) -> list[Any]:
    """The plan's items of ``kind``, in plan order (404 for a plan the caller cannot see)."""
    evaluation = await _plan(session, principal, evaluation_id, None)
    return await kind.repository(session, principal).of_plan(evaluation.id)


async def items_by_plans(
    session: AsyncSession, principal: Principal, evaluation_ids: Sequence[int], kind: Kind
) -> dict[int, list[Any]]:
    """Batch read: ``{evaluation_id: [items in plan order]}`` in one statement, within the caller's
    organization (the plans were read through it already)."""
    return await kind.repository(session, principal).of_plans(evaluation_ids)


async def _get_item(
    session: AsyncSession, principal: Principal, evaluation: Evaluation, kind: Kind, item_id: int
) -> Any:
    item = await kind.repository(session, principal).in_plan(evaluation.id, item_id)
    if item is None:
        raise NotFound(f"{kind.what} not found.")
    return item


async def _check_item_refs(
    session: AsyncSession, principal: Principal, evaluation: Evaluation, values: dict[str, Any]
) -> str | None:
    """Check the phase, user and buyer an item names (400 issues); the named buyer's email."""
    issues = []
    buyer_email = None
    buyer_id = values.get("assignee_buyer_id")
    if buyer_id is not None:
        buyer = await BuyerRepository(session, principal).in_plan(evaluation.id, buyer_id)
        if buyer is None:
            issues.append(
                {
                    "code": "custom",
                    "path": ["assigneeBuyerId"],
                    "message": f"Buyer {buyer_id} not found.",
                }
            )
        else:
            buyer_email = buyer.email
    phase_id = values.get("phase_id")
    if phase_id is not None and not await PhaseRepository(session, principal).exists_in_plan(
        evaluation.id, phase_id
    ):
        issues.append(
            {"code": "custom", "path": ["phaseId"], "message": f"Phase {phase_id} not in this plan."}
        )
    assignee = values.get("assignee_user_id")
    if assignee is not None and not await EvaluationRepository(session, principal).active_user_exists(
        assignee
    ):
        issues.append(
            {"code": "custom", "path": ["assigneeUserId"], "message": f"User {assignee} not found."}
        )
    if issues:
        raise ValidationFailed(issues)
    return buyer_email


def _notify_assignee(
    session: AsyncSession, principal: Principal, evaluation: Evaluation, email: str | None, title: str
) -> None:
    """A buyer who gets a task hears of it (batched mail) when the plan notifies its buyers."""
    if email is not None and evaluation.buyer_notifications_enabled:
        delay = float(session.info.get("buyer_notification_delay", 300))
        text = f"A task of “{evaluation.title}” is assigned to you: {title}"
        queue_notification(session, principal, evaluation.id, email, text, delay)


def _outcome(principal: Principal, item: SuccessCriterion, values: dict[str, Any]) -> None:
    if "outcome" in values:
        outcome = values["outcome"].value if values["outcome"] is not None else None
        values["outcome"] = outcome
        if outcome != item.outcome:
            values["outcome_set_by_user_id"] = principal.acting_user_id if outcome else None
            values["outcome_set_at"] = utcnow() if outcome else None


def _completion(item: EvaluationTask, values: dict[str, Any]) -> None:
    if "completed" in values and values["completed"] != item.completed:
        values["completed_at"] = utcnow() if values["completed"] else None


async def _from_library(session: AsyncSession, principal: Principal, values: dict[str, Any]) -> None:
    """A criterion names a library criterion (its title and description by default) or has a title."""
    library_id = values.get("library_criterion_id")
    if library_id is not None:
        # Kept until commit: a library criterion deleted meanwhile waits for this plan's copy.
        lib = await LibraryRepository(session, principal).get(library_id, lock=Lock.SHARE)
        if lib is None:
            raise ValidationFailed.at(["libraryCriterionId"], f"Library criterion {library_id} not found.")
        values["title"] = values.get("title") or lib.title
        if values.get("description") is None:
            values["description"] = lib.description
    elif not values.get("title"):
        raise ValidationFailed.at(
            ["title"], "Required", code="invalid_type", expected="string", received="undefined"
        )


async def add_item(
    session: AsyncSession, principal: Principal, evaluation_id: int, kind: Kind, data: Any
) -> Any:
    """Add an item at the end of the plan's items of ``kind``."""
    evaluation = await _plan(session, principal, evaluation_id, Lock.UPDATE)
    values = data.model_dump()
    buyer_email = await _check_item_refs(session, principal, evaluation, values)
    if kind is CRITERIA:
        await _from_library(session, principal, values)
    repo = kind.repository(session, principal)
    count = await repo.count_in_plan(evaluation.id)
    item = kind.model(evaluation_id=evaluation.id, position=count)
    if kind is CRITERIA:
        _outcome(principal, item, values)
    if kind is TASKS:
        values["completed_at"] = utcnow() if values.get("completed") else None
    diff(item, values)
    repo.add(item)
    await session.flush()
    record(session, principal, evaluation.id, f"{kind.name}.created", {"id": item.id, "title": item.title})
    _notify_assignee(session, principal, evaluation, buyer_email, item.title)
    evaluation.updated_at = utcnow()
    await session.flush()
    await outbox.record(session, principal, f"evaluation.{kind.name}.created", kind.shape.one(item))
    return item


async def update_item(
    session: AsyncSession, principal: Principal, evaluation_id: int, kind: Kind, item_id: int, data: Any
) -> Any:
    evaluation = await _plan(session, principal, evaluation_id, Lock.UPDATE)
    item = await _get_item(session, principal, evaluation, kind, item_id)
    values = data.provided()
    buyer_email = await _check_item_refs(session, principal, evaluation, values)
    if kind is CRITERIA:
        _outcome(principal, item, values)
    if kind is TASKS:
        _completion(item, values)
    changes = diff(item, values)
    if "assignee_buyer_id" in changes:
        _notify_assignee(session, principal, evaluation, buyer_email, item.title)
    if changes:
        item.updated_at = utcnow()
        record(session, principal, evaluation.id, f"{kind.name}.updated", {"id": item.id, **changes})
        evaluation.updated_at = utcnow()
    await session.flush()
    if changes:
        await outbox.record(session, principal, f"evaluation.{kind.name}.updated", kind.shape.one(item))
    return item


async def delete_item(
    session: AsyncSession, principal: Principal, evaluation_id: int, kind: Kind, item_id: int
) -> int:
    """Delete an item; the others of its kind close the gap."""
    evaluation = await _plan(session, principal, evaluation_id, Lock.UPDATE)
    item = await _get_item(session, principal, evaluation, kind, item_id)
    title = item.title
    repo = kind.repository(session, principal)
    await repo.delete(item)
    await session.flush()
    for position, other in enumerate(await repo.of_plan(evaluation.id)):
        other.position = position
    record(session, principal, evaluation.id, f"{kind.name}.deleted", {"id": item_id, "title": title})
    evaluation.updated_at = utcnow()
    await session.flush()
    await outbox.record(
        session, principal, f"evaluation.{kind.name}.deleted", {"id": item_id, "evaluationId": evaluation.id}
    )
    return item_id


async def reorder_items(
    session: AsyncSession, principal: Principal, evaluation_id: int, kind: Kind, ids: list[int]
) -> list[Any]:
    """Put the plan's items of ``kind`` in the order of ``ids`` (every id of the plan, once each)."""
    evaluation = await _plan(session, principal, evaluation_id, Lock.UPDATE)
    items = await kind.repository(session, principal).of_plan(evaluation.id)
    by_id = {i.id: i for i in items}
    unknown = [
        {"code": "custom", "path": ["ids", i], "message": f"{kind.what} {item_id} not in this plan."}
        for i, item_id in enumerate(ids)
        if item_id not in by_id
    ]
    if unknown:
        raise ValidationFailed(unknown)
    if sorted(ids) != sorted(by_id) or len(set(ids)) != len(ids):
        raise ValidationFailed.at(["ids"], f"Send every {kind.what.lower()} id of the plan exactly once.")
    for position, item_id in enumerate(ids):
        by_id[item_id].position = position
    record(session, principal, evaluation.id, f"{kind.name}.reordered", {"ids": ids})
    evaluation.updated_at = utcnow()
    await session.flush()
    await outbox.record(
        session, principal, f"evaluation.{kind.name}.reordered", {"evaluationId": evaluation.id, "ids": ids}
    )
    return [by_id[i] for i in ids]


async def open_tasks_of(
    session: AsyncSession, principal: Principal, user_id: int, *, limit: int = 10
) -> list[EvaluationTask]:
    """The open tasks assigned to ``user_id`` (the workbench), the nearest due date first."""
    return await TaskRepository(session, principal).open_of_assignee(user_id, limit)
