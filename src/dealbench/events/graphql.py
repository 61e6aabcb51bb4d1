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
from dealbench.kit.graphql.types import Limit, Offset, Page, PageNumber, page, paging

EventType: Any = output_type(EventOut, "Event", description="A change of a resource of the organization.")


@strawberry.type
class Query:
    @scoped_field(
        scope="events:read",
        description="Domain events, oldest first, with the REST filters.",
        args={
            "type": "Only events of these types (`*` stands for one or more segments).",
            "since": "Only events at or after this time.",
            "until": "Only events before this time.",
        },
    )
    async def events(
        self,
        info: strawberry.Info,
        limit: Limit = 100,
        offset: Offset = None,
        page_number: PageNumber = None,
        type: list[str] | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
    ) -> Page[EventType] | None:
        rows, total = await ctx(info).call(
            service.list_events, paging(limit, offset, page_number), types=type, since=since, until=until
        )
        return page(presenter.events(rows), total)
