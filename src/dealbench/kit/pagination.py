"""``limit``/``offset`` (alias ``skip``) list parameters of the ``/v1`` dialect."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Query
from sqlalchemy import Select, bindparam, func, select
from sqlalchemy.ext.asyncio import AsyncSession

MAX_LIMIT = 1000
DEFAULT_LIMIT = 100
#: Larger offsets read as this one: past the end of any list (an empty page), and within the 64-bit
#: integers that SQLite and PostgreSQL take for OFFSET.
MAX_OFFSET = 2**53


@dataclass(frozen=True, slots=True)
class ListParams:
    limit: int = DEFAULT_LIMIT
    offset: int = 0

    def page(self, items: list[Any], total: int) -> dict[str, Any]:
        return {"items": items, "limit": self.limit, "offset": self.offset, "totalCount": total}


async def paginate(session: AsyncSession, stmt: Select[Any], params: ListParams) -> tuple[list[Any], int]:
    """One page of ``stmt`` (already ordered) and the total, in one query (``count(*) OVER ()``).

    Rows are ORM objects for single-entity selects, else row tuples. Past the end, a count query.
    """
    windowed = stmt.add_columns(func.count().over().label("_total")).limit(params.limit).offset(params.offset)
    rows = (await session.execute(windowed)).all()
    if rows:
        total = rows[0][-1]
        single = len(rows[0]) == 2
        return [row[0] if single else tuple(row[:-1]) for row in rows], total
    if params.offset == 0:
        return [], 0
    total = (
        await session.execute(select(func.count()).select_from(stmt.order_by(None).subquery()))
    ).scalar_one()
    return [], total


class PagedQuery:
    """A hot list query built once (filters as ``bindparam``), run as page + total in one round trip.

    Building a select costs more than running it on small pages, so module-level queries help::

        USERS = PagedQuery(select(...).where(User.organization_id == bindparam("org")).order_by(User.id))
        rows, total = await USERS.page(session, paging, org=principal.organization_id)
    """

    def __init__(self, stmt: Select[Any]) -> None:
        self.stmt = (
            stmt.add_columns(func.count().over().label("_total"))
            .limit(bindparam("_limit"))
            .offset(bindparam("_offset"))
        )
        self.count = select(func.count()).select_from(stmt.order_by(None).subquery())

    async def page(self, session: AsyncSession, params: ListParams, **binds: Any) -> tuple[list[Any], int]:
        # A Core statement: run it on the connection, past the ORM's execution layer.
        connection = await session.connection()
        rows = (
            await connection.execute(self.stmt, {**binds, "_limit": params.limit, "_offset": params.offset})
        ).all()
        if rows:
            return [tuple(row[:-1]) for row in rows], rows[0][-1]
        if params.offset == 0:
            return [], 0
        return [], (await session.execute(self.count, binds)).scalar_one()


async def _list_params(
    limit: Annotated[
        int, Query(ge=1, le=MAX_LIMIT, description="Maximum number of items to return (1..1000).")
    ] = DEFAULT_LIMIT,
    offset: Annotated[
        int | None,
        Query(ge=0, description="Number of items to skip; past the end, an empty page."),
    ] = None,
    skip: Annotated[
        int | None, Query(ge=0, description="Synonym of `offset` (when both are sent, `offset` wins).")
    ] = None,
) -> ListParams:
    chosen = offset if offset is not None else (skip or 0)
    return ListParams(limit=limit, offset=min(chosen, MAX_OFFSET))


Paging = Annotated[ListParams, Depends(_list_params)]
