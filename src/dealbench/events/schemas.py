from __future__ import annotations

from typing import Any

from pydantic import Field

from dealbench.kit.schemas import OutModel, Timestamp


class Actor(OutModel):
    type: str = Field(description="`user`, `token`, `app` or `buyer`.")
    id: int | None = None
    email: str | None = None


class EventOut(OutModel):
    id: str = Field(description="`evt_...`: also the `webhook-id` of its deliveries.")
    type: str = Field(description="`deal.created`, `ticket.updated`, `import.completed` ...")
    timestamp: Timestamp
    actor: dict[str, Any] = Field(description="Who made the change: `{type, id, email?}`.")
    data: dict[str, Any] = Field(description="The object as `GET` on `/v1` renders it.")
