"""The wire shapes of the webhooks domain: a subscription, a delivery with its attempts."""

from __future__ import annotations

from typing import Any

from dealbench.kit.presenter import Shape
from dealbench.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint
from dealbench.webhooks.schemas import AttemptOut, DeliveryOut, WebhookOut

_W = WebhookEndpoint.__table__.c
_D = WebhookDelivery.__table__.c
_A = WebhookAttempt.__table__.c

WEBHOOK = Shape([(info.alias or name, _W[name]) for name, info in WebhookOut.model_fields.items()])
DELIVERY = Shape(
    [(info.alias or name, _D[name]) for name, info in DeliveryOut.model_fields.items() if name != "log"]
)
ATTEMPT = Shape([(info.alias or name, _A[name]) for name, info in AttemptOut.model_fields.items()])


def webhook(obj: Any) -> dict[str, Any]:
    return WEBHOOK.one(obj)


def webhooks(rows: Any) -> list[dict[str, Any]]:
    return WEBHOOK.many(rows)


def with_secret(obj: Any, secret: str) -> dict[str, Any]:
    """A subscription with its secret: the answers of its creation and rotation only."""
    return {**WEBHOOK.one(obj), "secret": secret}


def delivery(obj: Any, attempts: list[Any]) -> dict[str, Any]:
    return {**DELIVERY.one(obj), "log": [ATTEMPT.one(a) for a in attempts]}


def deliveries(rows: list[Any], attempts: dict[int, list[Any]]) -> list[dict[str, Any]]:
    return [delivery(r, attempts.get(r.id, [])) for r in rows]
