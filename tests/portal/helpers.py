"""Helpers of the buyer portal's tests: a shared plan with content, a buyer signed in."""

from __future__ import annotations

from typing import Any

import httpx

from tests.factories import Tenant, unique
from tests.web.helpers import csrf_of


async def ok(response: httpx.Response, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return (
        response.json()
        if response.headers.get("content-type", "").startswith("application/json")
        else response
    )


async def shared_plan(client: httpx.AsyncClient, tenant: Tenant, **fields: Any) -> dict[str, Any]:
    """A deal with a plan (PLAN mode) holding a phase, a criterion, a buyer task, a seller task and
    a meeting; and one invited buyer."""
    h = tenant.headers
    deal = await ok(await client.post("/v1/deals", json={"name": unique("Deal ")}, headers=h), 201)
    body = {"title": unique("Plan "), "dealId": deal["id"], "mode": "PLAN", **fields}
    plan = await ok(await client.post("/v1/evaluations", json=body, headers=h), 201)
    pid = plan["id"]
    phase = await ok(
        await client.post(f"/v1/evaluations/{pid}/phases", json={"title": "Pilot"}, headers=h), 201
    )
    criterion = await ok(
        await client.post(
            f"/v1/evaluations/{pid}/criteria",
            json={"title": "Imports 1M rows", "phaseId": phase["id"]},
            headers=h,
        ),
        201,
    )
    buyer = await ok(
        await client.post(
            f"/v1/evaluations/{pid}/buyers",
            json={"email": f"{unique('bea')}@buyer.example", "name": "Bea"},
            headers=h,
        ),
        201,
    )
    task = await ok(
        await client.post(
            f"/v1/evaluations/{pid}/tasks",
            json={
                "title": "Send sample data",
                "side": "BUYER",
                "assigneeBuyerId": buyer["id"],
                "phaseId": phase["id"],
            },
            headers=h,
        ),
        201,
    )
    seller_task = await ok(
        await client.post(f"/v1/evaluations/{pid}/tasks", json={"title": "Set up the sandbox"}, headers=h),
        201,
    )
    meeting = await ok(
        await client.post(
            f"/v1/evaluations/{pid}/meetings",
            json={"title": "Kick-off", "startsAt": "2030-01-02T15:00:00Z", "endsAt": "2030-01-02T16:00:00Z"},
            headers=h,
        ),
        201,
    )
    return {
        "deal": deal,
        "plan": plan,
        "phase": phase,
        "criterion": criterion,
        "buyer": buyer,
        "task": task,
        "seller_task": seller_task,
        "meeting": meeting,
        "code": plan["accessCode"],
    }


async def sign_in_buyer(client: httpx.AsyncClient, tenant: Tenant, world: dict[str, Any]) -> str:
    """Sign the buyer in through a link the seller copies from the API; the page's CSRF token."""
    pid, bid = world["plan"]["id"], world["buyer"]["id"]
    link = await ok(
        await client.post(f"/v1/evaluations/{pid}/buyers/{bid}/sign-in-link", headers=tenant.headers)
    )
    path = httpx.URL(link["url"]).path
    page = await ok(await client.get(path))
    used = await client.post(path, data={"csrf_token": csrf_of(page.text)})
    assert used.status_code == 303, used.text
    plan_page = await ok(await client.get(f"/p/{world['code']}"))
    return csrf_of(plan_page.text)
