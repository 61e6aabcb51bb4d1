"""Reading the organization's domain events (recorded by :mod:`dealbench.events.outbox`)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from dealbench.auth.principal import Principal
from dealbench.events.repository import EventRepository
from dealbench.kit.errors import ValidationFailed
from dealbench.kit.pagination import ListParams


async def list_events(
    session: AsyncSession,
    principal: Principal,
    params: ListParams,
    *,
    types: list[str] | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> tuple[list[Any], int]:
    """A page of events, oldest first; ``types`` exact (``deal.created``) or by prefix (``deal.*``)."""
    for i, t in enumerate(types or []):
        if ("*" in t and not t.endswith(".*")) or t.count("*") > 1:
            raise ValidationFailed.at(
                ["type", i], "A type is exact (`deal.created`) or ends in `.*` (`deal.*`)."
            )
    return await EventRepository(session, principal).page(params, types=types, since=since, until=until)
