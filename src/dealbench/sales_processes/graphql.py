"""Sales processes in the GraphQL dialect: ``salesProcesses`` (``sales-processes:read``)."""

from __future__ import annotations

from typing import Any

import strawberry

from dealbench.graphql.context import ctx
from dealbench.graphql.generate import output_type
from dealbench.graphql.types import Page, page, paging
from dealbench.sales_processes import service
from dealbench.sales_processes.schemas import SalesProcessOut

SalesProcessType: Any = output_type(SalesProcessOut, "SalesProcess")


@strawberry.type
class Query:
    @strawberry.field(description="Sales processes, by id. Scope `sales-processes:read`.")
    async def sales_processes(
        self,
        info: strawberry.Info,
        limit: int | None = 100,
        offset: int | None = 0,
        include_deleted: bool = False,
    ) -> Page[SalesProcessType] | None:  # type: ignore[valid-type]
        items, total = await ctx(info).call(
            "sales-processes:read", service.list_processes, paging(limit, offset), include_deleted
        )
        return page(items, total)
