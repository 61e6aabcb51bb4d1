"""The public module of the webhooks domain: what the apps domain uses to subscribe an app to
events and to queue an app's lifecycle posts (declared in ``pyproject.toml``)."""

from __future__ import annotations

import base64
import json
import secrets

from sqlalchemy.ext.asyncio import AsyncSession

from dealbench.kit import outbound
from dealbench.kit.crypto import seal
from dealbench.kit.db import utcnow
from dealbench.kit.errors import ValidationFailed
from dealbench.kit.repository import Tenant
from dealbench.models import WebhookDelivery, WebhookEndpoint
from dealbench.webhooks import patterns
from dealbench.webhooks.repository import DeliveryRepository, EndpointRepository

#: An event filter in a request body (an app's ``events`` too).
EventFilter = patterns.EventFilter

#: The purpose of the key that seals subscription secrets at rest.
SECRET_PURPOSE = "webhook-secret"
#: The purpose of the key that seals an app's lifecycle post (it holds a token) until delivered.
APP_PAYLOAD_PURPOSE = "app-lifecycle-post"
#: The purpose of the key that seals an app's client secret.
APP_SECRET_PURPOSE = "app-client-secret"


def new_secret() -> str:
    """``whsec_`` + base64 of 24 random bytes (a Standard Webhooks symmetric key)."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode()


def check_events(events: list[str], path: str = "events") -> list[str]:
    """The filters, each once; a 400 issue at each invalid one."""
    bad = [
        {
            "code": "custom",
            "path": [path, i],
            "message": f"Invalid event filter '{e}': dot-separated names, `*` for one or more segments.",
        }
        for i, e in enumerate(events)
        if not patterns.is_valid(e)
    ]
    if bad:
        raise ValidationFailed(bad)
    return list(dict.fromkeys(events))


async def check_destination(url: str, allow_private: bool, path: str = "url") -> str:
    """``url`` when Dealbench may send there; a 400 issue at ``path`` saying why not otherwise."""
    try:
        await outbound.check_url(url, allow_private=allow_private)
    except outbound.Refused as exc:
        raise ValidationFailed.at([path], str(exc)) from exc
    return url


async def subscribe_app(
    session: AsyncSession,
    tenant: Tenant,
    *,
    app_id: int,
    url: str,
    events: list[str],
    signing_secret: str,
    secret_key: str,
    created_by_user_id: int | None,
) -> WebhookEndpoint:
    """The subscription of an app to domain events, signed with the app's client secret."""
    now = utcnow()
    endpoint = EndpointRepository(session, tenant).add(
        WebhookEndpoint(
            app_id=app_id,
            url=url,
            events=events,
            description="Events of an app",
            secret_sealed=seal(secret_key, SECRET_PURPOSE, signing_secret.encode()),
            enabled=True,
            created_by_user_id=created_by_user_id,
            created_at=now,
            updated_at=now,
        )
    )
    await session.flush()
    return endpoint


async def queue_app_post(
    session: AsyncSession, tenant: Tenant, *, app_id: int, event: str, fields: dict[str, str], secret_key: str
) -> WebhookDelivery:
    """Queue an app's lifecycle post (a form); its fields are sealed until delivered, then purged."""
    now = utcnow()
    delivery = DeliveryRepository(session, tenant).add(
        WebhookDelivery(
            app_id=app_id,
            message_id="msg_" + secrets.token_hex(16),
            event_type=event,
            payload_sealed=seal(secret_key, APP_PAYLOAD_PURPOSE, json.dumps(fields).encode()),
            status="pending",
            attempts=0,
            next_attempt_at=now,
            created_at=now,
        )
    )
    await session.flush()
    return delivery
