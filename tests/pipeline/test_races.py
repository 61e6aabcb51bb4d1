"""Check-then-insert paths of contacts and sales targets under concurrent requests: one consistent
result (one row, the others a clear 409), never a 500. On SQLite writers are serialized, so the
same tests show the same answers there."""

from __future__ import annotations

from typing import Any

from tests.factories import unique
from tests.races import N, bodies, statuses, together


async def test_concurrent_creates_of_one_contact_make_one(client: Any, factory: Any) -> None:
    t = await factory.tenant()
    email = f"{unique('race')}@example.com"
    responses = await together(
        *[
            client.post("/v1/contacts", json={"email": email, "title": f"T{i}"}, headers=t.headers)
            for i in range(N)
        ]
    )
    assert statuses(responses) == {201: 1, 409: N - 1}
    listed = (await client.get("/v1/contacts", headers=t.headers)).json()
    assert [c["email"] for c in listed["items"]] == [email]
    assert listed["items"][0]["id"] == bodies(responses, 201)[0]["id"]


async def test_concurrent_updates_to_one_email_leave_one_holder(client: Any, factory: Any) -> None:
    t = await factory.tenant()
    ids = [
        (
            await client.post("/v1/contacts", json={"email": f"{unique('c')}@example.com"}, headers=t.headers)
        ).json()["id"]
        for _ in range(N)
    ]
    email = f"{unique('taken')}@example.com"
    responses = await together(
        *[client.patch(f"/v1/contacts/{i}", json={"email": email}, headers=t.headers) for i in ids]
    )
    assert statuses(responses) == {200: 1, 409: N - 1}
    listed = (await client.get("/v1/contacts", headers=t.headers)).json()["items"]
    assert [c["id"] for c in listed if c["email"] == email] == [bodies(responses, 200)[0]["id"]]
    assert len(listed) == N


async def test_concurrent_creates_of_one_sales_target_make_one(client: Any, factory: Any) -> None:
    t = await factory.tenant()
    rep = await factory.user(t)
    responses = await together(
        *[
            client.post(
                "/v1/sales-targets",
                json={"userId": rep.id, "month": "2026-02", "amount": 100 + i},
                headers=t.headers,
            )
            for i in range(N)
        ]
    )
    assert statuses(responses) == {201: 1, 409: N - 1}
    listed = (await client.get("/v1/sales-targets", headers=t.headers)).json()
    assert listed["totalCount"] == 1
    assert listed["items"][0]["amount"] == bodies(responses, 201)[0]["amount"]


async def test_concurrent_updates_to_one_month_leave_one_target(client: Any, factory: Any) -> None:
    t = await factory.tenant()
    rep = await factory.user(t)
    ids = []
    for month in range(1, N + 1):
        made = await client.post(
            "/v1/sales-targets",
            json={"userId": rep.id, "month": f"2025-{month:02d}", "amount": 1},
            headers=t.headers,
        )
        ids.append(made.json()["id"])
    responses = await together(
        *[client.put(f"/v1/sales-targets/{i}", json={"month": "2030-01"}, headers=t.headers) for i in ids]
    )
    assert statuses(responses) == {200: 1, 409: N - 1}
    listed = (
        await client.get("/v1/sales-targets", params={"monthFrom": "2030-01"}, headers=t.headers)
    ).json()
    assert [i["id"] for i in listed["items"]] == [bodies(responses, 200)[0]["id"]]
