"""Tenant scoping, in one place: every query starts from the principal's organization.

It is also where writers lock what they read. An update of one object is atomic and serial with
the other writes of that object: the service reads it with ``lock=Lock.UPDATE`` and holds the row
lock until the request's transaction ends, so a concurrent request waits, then reads what the
first one committed. On PostgreSQL the lock is a row lock (``SELECT ... FOR ...``); on SQLite every
writing transaction starts with ``BEGIN IMMEDIATE`` (one writer at a time), so no clause is needed
and none is emitted.

The modes follow PostgreSQL's row locks:

- ``Lock.UPDATE`` (``FOR NO KEY UPDATE``): one writer of the object at a time. Rows that merely
  reference it (a new item of a plan, a document of a project) can still be inserted.
- ``Lock.DELETE`` (``FOR UPDATE``): before deleting the object; it also waits for the requests
  that hold ``Lock.SHARE`` on it, so it never deletes a parent under a child being written.
- ``Lock.SHARE`` (``FOR KEY SHARE``): the object must still exist when this transaction commits
  (a request adding a child or a reference to it); many requests may hold it at once.

Lock order, everywhere, so two requests never wait on each other in a cycle: the organization
(for organization-wide rules: the default sales process, the last administrator, settings), then
the parent object (project, plan, sales process, template ...), then the objects it holds or
references; several rows of one table are locked in one statement, in id order (:func:`lock_rows`).
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import Enum
from typing import Any, TypeVar

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from dealbench.kit.errors import NotFound

M = TypeVar("M")
S = TypeVar("S", bound=Select[Any])


class Lock(Enum):
    SHARE = "share"
    UPDATE = "update"
    DELETE = "delete"


def locked(stmt: S, lock: Lock | None) -> S:
    """``stmt`` taking ``lock`` on the rows it reads (nothing for ``None``).

    The rows are read again even when the session already holds them: what another request
    committed while this one waited for the lock is what the caller must see.
    """
    if lock is None:
        return stmt
    stmt = stmt.execution_options(populate_existing=True)
    if lock is Lock.SHARE:
        return stmt.with_for_update(read=True, key_share=True)
    if lock is Lock.UPDATE:
        return stmt.with_for_update(key_share=True)
    return stmt.with_for_update()


def host_tenant_slug(host: str | None, base_domain: str | None) -> str | None:
    """``acme`` for ``acme.<base domain>[:port]``; ``None`` for any other host."""
    if not host or not base_domain:
        return None
    hostname = host.rsplit(":", 1)[0].lower().rstrip(".") if not host.startswith("[") else ""
    suffix = "." + base_domain.lower().strip(".")
    if hostname.endswith(suffix):
        slug = hostname[: -len(suffix)]
        if slug and "." not in slug:
            return slug
    return None


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


async def lock_organization(session: AsyncSession, organization: Any, lock: Lock = Lock.UPDATE) -> None:
    """Lock the organization's row (and refresh ``organization``): the first lock of a write that
    upholds an organization-wide rule (one default sales process, at least one administrator)."""
    table = type(organization)
    stmt = select(table).where(table.id == organization.id)
    await session.execute(locked(stmt, lock))
