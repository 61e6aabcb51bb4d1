"""Optix apps end to end: registration, install (the token arrives by form POST), the token works
with the app's scopes and its changes are the app's, rotation, uninstall, and the sealed outbox."""

from __future__ import annotations

import hashlib
from urllib.parse import parse_qs

import httpx
from sqlalchemy import select
from standardwebhooks.webhooks import Webhook

from dealbench.kit.services import Services
from dealbench.models import WebhookDelivery
from dealbench.webhooks.delivery import Worker
from tests.events.receiver import Received, receiver
from tests.factories import Factory


def form(request: Received) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(request.body.decode()).items()}


def optix_signature(client_id: str, client_secret: str, created: str) -> str:
    return hashlib.sha1((client_id + client_secret + created).encode()).hexdigest()


async def test_an_app_is_installed_rotated_and_uninstalled(
    hook_client: httpx.AsyncClient, hook_services: Services, factory: Factory, worker: Worker
) -> None:
    t = await factory.tenant()
    with receiver() as rx:
        r = await hook_client.post(
            "/v1/apps",
            headers=t.headers,
            json={
                "name": "Optix sync",
                "webhookUrl": rx.url,
                "scopes": ["deals:write", "events:read"],
                "events": ["deal.*"],
            },
        )
        assert r.status_code == 201, r.text
        app = r.json()
        client_id, client_secret = app["clientId"], app["clientSecret"]
        assert (
            app["tokenId"] is None
            and "clientSecret"
            not in (await hook_client.get(f"/v1/apps/{app['id']}", headers=t.headers)).json()
        )

        r = await hook_client.post(f"/v1/apps/{app['id']}/install", headers=t.headers)
        assert r.status_code == 200, r.text
        async with hook_services.sessionmaker() as session:
            [sealed] = (
                await session.execute(
                    select(WebhookDelivery.payload_sealed).where(WebhookDelivery.app_id == app["id"])
                )
            ).scalars()
        assert sealed is not None and b"dbk_" not in sealed  # the token waits encrypted
        await worker.drain()
        [install] = rx.requests
        fields = form(install)
        assert fields["event"] == "app_install"
        assert fields["client_id"] == client_id
        assert fields["organization_id"] == str(t.org.id)
        assert fields["request_signature"] == optix_signature(
            client_id, client_secret, fields["created_timestamp"]
        )
        Webhook(client_secret).verify(install.body, install.headers, json_parse=False)
        token = fields["organization_token"]
        assert token.startswith("dbk_") and token.endswith("o")
        async with hook_services.sessionmaker() as session:
            purged = (
                (
                    await session.execute(
                        select(WebhookDelivery.payload_sealed).where(WebhookDelivery.app_id == app["id"])
                    )
                )
                .scalars()
                .all()
            )
        assert purged == [None]

        # The app's token carries the app's scopes, and its changes are the app's.
        app_headers = {"X-API-Key": token}
        assert (await hook_client.get("/v1/users", headers=app_headers)).status_code == 403
        deal = await hook_client.post("/v1/deals", headers=app_headers, json={"name": "From the app"})
        assert deal.status_code == 201
        events = (
            await hook_client.get("/v1/events", headers=app_headers, params={"type": "deal.created"})
        ).json()
        assert events["items"][0]["actor"] == {"type": "app", "id": app["id"]}
        await worker.drain()
        event_post = rx.requests[-1]
        assert Webhook(client_secret).verify(event_post.body, event_post.headers)["type"] == "deal.created"

        r = await hook_client.post(f"/v1/apps/{app['id']}/rotate-token", headers=t.headers)
        assert r.status_code == 200
        await worker.drain()
        updated = form(rx.requests[-1])
        assert updated["event"] == "organization_token_updated"
        new_token = updated["organization_token"]
        assert new_token != token
        assert (await hook_client.get("/v1/deals", headers=app_headers)).status_code == 401
        assert (await hook_client.get("/v1/deals", headers={"X-API-Key": new_token})).status_code == 200

        r = await hook_client.delete(f"/v1/apps/{app['id']}/install", headers=t.headers)
        assert r.status_code == 200 and r.json()["installedAt"] is None
        await worker.drain()
        gone = form(rx.requests[-1])
        assert gone["event"] == "app_uninstall" and "organization_token" not in gone
        assert gone["request_signature"] == optix_signature(
            client_id, client_secret, gone["created_timestamp"]
        )
        assert (await hook_client.get("/v1/deals", headers={"X-API-Key": new_token})).status_code == 401


async def test_an_app_never_gets_more_scopes_than_its_registrar(
    hook_client: httpx.AsyncClient, factory: Factory
) -> None:
    t = await factory.tenant()
    token = await factory.token(t, scopes=["apps:write", "deals:read"])
    r = await hook_client.post(
        "/v1/apps",
        headers={"X-API-Key": token},
        json={"name": "Greedy", "webhookUrl": "http://127.0.0.1:9/x", "scopes": ["deals:write"]},
    )
    assert r.status_code == 403


async def test_an_apps_webhook_url_follows_the_destination_rules(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    t = await factory.tenant()
    r = await client.post(
        "/v1/apps",
        headers=t.headers,
        json={"name": "Local", "webhookUrl": "https://10.0.0.8/x", "scopes": ["deals:read"]},
    )
    assert r.status_code == 400
    assert r.json()["issues"][0]["path"] == ["webhookUrl"]


async def test_another_organizations_app_is_404(hook_client: httpx.AsyncClient, factory: Factory) -> None:
    a, b = await factory.tenant(), await factory.tenant()
    app = (
        await hook_client.post(
            "/v1/apps",
            headers=a.headers,
            json={"name": "A", "webhookUrl": "http://127.0.0.1:9/x", "scopes": ["*:read"]},
        )
    ).json()
    for method, path in [
        ("GET", f"/v1/apps/{app['id']}"),
        ("POST", f"/v1/apps/{app['id']}/install"),
        ("POST", f"/v1/apps/{app['id']}/rotate-token"),
        ("DELETE", f"/v1/apps/{app['id']}/install"),
    ]:
        assert (await hook_client.request(method, path, headers=b.headers)).status_code == 404, path
