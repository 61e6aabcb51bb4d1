"""Webhooks: subscriptions, Standard Webhooks delivery to a real local receiver, retries, the
delivery log, disabling, the destinations refused."""

from __future__ import annotations

import httpx
import pytest
from standardwebhooks.webhooks import Webhook

from dealbench.kit.services import Services
from dealbench.webhooks.delivery import Worker
from tests.events.conftest import make_worker
from tests.events.receiver import Received, receiver
from tests.factories import Factory, Tenant


def verify(secret: str, request: Received) -> dict:
    """The reference algorithm (the ``standardwebhooks`` library) accepts the request."""
    return Webhook(secret).verify(request.body, request.headers)  # type: ignore[no-any-return]


async def _subscribe(client: httpx.AsyncClient, t: Tenant, url: str, events: list[str]) -> dict:
    r = await client.post("/v1/webhooks", headers=t.headers, json={"url": url, "events": events})
    assert r.status_code == 201, r.text
    return r.json()  # type: ignore[no-any-return]


async def test_a_matching_change_arrives_signed(
    hook_client: httpx.AsyncClient, factory: Factory, worker: Worker
) -> None:
    t = await factory.tenant()
    with receiver() as rx:
        hook = await _subscribe(hook_client, t, rx.url, ["ticket.*", "deal.created"])
        assert hook["secret"].startswith("whsec_")
        deal = (await hook_client.post("/v1/deals", headers=t.headers, json={"name": "Signed"})).json()
        await hook_client.patch(
            f"/v1/deals/{deal['id']}", headers=t.headers, json={"stage": "X"}
        )  # not subscribed
        await worker.drain()
        assert len(rx.requests) == 1
        body = verify(hook["secret"], rx.requests[0])
    assert body["type"] == "deal.created"
    assert body["data"] == deal
    assert set(body) >= {"type", "timestamp", "data"}
    assert rx.requests[0].headers["webhook-id"].startswith("evt_")
    assert rx.requests[0].headers["content-type"] == "application/json"


async def test_failed_deliveries_are_retried_with_the_same_webhook_id(
    hook_client: httpx.AsyncClient, factory: Factory, worker: Worker
) -> None:
    t = await factory.tenant()
    with receiver() as rx:
        rx.statuses = [500, 503]
        hook = await _subscribe(hook_client, t, rx.url, ["deal.*"])
        await hook_client.post("/v1/deals", headers=t.headers, json={"name": "Retry"})
        await worker.drain()
        assert len(rx.requests) == 3
        ids = {r.headers["webhook-id"] for r in rx.requests}
        for request in rx.requests:
            verify(hook["secret"], request)
    assert len(ids) == 1
    log = (await hook_client.get(f"/v1/webhooks/{hook['id']}/deliveries", headers=t.headers)).json()
    [delivery] = log["items"]
    assert delivery["status"] == "succeeded"
    assert delivery["attempts"] == 3
    assert [a["statusCode"] for a in delivery["log"]] == [500, 503, 200]
    assert delivery["log"][0]["response"] == "answered 500"
    assert delivery["messageId"] == ids.pop()


async def test_a_delivery_gives_up_when_the_delays_are_spent_and_can_be_redelivered(
    hook_client: httpx.AsyncClient, factory: Factory, worker: Worker
) -> None:
    t = await factory.tenant()
    with receiver() as rx:
        rx.statuses = [500, 500, 500]
        hook = await _subscribe(hook_client, t, rx.url, ["deal.created"])
        await hook_client.post("/v1/deals", headers=t.headers, json={"name": "Gives up"})
        await worker.drain()
        [delivery] = (
            await hook_client.get(f"/v1/webhooks/{hook['id']}/deliveries", headers=t.headers)
        ).json()["items"]
        assert delivery["status"] == "failed"
        r = await hook_client.post(
            f"/v1/webhooks/{hook['id']}/deliveries/{delivery['id']}/redeliver", headers=t.headers
        )
        assert r.status_code == 202, r.text
        await worker.drain()
        assert len(rx.requests) == 4
        assert len({r.headers["webhook-id"] for r in rx.requests}) == 1
    [delivery] = (await hook_client.get(f"/v1/webhooks/{hook['id']}/deliveries", headers=t.headers)).json()[
        "items"
    ]
    assert delivery["status"] == "succeeded"


async def test_redirects_are_not_followed(
    hook_client: httpx.AsyncClient, factory: Factory, worker: Worker
) -> None:
    t = await factory.tenant()
    with receiver() as rx, receiver() as other:
        rx.statuses, rx.redirect_to = [307, 307, 307], other.url
        hook = await _subscribe(hook_client, t, rx.url, ["deal.created"])
        await hook_client.post("/v1/deals", headers=t.headers, json={"name": "Redirected"})
        await worker.drain()
        assert other.requests == []
    [delivery] = (await hook_client.get(f"/v1/webhooks/{hook['id']}/deliveries", headers=t.headers)).json()[
        "items"
    ]
    assert delivery["status"] == "failed"


async def test_an_endpoint_failing_too_long_is_disabled(
    hook_client: httpx.AsyncClient, hook_services: Services, factory: Factory
) -> None:
    t = await factory.tenant()
    with receiver() as rx:
        rx.statuses = [500] * 10
        hook = await _subscribe(hook_client, t, rx.url, ["deal.created"])
        await hook_client.post("/v1/deals", headers=t.headers, json={"name": "Down"})
        async with make_worker(hook_services, webhook_disable_after_hours=0) as w:
            await w.drain()
        await hook_client.post("/v1/deals", headers=t.headers, json={"name": "Not sent"})
        async with make_worker(hook_services) as w:
            await w.drain()
        assert len(rx.requests) == 1
    shown = (await hook_client.get(f"/v1/webhooks/{hook['id']}", headers=t.headers)).json()
    assert shown["enabled"] is False
    assert shown["disabledReason"]
    r = await hook_client.patch(f"/v1/webhooks/{hook['id']}", headers=t.headers, json={"enabled": True})
    assert r.json()["enabled"] is True and r.json()["failingSince"] is None


async def test_the_previous_secret_keeps_signing_after_a_rotation(
    hook_client: httpx.AsyncClient, factory: Factory, worker: Worker
) -> None:
    t = await factory.tenant()
    with receiver() as rx:
        hook = await _subscribe(hook_client, t, rx.url, ["*"])
        r = await hook_client.post(f"/v1/webhooks/{hook['id']}/rotate-secret", headers=t.headers)
        assert r.status_code == 200
        new = r.json()["secret"]
        assert new != hook["secret"] and new.startswith("whsec_")
        await hook_client.post("/v1/deals", headers=t.headers, json={"name": "Rotated"})
        await worker.drain()
        [request] = rx.requests
    verify(new, request)
    verify(hook["secret"], request)
    assert len(request.headers["webhook-signature"].split(" ")) == 2


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8080/hook",
        "https://127.0.0.1/hook",
        "https://localhost/hook",
        "https://10.1.2.3/hook",
        "https://192.168.0.10/hook",
        "https://169.254.169.254/latest",
        "https://0.0.0.0/hook",
        "https://[::1]/hook",
        "https://[::ffff:127.0.0.1]/hook",
        "https://[::ffff:10.0.0.1]/hook",
        "https://[fe80::1]/hook",
        "https://[fd00::1]/hook",
        "ftp://example.com/hook",
        "https://user:pw@8.8.8.8/hook",
    ],
)
async def test_private_destinations_are_refused(
    client: httpx.AsyncClient, factory: Factory, url: str
) -> None:
    t = await factory.tenant()
    r = await client.post("/v1/webhooks", headers=t.headers, json={"url": url, "events": ["*"]})
    assert r.status_code == 400, r.text
    assert r.json()["issues"][0]["path"] == ["url"]


async def test_a_destination_that_turned_private_is_refused_at_connection(
    hook_client: httpx.AsyncClient, hook_services: Services, factory: Factory
) -> None:
    t = await factory.tenant()
    with receiver() as rx:
        hook = await _subscribe(hook_client, t, rx.url, ["deal.created"])
        await hook_client.post("/v1/deals", headers=t.headers, json={"name": "Rebound"})
        async with make_worker(hook_services, webhook_allow_private=False) as w:
            await w.drain()
        assert rx.requests == []
    [delivery] = (await hook_client.get(f"/v1/webhooks/{hook['id']}/deliveries", headers=t.headers)).json()[
        "items"
    ]
    assert delivery["status"] == "failed"
    assert "does not send there" in delivery["log"][0]["error"] or "https" in delivery["log"][0]["error"]


async def test_bad_event_filters_are_refused(hook_client: httpx.AsyncClient, factory: Factory) -> None:
    t = await factory.tenant()
    r = await hook_client.post(
        "/v1/webhooks",
        headers=t.headers,
        json={"url": "http://127.0.0.1:9/x", "events": ["deal.created", "Deal..x"]},
    )
    assert r.status_code == 400
    assert r.json()["issues"][0]["path"] == ["events", 1]


async def test_another_organizations_webhook_is_404(hook_client: httpx.AsyncClient, factory: Factory) -> None:
    a, b = await factory.tenant(), await factory.tenant()
    hook = await _subscribe(hook_client, a, "http://127.0.0.1:9/x", ["*"])
    for method, path in [
        ("GET", f"/v1/webhooks/{hook['id']}"),
        ("PATCH", f"/v1/webhooks/{hook['id']}"),
        ("DELETE", f"/v1/webhooks/{hook['id']}"),
        ("POST", f"/v1/webhooks/{hook['id']}/rotate-secret"),
        ("GET", f"/v1/webhooks/{hook['id']}/deliveries"),
        ("POST", f"/v1/webhooks/{hook['id']}/deliveries/1/redeliver"),
    ]:
        r = await hook_client.request(method, path, headers=b.headers, json={} if method == "PATCH" else None)
        assert r.status_code == 404, (method, path, r.text)
    listed = (await hook_client.get("/v1/webhooks", headers=b.headers)).json()
    assert listed["items"] == []


async def test_a_subscription_can_be_changed_and_deleted(
    hook_client: httpx.AsyncClient, factory: Factory
) -> None:
    t = await factory.tenant()
    hook = await _subscribe(hook_client, t, "http://127.0.0.1:9/x", ["deal.*"])
    r = await hook_client.patch(
        f"/v1/webhooks/{hook['id']}",
        headers=t.headers,
        json={"events": ["ticket.created"], "description": "CRM"},
    )
    assert r.status_code == 200 and r.json()["events"] == ["ticket.created"] and "secret" not in r.json()
    assert (await hook_client.delete(f"/v1/webhooks/{hook['id']}", headers=t.headers)).status_code == 200
    assert (await hook_client.get(f"/v1/webhooks/{hook['id']}", headers=t.headers)).status_code == 404


def test_patterns_match_one_or_more_segments() -> None:
    from dealbench.webhooks.patterns import matches

    assert matches("evaluation.*", "evaluation.updated")
    assert matches("evaluation.*", "evaluation.buyer.viewed")
    assert not matches("evaluation.*", "evaluation")
    assert not matches("deal.created", "deal.created.more")
    assert matches("*", "deal.created")
    assert matches("*.created", "evaluation.criterion.created")
    assert not matches("deal.*", "deals.created")
