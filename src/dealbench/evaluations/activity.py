"""The activity log of a plan: every change to a plan or to its content is recorded (who, which
token, what changed, when), and read back oldest first."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from enum import Enum
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from dealbench.auth.principal import Principal
from dealbench.evaluations.repository import ActivityRepository, EvaluationRepository
from dealbench.kit.pagination import ListParams
from dealbench.models import EvaluationActivity


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    return value


def record(
    session: AsyncSession,
    principal: Principal,
    evaluation_id: int,
    action: str,
    changes: dict[str, Any] | None,
) -> None:
    """Add an entry to the plan's log, by the caller (flushed with the session)."""
    ActivityRepository(session, principal).add(
        EvaluationActivity(
            evaluation_id=evaluation_id,
            user_id=principal.acting_user_id,
            token_id=principal.token.id,
            action=action,
            changes={k: _jsonable(v) for k, v in (changes or {}).items()} or None,
        )
    )


def diff(obj: Any, values: dict[str, Any]) -> dict[str, Any]:
    """Apply ``values`` to ``obj``; ``{field: {"from", "to"}}`` for what changed."""
    changed: dict[str, Any] = {}
    for name, value in values.items():
        value = value.value if isinstance(value, Enum) else value
        old = getattr(obj, name)
        if old != value:
            changed[name] = {"from": _jsonable(old), "to": _jsonable(value)}
            setattr(obj, name, value)
    return changed


async def list_activity(
    session: AsyncSession, principal: Principal, evaluation_id: int, params: ListParams
) -> tuple[list[EvaluationActivity], int]:
    """A page of the plan's log, oldest first (404 for a plan the caller cannot see)."""
    evaluation = await EvaluationRepository(session, principal).one(evaluation_id)
    return await ActivityRepository(session, principal).page_of_plan(evaluation.id, params)


async def recent_activity(
    session: AsyncSession, principal: Principal, evaluation_ids: Sequence[int], *, limit: int = 10
) -> list[EvaluationActivity]:
    """The latest activity of the plans ``evaluation_ids`` (the workbench), newest first."""
    return await ActivityRepository(session, principal).latest_of_plans(evaluation_ids, limit)


async def buyer_activity(
    session: AsyncSession, principal: Principal, evaluation_id: int, *, limit: int = 20
) -> list[EvaluationActivity]:
    """Who looked at the plan's portal and what buyers did there, newest first."""
    return await ActivityRepository(session, principal).latest_of_plans(
        [evaluation_id], limit, prefix="buyer."
    )
