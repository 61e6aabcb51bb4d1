"""Webhook subscriptions in the GraphQL dialect: ``webhooks``, ``webhook``, ``webhookDeliveries``;
``createWebhook``, ``updateWebhook``, ``deleteWebhook``, ``rotateWebhookSecret``,
``redeliverWebhookDelivery``."""

from __future__ import annotations

from typing import Any

import strawberry

from dealbench.kit.graphql.context import ctx
from dealbench.kit.graphql.fields import scoped_field, scoped_mutation
from dealbench.kit.graphql.generate import input_type, output_type
from dealbench.kit.graphql.types import Page, page, paging, to_model, wire
from dealbench.webhooks import presenter, service
from dealbench.webhooks.schemas import (
    DeliveryOut,
    WebhookCreate,
    WebhookOut,
    WebhookUpdate,
    WebhookWithSecret,
)

WebhookType: Any = output_type(WebhookOut, "Webhook", description="A subscription to events.")
WebhookWithSecretType: Any = output_type(
    WebhookWithSecret, "WebhookWithSecret", description="A subscription with its secret (shown once)."
)
DeliveryType: Any = output_type(
    DeliveryOut, "WebhookDelivery", description="One event sent to one subscription."
)
WebhookCreateInput: Any = input_type(WebhookCreate, "WebhookCreateInput")
WebhookUpdateInput: Any = input_type(WebhookUpdate, "WebhookUpdateInput")


def _out(info: strawberry.Info) -> service.Outbound:
    services = ctx(info).services
    return service.Outbound(services.secret_key, services.settings.webhook_allow_private)


@strawberry.type
class Query:
    @scoped_field(scope="webhooks:read", description="The organization's webhook subscriptions, by id.")
    async def webhooks(
        self, info: strawberry.Info, limit: int | None = 100, offset: int | None = 0
    ) -> Page[WebhookType] | None:
        rows, total = await ctx(info).call(service.list_webhooks, paging(limit, offset))
        return page(presenter.webhooks(rows), total)

    @scoped_field(scope="webhooks:read", description="One webhook subscription.")
    async def webhook(self, info: strawberry.Info, id: int) -> WebhookType | None:
        return wire(presenter.webhook(await ctx(info).call(service.get_webhook, id)))

    @scoped_field(
        scope="webhooks:read", description="A subscription's deliveries, newest first, with their attempts."
    )
    async def webhook_deliveries(
        self, info: strawberry.Info, id: int, limit: int | None = 100, offset: int | None = 0
    ) -> Page[DeliveryType] | None:
        rows, attempts, total = await ctx(info).call(service.list_deliveries, id, paging(limit, offset))
        return page(presenter.deliveries(rows, attempts), total)


@strawberry.type
class Mutation:
    @scoped_mutation(
        scope="webhooks:write", description="Subscribe a URL to events; the secret is shown once."
    )
    async def create_webhook(
        self, info: strawberry.Info, input: WebhookCreateInput
    ) -> WebhookWithSecretType | None:
        data = to_model(WebhookCreate, input)
        endpoint, secret = await ctx(info).mutate(service.create_webhook, data, _out(info))
        return wire(presenter.with_secret(endpoint, secret))

    @scoped_mutation(scope="webhooks:write", description="Change a subscription: omitted fields stay.")
    async def update_webhook(
        self, info: strawberry.Info, id: int, input: WebhookUpdateInput
    ) -> WebhookType | None:
        data = to_model(WebhookUpdate, input)
        return wire(presenter.webhook(await ctx(info).mutate(service.update_webhook, id, data, _out(info))))

    @scoped_mutation(scope="webhooks:write", description="Delete a subscription and its delivery log.")
    async def delete_webhook(self, info: strawberry.Info, id: int) -> WebhookType | None:
        return wire(presenter.webhook(await ctx(info).mutate(service.delete_webhook, id)))

    @scoped_mutation(
        scope="webhooks:write", description="A new secret; the previous one keeps signing for 24 hours."
    )
    async def rotate_webhook_secret(self, info: strawberry.Info, id: int) -> WebhookWithSecretType | None:
        endpoint, secret = await ctx(info).mutate(service.rotate_secret, id, _out(info))
        return wire(presenter.with_secret(endpoint, secret))

    @scoped_mutation(scope="webhooks:write", description="Send a delivery again now (same `webhook-id`).")
    async def redeliver_webhook_delivery(
        self, info: strawberry.Info, id: int, delivery_id: int
    ) -> DeliveryType | None:
        delivery, attempts = await ctx(info).mutate(service.redeliver, id, delivery_id)
        return wire(presenter.delivery(delivery, attempts))
