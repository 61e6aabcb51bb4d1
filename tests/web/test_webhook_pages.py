"""The webhooks settings page: subscribe (the secret shown once), change, disable and enable,
rotate the secret, the delivery log with "send again", delete; another organization's
subscription is a 404 page."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import httpx
import pytest

from dealbench.app import create_app
from dealbench.kit.services import Services
from dealbench.models import Role
from dealbench.settings import Settings
from tests.conftest import built_services
from tests.cross_tenant.events import CLOSED, dispatch_all, webhook_of
from tests.factories import Factory


@pytest.fixture
async def local(settings: Settings) -> AsyncIterator[tuple[httpx.AsyncClient, Services]]:
    """An app that may send to local addresses (the subscriptions point at a closed local port)."""
    async with built_services(settings.model_copy(update={"webhook_allow_private": True})) as services:
        app = create_app(services.settings, services)
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app),
            base_url="http://testserver",
            headers={"Accept": "text/html"},
        ) as client:
            yield client, services


async def test_subscribe_change_rotate_redeliver_delete(local: tuple[httpx.AsyncClient, Services]) -> None:
    web, services = local
    factory = Factory(services)
    tenant = await factory.tenant()
    admin = await factory.browser(tenant, Role.ADMIN)
    web.cookies.set("dealbench_session", admin.cookie)
    empty = await web.get("/settings/webhooks")
    assert empty.status_code == 200 and "No subscriptions yet" in empty.text
    bad = await web.post(
        "/settings/webhooks", data={"url": "ftp://x", "events": "deal.created", "csrf_token": admin.csrf}
    )
    assert bad.status_code == 400 and 'id="e-url"' in bad.text
    bad = await web.post(
        "/settings/webhooks", data={"url": CLOSED, "events": "Not Valid!", "csrf_token": admin.csrf}
    )
    assert bad.status_code == 400 and 'id="e-events"' in bad.text
    made = await web.post(
        "/settings/webhooks",
        data={
            "url": CLOSED,
            "events": "deal.created\nticket.*",
            "description": "CRM",
            "csrf_token": admin.csrf,
        },
    )
    assert made.status_code == 201, made.text
    secret = re.search(r'id="new-secret">(whsec_[^<]+)<', made.text)
    assert secret
    hook_id = int(re.search(r'href="/settings/webhooks/(\d+)"', made.text).group(1))  # type: ignore[union-attr]
    assert secret.group(1) not in (await web.get("/settings/webhooks")).text  # shown once
    url = f"/settings/webhooks/{hook_id}"

    changed = await web.post(url, data={"url": CLOSED, "events": "deal.*", "csrf_token": admin.csrf})
    assert changed.status_code == 303  # "enabled" not ticked: disabled
    api = (await web.get(f"/v1/webhooks/{hook_id}", headers=tenant.headers)).json()
    assert api["events"] == ["deal.*"] and api["enabled"] is False and api["description"] is None
    page = await web.get(url)
    assert "Disabled" in page.text and "Send again" not in page.text
    assert (
        await web.post(url, data={"url": CLOSED, "events": "", "enabled": "on", "csrf_token": admin.csrf})
    ).status_code == 400
    enabled = await web.post(
        url, data={"url": CLOSED, "events": "deal.created", "enabled": "on", "csrf_token": admin.csrf}
    )
    assert enabled.status_code == 303

    rotated = await web.post(f"{url}/rotate-secret", data={"csrf_token": admin.csrf})
    new_secret = re.search(r'id="new-secret">(whsec_[^<]+)<', rotated.text)
    assert rotated.status_code == 200 and new_secret and new_secret.group(1) != secret.group(1)

    assert "No deliveries yet" in (await web.get(url)).text
    deal = await web.post("/v1/deals", json={"name": "Hooked"}, headers=tenant.headers)
    assert deal.status_code == 201
    await dispatch_all(services)
    log = await web.get(url)
    assert "deal.created" in log.text
    delivery_id = re.search(r"/deliveries/(\d+)/redeliver", log.text)
    assert delivery_id
    again = await web.post(
        f"{url}/deliveries/{delivery_id.group(1)}/redeliver", data={"csrf_token": admin.csrf}
    )
    assert again.status_code == 303

    gone = await web.post(f"{url}/delete", data={"csrf_token": admin.csrf})
    assert gone.status_code == 303
    assert (await web.get(url)).status_code == 404


async def test_other_organizations_subscription_is_a_404_and_members_get_403(
    local: tuple[httpx.AsyncClient, Services],
) -> None:
    web, services = local
    factory = Factory(services)
    tenant, other = await factory.tenant(), await factory.tenant()
    theirs = await webhook_of(factory, other)
    admin = await factory.browser(tenant, Role.ADMIN)
    web.cookies.set("dealbench_session", admin.cookie)
    assert (await web.get(f"/settings/webhooks/{theirs}")).status_code == 404
    for action in ("rotate-secret", "delete"):
        assert (
            await web.post(f"/settings/webhooks/{theirs}/{action}", data={"csrf_token": admin.csrf})
        ).status_code == 404
    assert (
        await web.post(f"/settings/webhooks/{theirs}/delete", data={})
    ).status_code == 403  # no CSRF token
    member = await factory.browser(tenant, Role.MEMBER)
    web.cookies.set("dealbench_session", member.cookie)
    assert (await web.get("/settings/webhooks")).status_code == 403
