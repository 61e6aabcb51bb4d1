"""Recording domain events: the public module every domain's services call, inside the
transaction of the change, so a rolled-back change leaves no event (an outbox)::

    await outbox.record(session, principal, "deal.created", presenter.deal(deal))

The event holds its type, time, organization, actor (the token's user, the token itself, the app a
token was minted for, or a buyer by email) and the object as ``GET`` on ``/v1`` renders it. With
``DEALBENCH_RECORD_EVENTS=false`` nothing is recorded.
"""

from __future__ import annotations

import secrets
from typing import Any

import orjson
from sqlalchemy.ext.asyncio import AsyncSession

from dealbench.auth.principal import Principal
from dealbench.events.repository import EventRepository
from dealbench.kit.db import utcnow
from dealbench.kit.repository import Tenant


def new_event_id() -> str:
    return "evt_" + secrets.token_hex(16)


def actor_of(principal: Principal) -> dict[str, Any]:
    """Who acts: the app a token was minted for, else the token's user, else the organization token."""
    token = principal.token
    if token.app_id is not None:
        return {"type": "app", "id": token.app_id}
    if principal.user is not None:
        return {"type": "user", "id": principal.user.id, "email": principal.user.email}
    return {"type": "token", "id": token.id}


def user_actor(user: Any) -> dict[str, Any]:
    return {"type": "user", "id": user.id, "email": user.email}


def buyer_actor(email: str) -> dict[str, Any]:
    return {"type": "buyer", "email": email}


def enabled(session: AsyncSession) -> bool:
    return bool(session.info.get("record_events", True))


async def record(
    session: AsyncSession,
    principal: Principal | None,
    type: str,
    data: dict[str, Any],
    *,
    tenant: Tenant | None = None,
    actor: dict[str, Any] | None = None,
) -> None:
    """Record the event ``type`` about ``data`` in the caller's transaction (nothing when events
    are switched off). ``tenant`` and ``actor`` stand in for a principal where there is none (an
    invitation accepted by its invitee)."""
    if not enabled(session):
        return
    owner = tenant if tenant is not None else principal
    assert owner is not None, "an event needs an organization"
    if actor is None:
        actor = actor_of(principal) if principal is not None else {"type": "system"}
    await EventRepository(session, owner).append(
        {
            "public_id": new_event_id(),
            "type": type,
            "occurred_at": utcnow(),
            "actor": actor,
            # The JSON column gets plain JSON values (a presenter may hold a datetime or a Decimal).
            "data": orjson.loads(orjson.dumps(data, default=str)),
            "dispatched": False,
        }
    )
