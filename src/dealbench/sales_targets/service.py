"""Sales targets: a rep's quota per month, unique by (user, month) within the organization.

Everyone with ``sales-targets:read`` reads them; only administrators set them.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from dealbench.auth.principal import Principal
from dealbench.kit.db import unique_or_conflict, utcnow
from dealbench.kit.errors import Conflict, ValidationFailed
from dealbench.kit.pagination import ListParams
from dealbench.kit.tenancy import Lock, get_in_tenant, in_tenant
from dealbench.models import SalesTarget, User
from dealbench.sales_targets.schemas import SalesTargetCreate, SalesTargetUpdate


async def list_targets(
    session: AsyncSession,
    principal: Principal,
    params: ListParams,
    *,
    user_id: int | None = None,
    month_from: date | None = None,
    month_to: date | None = None,
) -> tuple[list[SalesTarget], int]:
    base = in_tenant(SalesTarget, principal.organization_id)
    if user_id is not None:
        base = base.where(SalesTarget.user_id == user_id)
    if month_from is not None:
        base = base.where(SalesTarget.month >= month_from)
    if month_to is not None:
        base = base.where(SalesTarget.month <= month_to)
    total = (await session.execute(select(func.count()).select_from(base.subquery()))).scalar_one()
    rows = await session.execute(base.order_by(SalesTarget.id).limit(params.limit).offset(params.offset))
    return list(rows.scalars()), total


async def get_target(
    session: AsyncSession, principal: Principal, target_id: int, *, lock: Lock | None = None
) -> SalesTarget:
    return await get_in_tenant(
        session, SalesTarget, principal.organization_id, target_id, what="Sales target", lock=lock
    )


async def _check_user(session: AsyncSession, principal: Principal, user_id: int) -> None:
    found = (
        await session.execute(
            select(User.id).where(
                User.organization_id == principal.organization_id,
                User.id == user_id,
                User.deleted_at.is_(None),
            )
        )
    ).scalar_one_or_none()
    if found is None:
        raise ValidationFailed.at(["userId"], f"No user with id {user_id} in this organization.")


async def _check_free(
    session: AsyncSession, principal: Principal, user_id: int, month: date, except_id: int | None = None
) -> None:
    stmt = in_tenant(SalesTarget, principal.organization_id).where(
        SalesTarget.user_id == user_id, SalesTarget.month == month
    )
    if except_id is not None:
        stmt = stmt.where(SalesTarget.id != except_id)
    if (await session.execute(stmt.limit(1))).scalar_one_or_none() is not None:
        raise Conflict(f"User {user_id} already has a target for {month:%Y-%m}.")


async def create_target(session: AsyncSession, principal: Principal, data: SalesTargetCreate) -> SalesTarget:
    principal.require_admin("setting sales targets")
    await _check_user(session, principal, data.user_id)
    await _check_free(session, principal, data.user_id, data.month)
    target = SalesTarget(
        organization_id=principal.organization_id, user_id=data.user_id, month=data.month, amount=data.amount
    )
    async with unique_or_conflict(
        session, f"User {data.user_id} already has a target for {data.month:%Y-%m}."
    ):
        session.add(target)
    return target


async def update_target(
    session: AsyncSession, principal: Principal, target_id: int, data: SalesTargetUpdate
) -> SalesTarget:
    target = await get_target(session, principal, target_id, lock=Lock.UPDATE)
    principal.require_admin("setting sales targets")
    changes = data.provided()
    if "user_id" in changes:
        await _check_user(session, principal, changes["user_id"])
    user_id = changes.get("user_id", target.user_id)
    month = changes.get("month", target.month)
    if (user_id, month) != (target.user_id, target.month):
        await _check_free(session, principal, user_id, month, except_id=target.id)
    async with unique_or_conflict(session, f"User {user_id} already has a target for {month:%Y-%m}."):
        for key, value in changes.items():
            setattr(target, key, value)
        target.updated_at = utcnow()
    return target


async def delete_target(session: AsyncSession, principal: Principal, target_id: int) -> SalesTarget:
    target = await get_target(session, principal, target_id, lock=Lock.DELETE)
    principal.require_admin("deleting sales targets")
    await session.delete(target)
    await session.flush()
    return target
