"""Sales processes in the GraphQL dialect: ``salesProcesses`` (``sales-processes:read``)."""

from __future__ import annotations

from typing import Any

import strawberry

from dealbench.kit.graphql.context import ctx
from dealbench.kit.graphql.fields import scoped_field
from dealbench.kit.graphql.generate import output_type
from dealbench.kit.graphql.types import Limit, Offset, Page, PageNumber, page, paging
from dealbench.sales_processes import presenter, service
from dealbench.sales_processes.schemas import SalesProcessOut

SalesProcessType: Any = output_type(
    SalesProcessOut,
    "SalesProcess",
    description="The stages a deal goes through, in order.",
    describe={"is_default": "Whether new deals and plans follow this process."},
)


@strawberry.type
class Query:
    @scoped_field(
        scope="sales-processes:read",
        description="Sales processes, by id.",
        args={"include_deleted": "Also list deleted sales processes."},
    )
    async def sales_processes(
        self,
        info: strawberry.Info,
        limit: Limit = 100,
        offset: Offset = None,
        page_number: PageNumber = None,
        include_deleted: bool = False,
    ) -> Page[SalesProcessType] | None:  # type: ignore[valid-type]
        rows, total = await ctx(info).call(
            service.list_processes, paging(limit, offset, page_number), include_deleted
        )
        return page(presenter.processes(rows), total)
