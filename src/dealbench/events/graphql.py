"""Domain events in the GraphQL dialect: ``events`` (scope ``events:read``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import strawberry

from dealbench.events import presenter, service
from dealbench.events.schemas import EventOut
from dealbench.kit.graphql.context import ctx
from dealbench.kit.graphql.fields import scoped_field
from dealbench.kit.graphql.generate import output_type
from dealbench.kit.graphql.types import Page, page, paging

EventType: Any = output_type(EventOut, "Event", description="A change of a resource of the organization.")


@strawberry.type
class Query:
    @scoped_field(scope="events:read", description="Domain events, oldest first, with the REST filters.")
    async def events(
        self,
        info: strawberry.Info,
        limit: int | None = 100,
        offset: int | None = 0,
        type: list[str] | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
    ) -> Page[EventType] | None:
        rows, total = await ctx(info).call(
            service.list_events, paging(limit, offset), types=type, since=since, until=until
        )
        return page(presenter.events(rows), total)
