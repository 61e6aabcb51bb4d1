"""Mail to buyers: a sign-in link goes at the next pass of the mail worker, alone; notifications
(a task assigned, a comment answered) wait their delay and go together, one mail per buyer and
plan; nothing is sent without SMTP."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import httpx
import pytest
from fastapi import FastAPI

from dealbench.evaluations.mailing import send_due
from dealbench.kit.db import utcnow
from dealbench.kit.services import Services
from tests.factories import Factory
from tests.portal.helpers import ok, shared_plan, sign_in_buyer
from tests.portal.smtp import body_of, smtp_server
from tests.web.helpers import csrf_of


@pytest.fixture
async def web(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as c:
        yield c


async def test_the_sign_in_link_arrives_by_mail_and_signs_the_buyer_in(
    web: httpx.AsyncClient, factory: Factory, services: Services
) -> None:
    t = await factory.tenant(name="Vendor Inc")
    world = await shared_plan(web, t)
    page = await ok(await web.get(f"/p/{world['code']}"))
    await web.post(
        f"/p/{world['code']}/signin",
        data={"email": world["buyer"]["email"], "csrf_token": csrf_of(page.text)},
    )
    assert await send_due(services.sessionmaker, services.settings) == 0  # no SMTP: the mail waits
    async with smtp_server() as inbox:
        settings = services.settings.model_copy(
            update={"smtp_url": inbox.url, "buyer_notification_delay_seconds": 0}
        )
        assert await send_due(services.sessionmaker, settings) >= 1
        assert await send_due(services.sessionmaker, settings) == 0  # sent once
    [mail] = [m for m in inbox.to(world["buyer"]["email"]) if "link" in m["Subject"]]
    link = next(w for w in body_of(mail).split() if f"/p/{world['code']}/signin/" in w)
    path = httpx.URL(link).path
    confirm = await ok(await web.get(path))
    assert (await web.post(path, data={"csrf_token": csrf_of(confirm.text)})).status_code == 303
    assert world["plan"]["title"] in (await web.get(f"/p/{world['code']}")).text


async def test_notifications_are_batched_per_buyer_and_plan(
    web: httpx.AsyncClient, factory: Factory, services: Services
) -> None:
    t = await factory.tenant()
    world = await shared_plan(web, t)
    pid = world["plan"]["id"]
    csrf = await sign_in_buyer(web, t, world)
    await web.post(
        f"/p/{world['code']}/comments",
        data={"taskId": str(world["task"]["id"]), "body": "Which format?", "csrf_token": csrf},
    )
    [comment] = (await ok(await web.get(f"/v1/evaluations/{pid}/comments", headers=t.headers)))["items"]
    await web.post(
        f"/v1/evaluations/{pid}/comments", json={"parentId": comment["id"], "body": "CSV."}, headers=t.headers
    )
    async with smtp_server() as inbox:
        waiting = services.settings.model_copy(update={"smtp_url": inbox.url})
        await send_due(services.sessionmaker, waiting)  # the notifications' delay has not passed
        assert inbox.to(world["buyer"]["email"]) == []
        await web.post(
            f"/v1/evaluations/{pid}/tasks",
            json={"title": "Sign the DPA", "side": "BUYER", "assigneeBuyerId": world["buyer"]["id"]},
            headers=t.headers,
        )
        later = utcnow() + timedelta(seconds=services.settings.buyer_notification_delay_seconds + 1)
        await send_due(services.sessionmaker, waiting, now=later)
    [mail] = inbox.to(world["buyer"]["email"])
    text = body_of(mail)
    assert "Send sample data" in text and "Sign the DPA" in text and "CSV." in text


async def test_no_mail_when_the_plan_does_not_notify_its_buyers(
    web: httpx.AsyncClient, factory: Factory, services: Services
) -> None:
    t = await factory.tenant()
    world = await shared_plan(web, t, buyerNotificationsEnabled=False)
    async with smtp_server() as inbox:
        settings = services.settings.model_copy(update={"smtp_url": inbox.url})
        later = utcnow() + timedelta(seconds=settings.buyer_notification_delay_seconds + 1)
        await send_due(services.sessionmaker, settings, now=later)
    assert inbox.to(world["buyer"]["email"]) == []
