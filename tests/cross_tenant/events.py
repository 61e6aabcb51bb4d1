"""Webhook subscriptions, their deliveries and apps of a tenant. Their destinations are made
through the services with private destinations allowed (a closed local port), so nothing made
here ever reaches outside the machine."""

from __future__ import annotations

from typing import Any

from dealbench.apps import service as apps
from dealbench.apps.schemas import AppCreate
from dealbench.auth.principal import Principal
from dealbench.models import ApiToken, Organization
from dealbench.webhooks import service as webhooks
from dealbench.webhooks.delivery import Worker
from dealbench.webhooks.schemas import WebhookCreate
from tests.cross_tenant import Ctx, Made, Maker
from tests.factories import Factory, Tenant, unique

CLOSED = "http://127.0.0.1:9/hook"


async def _principal(session: object, ctx: Ctx) -> Principal:
    return await _principal_of(session, ctx.tenant)


async def _principal_of(session: object, tenant: Tenant) -> Principal:
    org = await session.get(Organization, tenant.org.id)  # type: ignore[attr-defined]
    token = await session.get(ApiToken, tenant.token_row.id)  # type: ignore[attr-defined]
    return Principal(organization=org, token=token)


async def webhook_of(factory: Factory, tenant: Tenant, events: list[str] | None = None) -> int:
    """The id of a new subscription of ``tenant`` to a closed local port."""
    services = factory.services
    async with services.sessionmaker() as session:
        endpoint, _ = await webhooks.create_webhook(
            session,
            await _principal_of(session, tenant),
            WebhookCreate(url=CLOSED, events=events or ["nothing.happens"]),
            webhooks.Outbound(services.secret_key, allow_private=True),
        )
        await session.commit()
    return endpoint.id


async def _webhook_id(ctx: Ctx, events: list[str]) -> int:
    return await webhook_of(ctx.factory, ctx.tenant, events)


async def _webhook(ctx: Ctx) -> Made:
    return {"path": {"id": await _webhook_id(ctx, ["nothing.happens"])}, "json": {}}


async def dispatch_all(services: Any) -> None:
    """Hand every recorded event to its subscriptions: a pass takes a batch, oldest first, and the
    suite's other tests leave events of their own."""
    worker = Worker(services.sessionmaker, services.settings, services.secret_key)
    while await worker.dispatch():
        pass


async def _delivery(ctx: Ctx) -> Made:
    hook_id = await _webhook_id(ctx, ["deal.created"])
    await ctx.post("/v1/deals", {"name": unique("deal ")})
    await dispatch_all(ctx.factory.services)
    log = await ctx.call("GET", f"/v1/webhooks/{hook_id}/deliveries")
    return {"path": {"id": hook_id, "deliveryId": log["items"][0]["id"]}}


def _app(*, installed: bool) -> Maker:
    async def make(ctx: Ctx) -> Made:
        services = ctx.factory.services
        async with services.sessionmaker() as session:
            app, _ = await apps.create_app(
                session,
                await _principal(session, ctx),
                AppCreate(name=unique("app "), webhook_url=CLOSED, scopes=["deals:read"]),
                apps.Keys(services.secret_key, allow_private=True),
            )
            await session.commit()
        if installed:
            await ctx.call("POST", f"/v1/apps/{app.id}/install")
        return {"path": {"id": app.id}}

    return make


ROUTES: dict[str, Maker] = {
    "GET /v1/webhooks/{id}": _webhook,
    "PUT /v1/webhooks/{id}": _webhook,
    "PATCH /v1/webhooks/{id}": _webhook,
    "POST /v1/webhooks/{id}": _webhook,
    "DELETE /v1/webhooks/{id}": _webhook,
    "POST /v1/webhooks/{id}/rotate-secret": _webhook,
    "GET /v1/webhooks/{id}/deliveries": _webhook,
    "POST /v1/webhooks/{id}/deliveries/{deliveryId}/redeliver": _delivery,
    "GET /v1/apps/{id}": _app(installed=False),
    "POST /v1/apps/{id}/install": _app(installed=False),
    "POST /v1/apps/{id}/rotate-token": _app(installed=True),
    "DELETE /v1/apps/{id}/install": _app(installed=True),
}
