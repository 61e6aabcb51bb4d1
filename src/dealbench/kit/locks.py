"""Row locks: how writers lock what they read.

An update of one object is atomic and serial with the other writes of that object: the service reads it with ``lock=Lock.UPDATE`` and holds the row
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
references; several rows of one table are locked in one statement, in id order
(:meth:`dealbench.kit.repository.Repository.lock_rows`).
"""

from __future__ import annotations

from enum import Enum
from typing import Any, TypeVar

from sqlalchemy import Select, select

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


async def lock_organization(session: Any, organization: Any, lock: Lock = Lock.UPDATE) -> None:
    """Lock the organization's row (and refresh ``organization``): the first lock of a write that
    upholds an organization-wide rule (one default sales process, at least one administrator)."""
    table = type(organization)
    stmt = select(table).where(table.id == organization.id)
    await session.execute(locked(stmt, lock))
