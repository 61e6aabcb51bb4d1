"""Domain events in the Opine dialect: ``GET /v1/events``."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query
from starlette.responses import Response

from dealbench.auth.principal import Principal
from dealbench.auth.tokens import scoped
from dealbench.events import presenter, service
from dealbench.events.schemas import EventOut
from dealbench.kit.fastjson import json_response
from dealbench.kit.pagination import Paging
from dealbench.kit.schemas import Page
from dealbench.kit.session import DbSession

router = APIRouter(prefix="/v1", tags=["Events"])

EventsRead = Annotated[Principal, scoped("events:read")]


@router.get("/events", response_model=Page[EventOut])
async def list_events(
    principal: EventsRead,
    session: DbSession,
    paging: Paging,
    type: Annotated[
        list[str] | None,
        Query(description="Exact types (`deal.created`) or prefixes (`deal.*`); repeat for several."),
    ] = None,
    since: Annotated[datetime | None, Query(description="Events at or after this time.")] = None,
    until: Annotated[datetime | None, Query(description="Events before this time.")] = None,
) -> Response:
    """The organization's domain events, oldest first, kept for `DEALBENCH_EVENTS_RETENTION_DAYS`."""
    rows, total = await service.list_events(session, principal, paging, types=type, since=since, until=until)
    return json_response(paging.page(presenter.events(rows), total))
