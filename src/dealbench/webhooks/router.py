"""Webhook subscriptions in the Opine dialect: ``/v1/webhooks`` and their delivery log."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter
from starlette.responses import Response

from dealbench.auth.principal import Principal
from dealbench.auth.tokens import scoped
from dealbench.kit.etags import IfMatch, IfNoneMatch, require_current, tagged_response
from dealbench.kit.fastjson import json_response
from dealbench.kit.locks import Lock
from dealbench.kit.pagination import Paging
from dealbench.kit.routing import add_update_route
from dealbench.kit.schemas import Page, PathId
from dealbench.kit.services import AppServices, Services
from dealbench.kit.session import DbSession
from dealbench.webhooks import presenter, service
from dealbench.webhooks.schemas import (
    DeliveryOut,
    WebhookCreate,
    WebhookOut,
    WebhookUpdate,
    WebhookWithSecret,
)

router = APIRouter(prefix="/v1", tags=["Webhooks"])

WebhooksRead = Annotated[Principal, scoped("webhooks:read")]
WebhooksWrite = Annotated[Principal, scoped("webhooks:write")]
DeliveryId = PathId


def outbound(services: Services) -> service.Outbound:
    return service.Outbound(services.secret_key, services.settings.webhook_allow_private)


@router.post("/webhooks", response_model=WebhookWithSecret, status_code=201)
async def create_webhook(
    body: WebhookCreate, principal: WebhooksWrite, session: DbSession, services: AppServices
) -> Response:
    """Subscribe a URL to events (`ticket.*`, `deal.created`; `*` stands for one or more segments).
    Deliveries follow Standard Webhooks, signed with the `secret` of this answer (shown only here
    and on rotation). The URL must be https:// on a public address."""
    endpoint, secret = await service.create_webhook(session, principal, body, outbound(services))
    return json_response(presenter.with_secret(endpoint, secret), 201)


@router.get("/webhooks", response_model=Page[WebhookOut])
async def list_webhooks(principal: WebhooksRead, session: DbSession, paging: Paging) -> Response:
    """The organization's subscriptions (apps' subscriptions included), by id."""
    rows, total = await service.list_webhooks(session, principal, paging)
    return json_response(paging.page(presenter.webhooks(rows), total))


@router.get("/webhooks/{id}", response_model=WebhookOut)
async def get_webhook(
    id: PathId,
    principal: WebhooksRead,
    session: DbSession,
    if_none_match: IfNoneMatch = None,
) -> Response:
    return tagged_response(
        presenter.webhook(await service.get_webhook(session, principal, id)), if_none_match
    )


async def _now(session: DbSession, principal: Principal, id: int, lock: Lock) -> Any:
    """The subscription as ``GET`` answers it, read under the write's row lock."""
    return presenter.webhook(await service.get_webhook(session, principal, id, lock=lock))


async def update_webhook(
    id: PathId,
    principal: WebhooksWrite,
    session: DbSession,
    body: WebhookUpdate,
    services: AppServices,
    if_match: IfMatch = None,
) -> Response:
    """Change a subscription; `enabled: true` enables one that was disabled after failing."""
    await require_current(if_match, lambda: _now(session, principal, id, Lock.UPDATE))
    endpoint = await service.update_webhook(session, principal, id, body, outbound(services))
    return json_response(presenter.webhook(endpoint))


add_update_route(router, "/webhooks/{id}", update_webhook, response_model=WebhookOut)


@router.delete("/webhooks/{id}", response_model=WebhookOut)
async def delete_webhook(
    id: PathId,
    principal: WebhooksWrite,
    session: DbSession,
    if_match: IfMatch = None,
) -> Response:
    """Delete a subscription and its delivery log."""
    await require_current(if_match, lambda: _now(session, principal, id, Lock.DELETE))
    return json_response(presenter.webhook(await service.delete_webhook(session, principal, id)))


@router.post("/webhooks/{id}/rotate-secret", response_model=WebhookWithSecret)
async def rotate_webhook_secret(
    id: PathId, principal: WebhooksWrite, session: DbSession, services: AppServices
) -> Response:
    """A new secret (in this answer only); the previous one keeps signing beside it for 24 hours,
    so `webhook-signature` carries both signatures meanwhile."""
    endpoint, secret = await service.rotate_secret(session, principal, id, outbound(services))
    return json_response(presenter.with_secret(endpoint, secret))


@router.get("/webhooks/{id}/deliveries", response_model=Page[DeliveryOut])
async def list_webhook_deliveries(
    id: PathId, principal: WebhooksRead, session: DbSession, paging: Paging
) -> Response:
    """The subscription's deliveries, newest first, each with its attempts (time, status,
    duration, the start of the answer)."""
    rows, attempts, total = await service.list_deliveries(session, principal, id, paging)
    return json_response(paging.page(presenter.deliveries(rows, attempts), total))


@router.post("/webhooks/{id}/deliveries/{deliveryId}/redeliver", response_model=DeliveryOut, status_code=202)
async def redeliver_webhook_delivery(
    id: PathId, deliveryId: DeliveryId, principal: WebhooksWrite, session: DbSession
) -> Response:
    """Send a delivery again now, with the same `webhook-id`."""
    delivery, attempts = await service.redeliver(session, principal, id, deliveryId)
    return json_response(presenter.delivery(delivery, attempts), 202)
