"""Tenant scoping helpers still used by the modules not yet moved to a repository. New code goes
through :mod:`dealbench.kit.repository`."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeVar

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from dealbench.kit.errors import NotFound
from dealbench.kit.locks import Lock, lock_organization, locked

__all__ = [
    "Lock",
    "get_in_tenant",
    "in_tenant",
    "lock_organization",
    "lock_rows",
    "locked",
]

M = TypeVar("M")


def in_tenant(model: type[M], organization_id: int) -> Select[M]:  # type: ignore[type-var]
    """``SELECT model WHERE organization_id = :org``: the start of every tenant query."""
    return select(model).where(model.organization_id == organization_id)  # type: ignore[attr-defined,return-value]


async def get_in_tenant(
    session: AsyncSession,
    model: type[M],
    organization_id: int,
    object_id: Any,
    *,
    what: str | None = None,
    extra: Any = None,
    lock: Lock | None = None,
) -> M:
    """One object of the tenant, or 404 (never 403: another tenant's object does not exist here);
    ``lock`` locks its row until the transaction ends (see :class:`Lock`)."""
    stmt = in_tenant(model, organization_id).where(model.id == object_id)  # type: ignore[attr-defined]
    if extra is not None:
        stmt = stmt.where(extra)
    obj = (await session.execute(locked(stmt, lock))).scalar_one_or_none()
    if obj is None:
        raise NotFound(f"{what or model.__name__} not found.")
    return obj  # type: ignore[return-value]


async def lock_rows(
    session: AsyncSession, model: type[M], organization_id: int, *where: Any, lock: Lock = Lock.UPDATE
) -> Sequence[M]:
    """Lock every row of the tenant matching ``where``, in one statement, in id order (two
    requests locking overlapping sets never deadlock); the rows, read again."""
    stmt = in_tenant(model, organization_id).where(*where).order_by(model.id)  # type: ignore[attr-defined]
    return (await session.execute(locked(stmt, lock))).scalars().all()
