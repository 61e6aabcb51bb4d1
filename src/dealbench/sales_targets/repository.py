"""The statements of the sales targets domain, each within the caller's organization; and the
set-based merge of imported targets."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select

from dealbench.kit.pagination import ListParams, PagedQuery
from dealbench.kit.repository import Repository, is_id
from dealbench.models import SalesTarget, User
from dealbench.sales_targets.presenter import TARGET


class SalesTargetRepository(Repository[SalesTarget]):
    model = SalesTarget
    what = "Sales target"

    async def page(
        self,
        params: ListParams,
        *,
        user_id: int | None = None,
        month_from: date | None = None,
        month_to: date | None = None,
    ) -> tuple[list[Any], int]:
        """A page of targets (rows of the presenter's columns, id order) and the total."""
        stmt = self.select(*TARGET.columns)
        if user_id is not None:
            stmt = stmt.where(SalesTarget.user_id == user_id)
        if month_from is not None:
            stmt = stmt.where(SalesTarget.month >= month_from)
        if month_to is not None:
            stmt = stmt.where(SalesTarget.month <= month_to)
        return await PagedQuery(stmt.order_by(SalesTarget.id)).page(self.session, params)

    async def taken(self, user_id: int, month: date, *, except_id: int | None = None) -> bool:
        """Whether the rep ``user_id`` already has a target for ``month``."""
        stmt = self.select(SalesTarget.id).where(SalesTarget.user_id == user_id, SalesTarget.month == month)
        if except_id is not None:
            stmt = stmt.where(SalesTarget.id != except_id)
        return (await self.session.execute(stmt.limit(1))).scalar_one_or_none() is not None

    async def active_user_exists(self, user_id: int) -> bool:
        stmt = select(User.id).where(self.owned(User), User.id == user_id, User.deleted_at.is_(None))
        return is_id(user_id) and (await self.session.execute(stmt)).scalar_one_or_none() is not None

    # ------------------------------------------------------------------ imports

    #: The key of an imported target: the rep and the month.
    IMPORT_KEY = ("user_id", "month")

    async def merge_import(
        self, stage: str, staged: list[str], update: list[str], *, dedupe: bool = True
    ) -> None:
        """Create or update the targets of a staging table in one statement, by rep and month
        (:mod:`dealbench.kit.merge`)."""
        await self.merge_staged(stage, staged, update, key=self.IMPORT_KEY, dedupe=dedupe)
