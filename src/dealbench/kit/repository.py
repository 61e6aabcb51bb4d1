"""Repositories: every statement on a tenant's table starts from the caller's organization.

A domain reads and writes its tables through its ``repository.py``: a subclass of
:class:`Repository` per table (or per aggregate), built from the session and the caller. Services
never write a tenant filter themselves (``tests/test_architecture.py`` fails on an
``organization_id ==`` outside repositories), so a new query cannot forget it.

Another organization's row does not exist here: lookups answer ``None`` or 404, never 403.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, Generic, Protocol, TypeVar

from sqlalchemy import ColumnElement, Select, bindparam, select, text
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from dealbench.kit.errors import NotFound
from dealbench.kit.locks import Lock, locked
from dealbench.kit.merge import merge_sql, now_param

M = TypeVar("M")

#: Ids are 32-bit integers on every backend: a larger value names no row (never a database error).
MAX_ID = 2**31 - 1


class Tenant(Protocol):
    """Anything that belongs to one organization: the principal of a request, a buyer's session."""

    @property
    def organization_id(self) -> int: ...


@dataclass(frozen=True, slots=True)
class TenantOf:
    """The tenant of work done for an organization without a request's principal (the CLI, an
    accepted invitation, the demo seeders): ``TenantOf(organization.id)``."""

    organization_id: int


#: ``SELECT <model> WHERE organization_id = :org AND id = :object_id`` per (model, lock), built once:
#: a statement built per request costs more CPU than running it (its construction and cache key).
_BY_ID: dict[tuple[type[Any], Lock | None], Select[Any]] = {}


def _by_id(model: type[Any], lock: Lock | None) -> Select[Any]:
    stmt = _BY_ID.get((model, lock))
    if stmt is None:
        where = (model.organization_id == bindparam("org"), model.id == bindparam("object_id"))
        stmt = _BY_ID[(model, lock)] = locked(select(model).where(*where), lock)
    return stmt


def is_id(value: object) -> bool:
    """A value that can name a row: a positive integer within the id range (``True`` is not an id)."""
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value <= MAX_ID


class Repository(Generic[M]):
    """The statements of one tenant table (a model with ``id`` and ``organization_id``).

    Subclasses set :attr:`model` (and :attr:`what`, the noun of its 404) and add the statements
    their domain needs, each starting from :meth:`select` or :meth:`owned`.
    """

    model: ClassVar[type[Any]]
    what: ClassVar[str] = "Object"

    def __init__(self, session: AsyncSession, tenant: Tenant) -> None:
        self.session = session
        self.organization_id = tenant.organization_id

    # ------------------------------------------------------------------ statements

    @property
    def c(self) -> Any:
        """The table's columns, for Core statements (no ORM row loading on hot paths)."""
        return self.model.__table__.c

    def owned(self, model: Any = None) -> ColumnElement[bool]:
        """``<model>.organization_id = :org``, for this table or another tenant table in a join."""
        return (model if model is not None else self.model).organization_id == self.organization_id  # type: ignore[no-any-return]

    def select(self, *entities: Any) -> Select[Any]:
        """``SELECT <entities, default the model> ... WHERE organization_id = :org``."""
        return select(*(entities or (self.model,))).where(self.owned())

    @property
    def postgres(self) -> bool:
        return self.session.get_bind().dialect.name == "postgresql"

    def insert(self, model: Any = None) -> Any:
        """The dialect's ``INSERT`` (with ``on_conflict_do_*``) for ``model`` (default the table)."""
        return (pg_insert if self.postgres else sqlite_insert)(model if model is not None else self.model)

    # ------------------------------------------------------------------ rows

    async def merge_staged(
        self,
        stage: str,
        staged: Sequence[str],
        update: Sequence[str],
        *,
        key: Sequence[str],
        dedupe: bool = True,
    ) -> None:
        """Create or update this table's rows from a staging table in one statement, matched on
        ``key`` within the organization (:mod:`dealbench.kit.merge`)."""
        postgres = self.postgres
        sql = merge_sql(
            table=self.model.__tablename__,
            stage=stage,
            key=key,
            staged=staged,
            update=update,
            postgres=postgres,
            dedupe=dedupe,
        )
        await self.session.execute(text(sql), {"org": self.organization_id, "now": now_param(postgres)})

    async def get(self, object_id: Any, *, lock: Lock | None = None) -> M | None:
        """The row ``object_id`` of this organization, or ``None``; ``lock`` holds its row until the
        transaction ends (see :mod:`dealbench.kit.locks`)."""
        if not is_id(object_id):
            return None
        if type(self).select is not Repository.select:  # a repository adding its own conditions
            stmt = locked(self.select().where(self.model.id == object_id), lock)
            return (await self.session.execute(stmt)).scalar_one_or_none()  # type: ignore[no-any-return]
        params = {"org": self.organization_id, "object_id": object_id}
        found = await self.session.execute(_by_id(self.model, lock), params)
        return found.scalar_one_or_none()  # type: ignore[no-any-return]

    async def one(self, object_id: Any, *, lock: Lock | None = None) -> M:
        """The row ``object_id`` of this organization, or 404."""
        found = await self.get(object_id, lock=lock)
        if found is None:
            raise NotFound(f"{self.what} not found.")
        return found

    async def lock_rows(self, *where: Any, lock: Lock = Lock.UPDATE) -> Sequence[M]:
        """Lock every row of this organization matching ``where``, in one statement, in id order (two
        requests locking overlapping sets never deadlock); the rows, read again."""
        stmt = self.select().where(*where).order_by(self.model.id)
        return (await self.session.execute(locked(stmt, lock))).scalars().all()

    async def existing_ids(self, ids: Iterable[Any]) -> set[int]:
        """Which of ``ids`` name rows of this organization (one statement)."""
        wanted = {i for i in ids if is_id(i)}
        if not wanted:
            return set()
        rows = await self.session.execute(self.select(self.model.id).where(self.model.id.in_(wanted)))
        return set(rows.scalars())

    def add(self, obj: M) -> M:
        """A new row of this organization (flushed with the session)."""
        obj.organization_id = self.organization_id  # type: ignore[attr-defined]
        self.session.add(obj)
        return obj

    async def flush(self) -> None:
        await self.session.flush()

    async def delete(self, obj: M) -> None:
        await self.session.delete(obj)
