"""The delivery worker: several workers share the work without sending an event twice, an attempt
cut short by a dying process is made again, and a disabled subscription's admins are emailed."""

from __future__ import annotations

import asyncio
import socket
from datetime import timedelta
from email import message_from_bytes
from typing import Any

import httpx
from aiosmtpd.controller import Controller
from sqlalchemy import update

from dealbench.kit.db import utcnow
from dealbench.kit.services import Services
from dealbench.models import WebhookDelivery
from tests.events.conftest import make_worker
from tests.events.receiver import receiver
from tests.factories import Factory


async def _subscribe(client: httpx.AsyncClient, headers: dict[str, str], url: str) -> dict[str, Any]:
    r = await client.post("/v1/webhooks", headers=headers, json={"url": url, "events": ["deal.*"]})
    assert r.status_code == 201, r.text
    return r.json()  # type: ignore[no-any-return]


async def test_two_workers_deliver_each_event_once(
    hook_client: httpx.AsyncClient, hook_services: Services, factory: Factory
) -> None:
    t = await factory.tenant()
    with receiver() as rx:
        await _subscribe(hook_client, t.headers, rx.url)
        for i in range(30):
            await hook_client.post("/v1/deals", headers=t.headers, json={"name": f"Deal {i}"})
        async with (
            make_worker(hook_services, webhook_retry_delays=[]) as a,
            make_worker(hook_services, webhook_retry_delays=[]) as b,
        ):
            a.batch = b.batch = 7
            await asyncio.gather(a.drain(), b.drain())
        ids = [r.headers["webhook-id"] for r in rx.requests]
    assert len(ids) == 30
    assert len(set(ids)) == 30


async def test_an_attempt_cut_short_is_made_again_with_the_same_webhook_id(
    hook_client: httpx.AsyncClient, hook_services: Services, factory: Factory
) -> None:
    t = await factory.tenant()
    with receiver() as rx:
        hook = await _subscribe(hook_client, t.headers, rx.url)
        await hook_client.post("/v1/deals", headers=t.headers, json={"name": "Cut short"})
        async with make_worker(hook_services) as dying:
            await dying.dispatch()
            jobs = await dying.claim()  # claimed, then the process dies before sending
        assert [j for j in jobs if j.url == rx.url]
        async with make_worker(hook_services) as other:
            await other.drain()
            assert rx.requests == []  # the lease still holds
            async with hook_services.sessionmaker() as session:
                await session.execute(
                    update(WebhookDelivery)
                    .where(WebhookDelivery.endpoint_id == hook["id"])
                    .values(next_attempt_at=utcnow() - timedelta(seconds=1))
                )
                await session.commit()
            await other.drain()
        [request] = rx.requests
    log = (await hook_client.get(f"/v1/webhooks/{hook['id']}/deliveries", headers=t.headers)).json()
    assert log["items"][0]["messageId"] == request.headers["webhook-id"]
    assert log["items"][0]["status"] == "succeeded"


class _Inbox:
    def __init__(self) -> None:
        self.messages: list[bytes] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(envelope.content)
        return "250 OK"


async def test_the_admins_are_emailed_when_a_subscription_is_disabled(
    hook_client: httpx.AsyncClient, hook_services: Services, factory: Factory
) -> None:
    inbox = _Inbox()
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    await asyncio.to_thread(controller.start)
    try:
        t = await factory.tenant()
        with receiver() as rx:
            rx.statuses = [500] * 5
            await _subscribe(hook_client, t.headers, rx.url)
            await hook_client.post("/v1/deals", headers=t.headers, json={"name": "Down"})
            async with make_worker(
                hook_services, webhook_disable_after_hours=0, smtp_url=f"smtp://127.0.0.1:{port}"
            ) as w:
                await w.drain()
    finally:
        await asyncio.to_thread(controller.stop)
    # (other tests' failing subscriptions may be disabled by this pass too: their admins get theirs)
    [msg] = [m for m in map(message_from_bytes, inbox.messages) if t.admin.email in m["To"]]
    assert "disabled" in msg["Subject"]
    assert rx.url in msg.get_payload(decode=True).decode()  # type: ignore[union-attr]


async def test_the_server_process_delivers_by_itself(hook_settings: Any, factory: Factory) -> None:
    """The embedded default: the app's lifespan runs the worker beside the server."""
    from dealbench.app import create_app

    services = Services.build(hook_settings.model_copy(update={"webhook_poll_interval": 0.05}))
    app = create_app(services.settings, services)
    t = await factory.tenant()
    with receiver() as rx:
        async with (
            app.router.lifespan_context(app),
            httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as c,
        ):
            await _subscribe(c, t.headers, rx.url)
            await c.post("/v1/deals", headers=t.headers, json={"name": "Embedded"})
            for _ in range(600):  # a guard against a hang, not a timing threshold
                if rx.requests:
                    break
                await asyncio.sleep(0.05)
        assert len(rx.requests) == 1
