"""The statements of the events table, each within the caller's organization (the delivery worker's
own statements over every organization's events are in :mod:`dealbench.webhooks.repository`)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import insert, or_

from dealbench.events.presenter import EVENT
from dealbench.kit.pagination import ListParams, paginate
from dealbench.kit.repository import Repository
from dealbench.models import Event


class EventRepository(Repository[Event]):
    model = Event
    what = "Event"

    async def append(self, values: dict[str, Any]) -> None:
        """One event, inserted at once (a Core insert: a savepoint rolled back takes it along)."""
        await self.session.execute(insert(Event).values(organization_id=self.organization_id, **values))

    async def page(
        self,
        params: ListParams,
        *,
        types: list[str] | None,
        since: datetime | None,
        until: datetime | None,
    ) -> tuple[list[Any], int]:
        """A page of events as rows of the presenter's columns, oldest first, and the total.
        ``types`` are exact types or prefixes ending in ``.*``."""
        stmt = self.select(*EVENT.columns)
        if types:
            conditions = []
            for t in types:
                if t.endswith(".*"):
                    conditions.append(Event.type.startswith(t[:-1], autoescape=True))
                else:
                    conditions.append(Event.type == t)
            stmt = stmt.where(or_(*conditions))
        if since is not None:
            stmt = stmt.where(Event.occurred_at >= since)
        if until is not None:
            stmt = stmt.where(Event.occurred_at < until)
        return await paginate(self.session, stmt.order_by(Event.id), params)
