"""Webhook subscriptions in the web app (administrators): ``/settings/webhooks`` lists them and
subscribes a URL to event types (the signing secret shown once); ``/settings/webhooks/{webhook_id}``
changes one, rotates its secret, deletes it, and shows its delivery log with a "send again" per
delivery. Over the webhooks service of ``/v1/webhooks``."""

from __future__ import annotations

import re
from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from pydantic import ValidationError
from starlette.responses import Response

from dealbench.auth.principal import Principal
from dealbench.auth.sessions import page_scoped
from dealbench.kit.errors import ValidationFailed
from dealbench.kit.pages import field_errors, redirect, render
from dealbench.kit.pagination import ListParams
from dealbench.kit.services import AppServices, Services
from dealbench.kit.session import DbSession
from dealbench.webhooks import presenter, service
from dealbench.webhooks.schemas import WebhookCreate, WebhookUpdate

router = APIRouter(tags=["pages"], include_in_schema=False)

WebhooksAdmin = Annotated[Principal, page_scoped("webhooks:write")]
WebhookId = Annotated[int, Path(ge=1, le=2**31 - 1)]
DeliveryId = Annotated[int, Path(ge=1, le=2**31 - 1)]
#: How many subscriptions, and how many of a subscription's newest deliveries, a page shows.
LIST_LIMIT = 200
LOG_LIMIT = 50
_SPLIT = re.compile(r"[\s,]+")


def _outbound(services: Services) -> service.Outbound:
    return service.Outbound(services.secret_key, services.settings.webhook_allow_private)


def _form(form: Any) -> tuple[dict[str, Any], dict[str, str]]:
    """The body of a create or update (event types one per line or comma-separated), and the
    values to show back in the form."""
    shown = {k: str(form.get(k) or "") for k in ("url", "events", "description")}
    body: dict[str, Any] = {
        "url": shown["url"].strip(),
        "events": [e for e in _SPLIT.split(shown["events"]) if e],
        "description": shown["description"].strip() or None,
    }
    return body, shown


async def _list(
    request: Request, session: DbSession, principal: Principal, status: int = 200, **extra: Any
) -> Response:
    rows, total = await service.list_webhooks(session, principal, ListParams(limit=LIST_LIMIT))
    context = {"hooks": presenter.webhooks(rows), "total": total, "values": {}, "errors": {}, **extra}
    return render(request, "settings/webhooks.html", context, status)


@router.get("/settings/webhooks")
async def webhooks_page(request: Request, principal: WebhooksAdmin, session: DbSession) -> Response:
    return await _list(request, session, principal)


@router.post("/settings/webhooks")
async def create_webhook(
    request: Request, principal: WebhooksAdmin, session: DbSession, services: AppServices
) -> Response:
    body, shown = _form(await request.form())
    try:
        endpoint, secret = await service.create_webhook(
            session, principal, WebhookCreate.model_validate(body), _outbound(services)
        )
    except (ValidationError, ValidationFailed) as exc:
        return await _list(request, session, principal, 400, values=shown, errors=field_errors(exc))
    return await _list(request, session, principal, 201, created=presenter.with_secret(endpoint, secret))


async def _detail(
    request: Request,
    session: DbSession,
    principal: Principal,
    webhook_id: int,
    status: int = 200,
    **extra: Any,
) -> Response:
    hook = presenter.webhook(await service.get_webhook(session, principal, webhook_id))
    rows, attempts, total = await service.list_deliveries(
        session, principal, webhook_id, ListParams(limit=LOG_LIMIT)
    )
    shown = {**hook, "events": "\n".join(hook["events"]), "description": hook["description"] or ""}
    context = {
        "hook": hook,
        "deliveries": presenter.deliveries(rows, attempts),
        "total": total,
        "values": shown,
        "errors": {},
        "secret": None,
        **extra,
    }
    return render(request, "settings/webhook.html", context, status)


@router.get("/settings/webhooks/{webhook_id}")
async def webhook_page(
    request: Request, webhook_id: WebhookId, principal: WebhooksAdmin, session: DbSession
) -> Response:
    return await _detail(request, session, principal, webhook_id)


@router.post("/settings/webhooks/{webhook_id}")
async def update_webhook(
    request: Request,
    webhook_id: WebhookId,
    principal: WebhooksAdmin,
    session: DbSession,
    services: AppServices,
) -> Response:
    form = await request.form()
    body, shown = _form(form)
    body["enabled"] = form.get("enabled") == "on"
    await service.get_webhook(session, principal, webhook_id)  # another organization's: the 404 page
    try:
        update = WebhookUpdate.model_validate(body)
        await service.update_webhook(session, principal, webhook_id, update, _outbound(services))
    except (ValidationError, ValidationFailed) as exc:
        values = {**shown, "enabled": body["enabled"]}
        return await _detail(
            request, session, principal, webhook_id, 400, values=values, errors=field_errors(exc)
        )
    return redirect(request, f"/settings/webhooks/{webhook_id}")


@router.post("/settings/webhooks/{webhook_id}/rotate-secret")
async def rotate_secret(
    request: Request,
    webhook_id: WebhookId,
    principal: WebhooksAdmin,
    session: DbSession,
    services: AppServices,
) -> Response:
    _, secret = await service.rotate_secret(session, principal, webhook_id, _outbound(services))
    return await _detail(request, session, principal, webhook_id, secret=secret)


@router.post("/settings/webhooks/{webhook_id}/delete")
async def delete_webhook(
    request: Request, webhook_id: WebhookId, principal: WebhooksAdmin, session: DbSession
) -> Response:
    await service.delete_webhook(session, principal, webhook_id)
    return redirect(request, "/settings/webhooks")


@router.post("/settings/webhooks/{webhook_id}/deliveries/{delivery_id}/redeliver")
async def redeliver(
    request: Request,
    webhook_id: WebhookId,
    delivery_id: DeliveryId,
    principal: WebhooksAdmin,
    session: DbSession,
) -> Response:
    await service.redeliver(session, principal, webhook_id, delivery_id)
    return redirect(request, f"/settings/webhooks/{webhook_id}")
