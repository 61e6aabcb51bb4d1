"""Webhook subscriptions: create, read, change, delete, rotate the secret; the delivery log and
redelivery. Transport-free: every adapter calls these. Delivery itself is :mod:`.delivery`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from dealbench.auth.principal import Principal
from dealbench.kit.crypto import seal
from dealbench.kit.db import utcnow
from dealbench.kit.errors import Conflict, NotFound
from dealbench.kit.locks import Lock
from dealbench.kit.pagination import ListParams
from dealbench.models import WebhookDelivery, WebhookEndpoint
from dealbench.webhooks.repository import DeliveryRepository, EndpointRepository
from dealbench.webhooks.schemas import WebhookCreate, WebhookUpdate
from dealbench.webhooks.subscriptions import SECRET_PURPOSE, check_destination, check_events, new_secret

#: How long the secret before a rotation keeps signing beside the new one.
ROTATION_OVERLAP = timedelta(hours=24)


@dataclass(frozen=True, slots=True)
class Outbound:
    """What a service needs to seal secrets and judge destinations (from the app's settings)."""

    secret_key: str
    allow_private: bool


async def list_webhooks(
    session: AsyncSession, principal: Principal, params: ListParams
) -> tuple[list[Any], int]:
    return await EndpointRepository(session, principal).page(params)


async def get_webhook(
    session: AsyncSession, principal: Principal, webhook_id: int, *, lock: Lock | None = None
) -> WebhookEndpoint:
    return await EndpointRepository(session, principal).one(webhook_id, lock=lock)


def _own(endpoint: WebhookEndpoint) -> None:
    if endpoint.app_id is not None:
        raise Conflict(f"This subscription belongs to app {endpoint.app_id}: change the app instead.")


async def create_webhook(
    session: AsyncSession, principal: Principal, data: WebhookCreate, out: Outbound
) -> tuple[WebhookEndpoint, str]:
    """A new subscription and its secret (shown once)."""
    events = check_events(data.events)
    url = await check_destination(data.url, out.allow_private)
    secret = new_secret()
    now = utcnow()
    endpoint = EndpointRepository(session, principal).add(
        WebhookEndpoint(
            url=url,
            events=events,
            description=data.description,
            secret_sealed=seal(out.secret_key, SECRET_PURPOSE, secret.encode()),
            enabled=True,
            created_by_user_id=principal.acting_user_id,
            created_at=now,
            updated_at=now,
        )
    )
    await session.flush()
    return endpoint, secret


async def update_webhook(
    session: AsyncSession, principal: Principal, webhook_id: int, data: WebhookUpdate, out: Outbound
) -> WebhookEndpoint:
    endpoint = await get_webhook(session, principal, webhook_id, lock=Lock.UPDATE)
    _own(endpoint)
    values = data.provided()
    if "url" in values:
        endpoint.url = await check_destination(values["url"], out.allow_private)
    if "events" in values:
        endpoint.events = check_events(values["events"])
    if "description" in values:
        endpoint.description = values["description"]
    if "enabled" in values:
        endpoint.enabled = values["enabled"]
        if endpoint.enabled:
            endpoint.disabled_reason = None
            endpoint.failing_since = None
        else:
            endpoint.disabled_reason = "Disabled by a user."
    endpoint.updated_at = utcnow()
    await session.flush()
    return endpoint


async def delete_webhook(session: AsyncSession, principal: Principal, webhook_id: int) -> WebhookEndpoint:
    """Delete a subscription with its delivery log."""
    repo = EndpointRepository(session, principal)
    endpoint = await repo.one(webhook_id, lock=Lock.DELETE)
    _own(endpoint)
    await repo.delete(endpoint)
    await session.flush()
    return endpoint


async def rotate_secret(
    session: AsyncSession, principal: Principal, webhook_id: int, out: Outbound
) -> tuple[WebhookEndpoint, str]:
    """A new secret (shown once); the current one keeps signing beside it for 24 hours."""
    endpoint = await get_webhook(session, principal, webhook_id, lock=Lock.UPDATE)
    _own(endpoint)
    secret = new_secret()
    now = utcnow()
    endpoint.previous_secret_sealed = endpoint.secret_sealed
    endpoint.previous_secret_expires_at = now + ROTATION_OVERLAP
    endpoint.secret_sealed = seal(out.secret_key, SECRET_PURPOSE, secret.encode())
    endpoint.updated_at = now
    await session.flush()
    return endpoint, secret


async def list_deliveries(
    session: AsyncSession, principal: Principal, webhook_id: int, params: ListParams
) -> tuple[list[WebhookDelivery], dict[int, list[Any]], int]:
    """A page of the subscription's deliveries (newest first), their attempts, and the total."""
    endpoint = await get_webhook(session, principal, webhook_id)
    repo = DeliveryRepository(session, principal)
    rows, total = await repo.page_of(endpoint.id, params)
    attempts = await repo.attempts_of([r.id for r in rows])
    return rows, attempts, total


async def redeliver(
    session: AsyncSession, principal: Principal, webhook_id: int, delivery_id: int
) -> tuple[WebhookDelivery, list[Any]]:
    """Send a delivery again now (same ``webhook-id``), whatever its state."""
    endpoint = await get_webhook(session, principal, webhook_id)
    if not endpoint.enabled:
        raise Conflict("This subscription is disabled: enable it first.")
    repo = DeliveryRepository(session, principal)
    delivery = await repo.of_endpoint(endpoint.id, delivery_id)
    if delivery is None:
        raise NotFound("Delivery not found.")
    delivery.status = "pending"
    delivery.next_attempt_at = utcnow()
    await session.flush()
    return delivery, (await repo.attempts_of([delivery.id]))[delivery.id]
