"""The statements of the sales processes domain: processes and their stages.

Every statement starts from the caller's organization (:class:`dealbench.kit.repository.Repository`).
Lists run Core statements whose columns are the presenter's, the page and its total in one
statement; writes load ORM objects.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from dealbench.kit.pagination import ListParams
from dealbench.kit.repository import Repository
from dealbench.models import SalesProcess, SalesProcessStage
from dealbench.sales_processes.presenter import PROCESS, STAGE


async def _page(
    session: AsyncSession,
    columns: Sequence[Any],
    key: Any,
    conds: Sequence[ColumnElement[bool]],
    params: ListParams,
) -> tuple[Sequence[Any], int]:
    """A page of ``columns`` (``key`` order) and the total, in one statement: the total rides along
    as an uncorrelated scalar subquery; a separate count only when the page is empty."""
    total = select(func.count(key)).where(*conds).scalar_subquery()
    stmt = (
        select(*columns, total.label("_total"))
        .where(*conds)
        .order_by(key)
        .limit(params.limit)
        .offset(params.offset)
    )
    rows = (await session.execute(stmt)).all()
    if rows:
        return rows, int(rows[0][-1])
    return [], int((await session.execute(select(func.count(key)).where(*conds))).scalar_one())


class ProcessRepository(Repository[SalesProcess]):
    model = SalesProcess
    what = "Sales process"

    async def page(self, params: ListParams, *, include_deleted: bool) -> tuple[Sequence[Any], int]:
        """A page of processes (rows of the presenter's columns, id order) and the total."""
        conds = [self.owned()]
        if not include_deleted:
            conds.append(SalesProcess.deleted_at.is_(None))
        return await _page(self.session, PROCESS.columns, SalesProcess.id, conds, params)

    async def unset_defaults(self, *, other_than: int) -> None:
        """Every other process of the organization stops being the default."""
        await self.session.execute(
            update(SalesProcess).where(self.owned(), SalesProcess.id != other_than).values(is_default=False)
        )


class StageRepository(Repository[SalesProcessStage]):
    model = SalesProcessStage
    what = "Sales process stage"

    async def page(
        self, params: ListParams, *, include_deleted: bool, sales_process_id: int | None
    ) -> tuple[Sequence[Any], int]:
        """A page of stages (rows of the presenter's columns, id order) and the total."""
        conds = [self.owned()]
        if not include_deleted:
            conds.append(SalesProcessStage.deleted_at.is_(None))
        if sales_process_id is not None:
            conds.append(SalesProcessStage.sales_process_id == sales_process_id)
        return await _page(self.session, STAGE.columns, SalesProcessStage.id, conds, params)

    async def current_of(self, process_id: int) -> list[SalesProcessStage]:
        """The stages of a process that are not deleted, in position order."""
        stmt = (
            self.select()
            .where(SalesProcessStage.sales_process_id == process_id, SalesProcessStage.deleted_at.is_(None))
            .order_by(SalesProcessStage.position, SalesProcessStage.id)
        )
        return list((await self.session.execute(stmt)).scalars())

    async def delete_all_of(self, process_id: int, now: datetime) -> None:
        """Soft-delete every stage of a process that is not deleted yet."""
        await self.session.execute(
            update(SalesProcessStage)
            .where(
                self.owned(),
                SalesProcessStage.sales_process_id == process_id,
                SalesProcessStage.deleted_at.is_(None),
            )
            .values(deleted_at=now)
        )
