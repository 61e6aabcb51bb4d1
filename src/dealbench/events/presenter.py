"""The wire shape of a domain event, in ``GET /v1/events``, GraphQL and a webhook's body."""

from __future__ import annotations

from typing import Any

from dealbench.kit.presenter import Shape
from dealbench.models import Event

_E = Event.__table__.c

EVENT = Shape(
    [
        ("id", _E.public_id),
        ("type", _E.type),
        ("timestamp", _E.occurred_at),
        ("actor", _E.actor),
        ("data", _E.data),
    ]
)


def event(obj: Any) -> dict[str, Any]:
    return EVENT.one(obj)


def events(rows: Any) -> list[dict[str, Any]]:
    return EVENT.many(rows)


def webhook_body(obj: Any) -> dict[str, Any]:
    """The Standard Webhooks body of an event: ``{"type", "timestamp", "data"}`` (and its actor)."""
    out = EVENT.one(obj)
    return {"type": out["type"], "timestamp": out["timestamp"], "data": out["data"], "actor": out["actor"]}
