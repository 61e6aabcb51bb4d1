"""Sales targets: a rep's quota per month, unique by (user, month) within the organization.

Everyone with ``sales-targets:read`` reads them; only administrators set them.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from dealbench.auth.principal import Principal
from dealbench.kit.db import unique_or_conflict, utcnow
from dealbench.kit.errors import Conflict, ValidationFailed
from dealbench.kit.locks import Lock
from dealbench.kit.pagination import ListParams
from dealbench.models import SalesTarget
from dealbench.sales_targets.repository import SalesTargetRepository
from dealbench.sales_targets.schemas import SalesTargetCreate, SalesTargetUpdate, _month


def month_filter(value: str | None, name: str) -> date | None:
    """A month of a list filter (``2025-01``, ``Jan 2025``...), else a 400 issue at ``name``."""
    if value is None:
        return None
    try:
        return _month(value)
    except ValueError as exc:  # PydanticCustomError is a ValueError
        raise ValidationFailed.at([name], f"{name}: {exc}") from None


async def list_targets(
    session: AsyncSession,
    principal: Principal,
    params: ListParams,
    *,
    user_id: int | None = None,
    month_from: date | None = None,
    month_to: date | None = None,
) -> tuple[list[Any], int]:
    """A page of targets (rows of the presenter's columns, id order) and the total."""
    return await SalesTargetRepository(session, principal).page(
        params, user_id=user_id, month_from=month_from, month_to=month_to
    )


async def get_target(
    session: AsyncSession, principal: Principal, target_id: int, *, lock: Lock | None = None
) -> SalesTarget:
    return await SalesTargetRepository(session, principal).one(target_id, lock=lock)


async def _check_user(repo: SalesTargetRepository, user_id: int) -> None:
    if not await repo.active_user_exists(user_id):
        raise ValidationFailed.at(["userId"], f"No user with id {user_id} in this organization.")


async def _check_free(
    repo: SalesTargetRepository, user_id: int, month: date, except_id: int | None = None
) -> None:
    if await repo.taken(user_id, month, except_id=except_id):
        raise Conflict(f"User {user_id} already has a target for {month:%Y-%m}.")


async def create_target(session: AsyncSession, principal: Principal, data: SalesTargetCreate) -> SalesTarget:
    principal.require_admin("setting sales targets")
    repo = SalesTargetRepository(session, principal)
    await _check_user(repo, data.user_id)
    await _check_free(repo, data.user_id, data.month)
    target = SalesTarget(user_id=data.user_id, month=data.month, amount=data.amount)
    async with unique_or_conflict(
        session, f"User {data.user_id} already has a target for {data.month:%Y-%m}."
    ):
        repo.add(target)
    return target


async def update_target(
    session: AsyncSession, principal: Principal, target_id: int, data: SalesTargetUpdate
) -> SalesTarget:
    repo = SalesTargetRepository(session, principal)
    target = await repo.one(target_id, lock=Lock.UPDATE)
    principal.require_admin("setting sales targets")
    changes = data.provided()
    for key in ("user_id", "month", "amount"):
        if key in changes and changes[key] is None:
            raise ValidationFailed.at([{"user_id": "userId"}.get(key, key)], f"{key} cannot be null.")
    if "user_id" in changes:
        await _check_user(repo, changes["user_id"])
    user_id = changes.get("user_id", target.user_id)
    month = changes.get("month", target.month)
    if (user_id, month) != (target.user_id, target.month):
        await _check_free(repo, user_id, month, except_id=target.id)
    async with unique_or_conflict(session, f"User {user_id} already has a target for {month:%Y-%m}."):
        for key, value in changes.items():
            setattr(target, key, value)
        target.updated_at = utcnow()
    return target


async def delete_target(session: AsyncSession, principal: Principal, target_id: int) -> SalesTarget:
    repo = SalesTargetRepository(session, principal)
    target = await repo.one(target_id, lock=Lock.DELETE)
    principal.require_admin("deleting sales targets")
    await repo.delete(target)
    await repo.flush()
    return target
