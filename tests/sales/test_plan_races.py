"""Plan content under concurrent requests: positions stay a permutation of 0..n-1, a reorder leaves
exactly the order of one request, never a 500."""

from __future__ import annotations

from typing import Any

from tests.races import N, statuses, together


async def _plan(client: Any, headers: dict[str, str]) -> int:
    made = await client.post("/v1/evaluations", json={"title": "race"}, headers=headers)
    return made.json()["id"]  # type: ignore[no-any-return]


async def test_concurrent_additions_get_distinct_positions(client: Any, factory: Any) -> None:
    t = await factory.tenant()
    plan = await _plan(client, t.headers)
    responses = await together(
        *[
            client.post(f"/v1/evaluations/{plan}/criteria", json={"title": f"C{i}"}, headers=t.headers)
            for i in range(N)
        ]
    )
    assert statuses(responses) == {201: N}
    items = (await client.get(f"/v1/evaluations/{plan}/criteria", headers=t.headers)).json()["items"]
    assert [i["position"] for i in items] == list(range(N))


async def test_concurrent_reorders_leave_one_requests_order(client: Any, factory: Any) -> None:
    t = await factory.tenant()
    plan = await _plan(client, t.headers)
    ids = [
        (
            await client.post(f"/v1/evaluations/{plan}/phases", json={"title": f"P{i}"}, headers=t.headers)
        ).json()["id"]
        for i in range(4)
    ]
    orders = [ids[i:] + ids[:i] for i in range(4)] * 2
    responses = await together(
        *[
            client.post(f"/v1/evaluations/{plan}/phases/reorder", json={"ids": o}, headers=t.headers)
            for o in orders
        ]
    )
    assert statuses(responses) == {200: len(orders)}
    items = (await client.get(f"/v1/evaluations/{plan}/phases", headers=t.headers)).json()["items"]
    assert [i["position"] for i in items] == [0, 1, 2, 3]
    assert [i["id"] for i in items] in orders
    activity = (await client.get(f"/v1/evaluations/{plan}/activity", headers=t.headers)).json()["items"]
    assert [a["action"] for a in activity].count("phase.reordered") == len(orders)
