"""Sales targets in the GraphQL dialect: ``salesTargets`` (``sales-targets:read``)."""

from __future__ import annotations

from datetime import date
from typing import Any

import strawberry

from dealbench.kit.graphql.context import ctx
from dealbench.kit.graphql.fields import scoped_field
from dealbench.kit.graphql.generate import output_type
from dealbench.kit.graphql.types import Limit, Offset, Page, PageNumber, page, paging
from dealbench.sales_targets import presenter, service
from dealbench.sales_targets.schemas import SalesTargetOut

SalesTargetType: Any = output_type(
    SalesTargetOut,
    "SalesTarget",
    description="What a user should sell in one month (a quota).",
    describe={
        "user_id": "The id of the user the target is for.",
        "month": "The month, as its first day.",
        "amount": "The amount to sell, in the organization's currency.",
    },
)


@strawberry.type
class Query:
    @scoped_field(
        scope="sales-targets:read",
        description="Monthly sales targets (quotas), by id.",
        args={
            "user_id": "Only the targets of this user.",
            "month_from": "Only months from this one on.",
            "month_to": "Only months up to this one.",
        },
    )
    async def sales_targets(
        self,
        info: strawberry.Info,
        limit: Limit = 100,
        offset: Offset = None,
        page_number: PageNumber = None,
        user_id: int | None = None,
        month_from: date | None = None,
        month_to: date | None = None,
    ) -> Page[SalesTargetType] | None:  # type: ignore[valid-type]
        rows, total = await ctx(info).call(
            service.list_targets,
            paging(limit, offset, page_number),
            user_id=user_id,
            month_from=month_from,
            month_to=month_to,
        )
        return page(presenter.targets(rows, month_as_date=True), total)
