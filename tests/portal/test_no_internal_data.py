"""Nothing internal reaches the portal: a plan whose deal is full of internal data (amounts, notes,
reasons, the next step, another plan, documents not shared, requests not shared, the outcome notes,
users and tokens), rendered for a signed-in buyer, and every page and file the portal serves is
searched for each of them."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI

from tests.factories import Factory
from tests.portal.helpers import ok, shared_plan, sign_in_buyer

SECRETS = {
    "amount": "987654321",
    "expected revenue": "123456789",
    "deal name": "SECRET-DEAL-NAME",
    "deal description": "SECRET-DEAL-DESCRIPTION",
    "next step": "SECRET-NEXT-STEP",
    "lost reason": "SECRET-LOST-REASON",
    "summary": "SECRET-SUMMARY",
    "note": "SECRET-NOTE-BODY",
    "note title": "SECRET-NOTE-TITLE",
    "outcome note": "SECRET-OUTCOME-NOTE",
    "other plan": "SECRET-OTHER-PLAN",
    "other plan's task": "SECRET-OTHER-TASK",
    "unshared document": "SECRET-UNSHARED-DOC",
    "unshared request": "SECRET-UNSHARED-REQUEST",
    "request description": "SECRET-REQUEST-DESCRIPTION",
    "request url": "secret-tracker.example",
    "contact": "secret-contact@buyer.example",
    "seller's email": "@example.com",
    "api token": "dbk_",
}


@pytest.fixture
async def web(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as c:
        yield c


async def test_the_portal_shows_nothing_internal(web: httpx.AsyncClient, factory: Factory) -> None:
    t = await factory.tenant(name="Vendor Inc")
    world = await shared_plan(web, t)
    h, deal_id, pid = t.headers, world["deal"]["id"], world["plan"]["id"]
    await ok(
        await web.patch(
            f"/v1/deals/{deal_id}",
            json={
                "name": SECRETS["deal name"],
                "amount": 987654321,
                "expectedRevenue": 123456789,
                "description": SECRETS["deal description"],
                "nextStep": SECRETS["next step"],
                "closedLostReason": SECRETS["lost reason"],
                "summary": SECRETS["summary"],
                "ownerUserId": t.admin.id,
            },
            headers=h,
        )
    )
    await ok(
        await web.post(
            f"/v1/deals/{deal_id}/notes",
            json={"title": SECRETS["note title"], "body": SECRETS["note"]},
            headers=h,
        ),
        201,
    )
    await ok(
        await web.patch(
            f"/v1/evaluations/{pid}/criteria/{world['criterion']['id']}",
            json={"outcome": "MEETS", "outcomeNote": SECRETS["outcome note"]},
            headers=h,
        )
    )
    await ok(
        await web.post("/v1/contacts", json={"email": SECRETS["contact"], "dealId": deal_id}, headers=h), 201
    )
    other = await ok(await web.post("/v1/evaluations", json={"title": SECRETS["other plan"]}, headers=h), 201)
    await ok(
        await web.post(
            f"/v1/evaluations/{other['id']}/tasks", json={"title": SECRETS["other plan's task"]}, headers=h
        ),
        201,
    )
    project = await ok(
        await web.post("/v1/projects", json={"name": "Files", "dealId": deal_id}, headers=h), 201
    )
    files = {"file": ("shared.txt", b"shared content", "text/plain")}
    shared = await ok(await web.post(f"/v1/projects/{project['id']}/documents", files=files, headers=h), 201)
    await ok(
        await web.post(
            f"/v1/projects/{project['id']}/documents/{shared['id']}/share",
            json={"sharedWithBuyer": True},
            headers=h,
        )
    )
    hidden = {"file": (f"{SECRETS['unshared document']}.txt", b"internal", "text/plain")}
    unshared = await ok(
        await web.post(f"/v1/projects/{project['id']}/documents", files=hidden, headers=h), 201
    )
    for title, shared_flag in (("Bulk export", True), (SECRETS["unshared request"], False)):
        ticket = {
            "title": title,
            "type": "FEATURE",
            "state": "ROADMAP",
            "description": SECRETS["request description"],
            "vendorEntityUrl": f"https://{SECRETS['request url']}/1",
            "targetDueDate": "2030-03-01T00:00:00Z",
            "deals": [{"id": deal_id, "sharedWithBuyer": shared_flag, "priority": "BLOCKER"}],
        }
        await ok(await web.post("/v1/tickets", json=ticket, headers=h), 201)

    await sign_in_buyer(web, t, world)
    code = world["code"]
    page = await ok(await web.get(f"/p/{code}"))
    assert "Bulk export" in page.text and "roadmap" in page.text  # the shared request
    assert "shared.txt" in page.text and "meets" in page.text
    served = [
        page.text,
        (await ok(await web.get(f"/p/{code}/meetings/{world['meeting']['id']}/calendar.ics"))).text,
        (await ok(await web.get(f"/p/{code}/documents/{shared['id']}"))).text,
        (await ok(await web.get(f"/p/{code}/theme.css"))).text,
    ]
    assert served[2] == "shared content"
    assert (await web.get(f"/p/{code}/documents/{unshared['id']}")).status_code == 404
    for name, secret in SECRETS.items():
        for body in served:
            assert secret not in body, f"the portal shows the {name}"
    # ids of the seller's side are not shown either (the deal's, the owner's)
    assert f"/deals/{deal_id}" not in page.text
