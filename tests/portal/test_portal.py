"""The buyer portal over HTTP: who opens a plan, signing in, what a buyer does and what the seller
learns of it, the access code's rotation, the neutral answer to an email, rate limits."""

from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy import select

from dealbench.kit.services import Services
from dealbench.kit.uow import transaction
from dealbench.models import BuyerMail, Event
from tests.factories import Factory
from tests.portal.helpers import ok, shared_plan, sign_in_buyer
from tests.web.helpers import csrf_of


async def _events(services: Services, organization_id: int, prefix: str) -> list[Event]:
    async with transaction(services.sessionmaker, write=False) as session:
        rows = await session.execute(
            select(Event).where(Event.organization_id == organization_id, Event.type.startswith(prefix))
        )
        return list(rows.scalars())


async def _mail(services: Services, organization_id: int) -> list[BuyerMail]:
    async with transaction(services.sessionmaker, write=False) as session:
        rows = await session.execute(select(BuyerMail).where(BuyerMail.organization_id == organization_id))
        return list(rows.scalars())


async def test_unknown_draft_and_inactive_plans_are_404(web: httpx.AsyncClient, factory: Factory) -> None:
    t = await factory.tenant()
    world = await shared_plan(web, t, buyerAccessLevel="ANYONE_WITH_LINK")
    assert (await web.get("/p/" + "x" * 32)).status_code == 404
    assert (await web.get("/p/short")).status_code == 404
    pid = world["plan"]["id"]
    for change in ({"mode": "DRAFT"}, {"mode": "PLAN", "active": False}):
        await ok(await web.patch(f"/v1/evaluations/{pid}", json=change, headers=t.headers))
        page = await web.get(f"/p/{world['code']}")
        assert page.status_code == 404
        assert world["plan"]["title"] not in page.text
    await ok(await web.patch(f"/v1/evaluations/{pid}", json={"active": True}, headers=t.headers))
    assert (await web.get(f"/p/{world['code']}")).status_code == 200


async def test_anyone_with_the_link_sees_the_plan_without_signing_in(
    web: httpx.AsyncClient, factory: Factory, services: Services
) -> None:
    t = await factory.tenant(name="Vendor Inc")
    world = await shared_plan(web, t, buyerAccessLevel="ANYONE_WITH_LINK", brandingColorHex="#aa3300")
    page = await ok(await web.get(f"/p/{world['code']}"))
    for shown in (
        world["plan"]["title"],
        "Vendor Inc",
        "Pilot",
        "Imports 1M rows",
        "Send sample data",
        "Kick-off",
    ):
        assert shown in page.text
    assert "Mark done" not in page.text  # acting needs the buyer's sign-in
    assert page.headers["content-security-policy"].startswith("default-src 'self'")
    assert page.headers["x-frame-options"] == "DENY"
    theme = await ok(await web.get(f"/p/{world['code']}/theme.css"))
    assert "#aa3300" in theme.text
    ics = await ok(await web.get(f"/p/{world['code']}/meetings/{world['meeting']['id']}/calendar.ics"))
    assert ics.headers["content-type"].startswith("text/calendar")
    assert "DTSTART:20300102T150000Z" in ics.text and "SUMMARY:Kick-off" in ics.text
    activity = await ok(await web.get(f"/v1/evaluations/{world['plan']['id']}/activity", headers=t.headers))
    assert [a["changes"] for a in activity["items"] if a["action"] == "buyer.viewed"] == [{"email": None}]
    await web.get(f"/p/{world['code']}")  # a reload within half an hour adds nothing
    activity = await ok(await web.get(f"/v1/evaluations/{world['plan']['id']}/activity", headers=t.headers))
    assert len([a for a in activity["items"] if a["action"] == "buyer.viewed"]) == 1
    assert len(await _events(services, t.org.id, "evaluation.buyer.viewed")) == 1
    # acting without signing in is refused
    refused = await web.post(f"/p/{world['code']}/tasks/{world['task']['id']}", data={"completed": "true"})
    assert refused.status_code == 403


async def test_a_restricted_plan_shows_only_the_organization_and_asks_for_an_email(
    web: httpx.AsyncClient, factory: Factory, services: Services
) -> None:
    t = await factory.tenant(name="Vendor Inc")
    world = await shared_plan(web, t)
    page = await ok(await web.get(f"/p/{world['code']}"))
    assert "Vendor Inc" in page.text and 'name="email"' in page.text
    for hidden in (world["plan"]["title"], "Pilot", "Imports 1M rows", "Kick-off"):
        assert hidden not in page.text
    ics = await web.get(f"/p/{world['code']}/meetings/{world['meeting']['id']}/calendar.ics")
    assert ics.status_code == 404
    csrf = csrf_of(page.text)
    invited = await web.post(
        f"/p/{world['code']}/signin", data={"email": world["buyer"]["email"], "csrf_token": csrf}
    )
    stranger = await web.post(
        f"/p/{world['code']}/signin", data={"email": "who@else.example", "csrf_token": csrf}
    )
    assert invited.status_code == stranger.status_code == 200
    assert invited.text == stranger.text  # the same neutral answer
    [mail] = [m for m in await _mail(services, t.org.id) if m.kind == "sign_in"]
    assert mail.to_email == world["buyer"]["email"] and mail.sent_at is None  # queued, not sent inline
    assert f"/p/{world['code']}/signin/" in mail.body


async def test_a_contact_of_the_deal_may_sign_in_too(
    web: httpx.AsyncClient, factory: Factory, services: Services
) -> None:
    t = await factory.tenant()
    world = await shared_plan(web, t)
    await ok(
        await web.post(
            "/v1/contacts",
            json={"email": "Carl@Buyer.example", "dealId": world["deal"]["id"]},
            headers=t.headers,
        ),
        201,
    )
    page = await ok(await web.get(f"/p/{world['code']}"))
    await web.post(
        f"/p/{world['code']}/signin", data={"email": "carl@buyer.example", "csrf_token": csrf_of(page.text)}
    )
    assert [m.to_email for m in await _mail(services, t.org.id) if m.kind == "sign_in"] == [
        "carl@buyer.example"
    ]


async def test_the_buyer_checks_off_a_task_and_comments_and_the_seller_answers(
    web: httpx.AsyncClient, factory: Factory, services: Services
) -> None:
    t = await factory.tenant()
    world = await shared_plan(web, t)
    csrf = await sign_in_buyer(web, t, world)
    code, pid = world["code"], world["plan"]["id"]
    done = await web.post(
        f"/p/{code}/tasks/{world['task']['id']}", data={"completed": "true", "csrf_token": csrf}
    )
    assert done.status_code == 303, done.text
    seller_side = await web.post(
        f"/p/{code}/tasks/{world['seller_task']['id']}", data={"completed": "true", "csrf_token": csrf}
    )
    assert seller_side.status_code == 403
    forged = await web.post(f"/p/{code}/tasks/{world['task']['id']}", data={"completed": "false"})
    assert forged.status_code == 403
    said = await web.post(
        f"/p/{code}/comments",
        data={"criterionId": str(world["criterion"]["id"]), "body": "How fast?", "csrf_token": csrf},
    )
    assert said.status_code == 303, said.text
    tasks = await ok(await web.get(f"/v1/evaluations/{pid}/tasks", headers=t.headers))
    assert [x["completed"] for x in tasks["items"] if x["id"] == world["task"]["id"]] == [True]
    comments = await ok(await web.get(f"/v1/evaluations/{pid}/comments", headers=t.headers))
    [comment] = comments["items"]
    assert comment["authorEmail"] == world["buyer"]["email"] and comment["body"] == "How fast?"
    answer = await ok(
        await web.post(
            f"/v1/evaluations/{pid}/comments",
            json={"parentId": comment["id"], "body": "Minutes."},
            headers=t.headers,
        ),
        201,
    )
    assert answer["criterionId"] == world["criterion"]["id"] and answer["userId"] is not None
    page = await ok(await web.get(f"/p/{code}"))
    assert "How fast?" in page.text and "Minutes." in page.text
    activity = await ok(await web.get(f"/v1/evaluations/{pid}/activity", headers=t.headers))
    actions = {a["action"]: a["changes"] for a in activity["items"]}
    assert actions["buyer.task_completed"]["email"] == world["buyer"]["email"]
    assert actions["buyer.commented"]["email"] == world["buyer"]["email"]
    assert actions["buyer.viewed"] == {"email": world["buyer"]["email"]}
    for kind in ("task_completed", "commented", "viewed"):
        [event] = await _events(services, t.org.id, f"evaluation.buyer.{kind}")
        assert event.actor == {"type": "buyer", "email": world["buyer"]["email"]}
    notes = [m for m in await _mail(services, t.org.id) if m.kind == "notification"]
    assert sorted(m.body.split(":")[0] for m in notes) == [
        f"A task of “{world['plan']['title']}” is assigned to you",
        f"Your comment on “{world['plan']['title']}” was answered",
    ]


async def test_rotating_the_code_ends_the_old_link_and_the_buyer_session(
    web: httpx.AsyncClient, factory: Factory
) -> None:
    t = await factory.tenant()
    world = await shared_plan(web, t)
    await sign_in_buyer(web, t, world)
    old = world["code"]
    assert world["plan"]["title"] in (await web.get(f"/p/{old}")).text
    rotated = await ok(
        await web.post(f"/v1/evaluations/{world['plan']['id']}/rotate-access-code", headers=t.headers)
    )
    assert rotated["accessCode"] != old and rotated["url"].endswith(f"/p/{rotated['accessCode']}")
    assert len(rotated["accessCode"]) == 32  # 192 random bits, base64url
    assert (await web.get(f"/p/{old}")).status_code == 404
    fresh = await ok(await web.get(f"/p/{rotated['accessCode']}"))
    assert world["plan"]["title"] not in fresh.text  # the session ended with the old code


async def test_a_removed_buyer_is_signed_out(web: httpx.AsyncClient, factory: Factory) -> None:
    t = await factory.tenant()
    world = await shared_plan(web, t)
    await sign_in_buyer(web, t, world)
    await ok(
        await web.delete(
            f"/v1/evaluations/{world['plan']['id']}/buyers/{world['buyer']['id']}", headers=t.headers
        )
    )
    assert world["plan"]["title"] not in (await web.get(f"/p/{world['code']}")).text
    tasks = await ok(await web.get(f"/v1/evaluations/{world['plan']['id']}/tasks", headers=t.headers))
    assert all(x["assigneeBuyerId"] is None for x in tasks["items"])


async def test_a_sign_in_link_works_once(web: httpx.AsyncClient, factory: Factory) -> None:
    t = await factory.tenant()
    world = await shared_plan(web, t)
    link = await ok(
        await web.post(
            f"/v1/evaluations/{world['plan']['id']}/buyers/{world['buyer']['id']}/sign-in-link",
            headers=t.headers,
        )
    )
    path = httpx.URL(link["url"]).path
    csrf = csrf_of((await web.get(path)).text)
    assert (await web.post(path, data={"csrf_token": csrf})).status_code == 303
    web.cookies.clear()
    csrf = csrf_of((await web.get(path)).text)
    assert (await web.post(path, data={"csrf_token": csrf})).status_code == 404


async def test_the_portal_is_rate_limited_per_code_and_per_address(
    web: httpx.AsyncClient, factory: Factory, services: Services, monkeypatch: Any
) -> None:
    t = await factory.tenant()
    world = await shared_plan(web, t, buyerAccessLevel="ANYONE_WITH_LINK")
    monkeypatch.setattr(services.settings, "portal_requests_per_code", 3)
    for _ in range(3):
        assert (await web.get(f"/p/{world['code']}")).status_code == 200
    refused = await web.get(f"/p/{world['code']}")
    assert refused.status_code == 429 and "retry-after" in refused.headers
    monkeypatch.setattr(services.settings, "portal_requests_per_code", 1000)
    monkeypatch.setattr(services.settings, "portal_requests_per_address", 2)
    other = await shared_plan(web, t, buyerAccessLevel="ANYONE_WITH_LINK")
    headers = {"X-Forwarded-For": "203.0.113.9"}  # not trusted: the address stays the client's own
    answers = [(await web.get(f"/p/{other['code']}", headers=headers)).status_code for _ in range(5)]
    assert 429 in answers
