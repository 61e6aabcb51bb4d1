"""Lists answer their true total past the last page, on every kind of list (ORM pages, Core pages
with the total riding in the page query)."""

from __future__ import annotations

from typing import Any

import pytest

LISTS = [
    "/v1/organization/users",
    "/v1/deals",
    "/v1/tickets",
    "/v1/evaluations",
    "/v1/contacts",
    "/v1/tokens",
    "/v1/teams",
]


@pytest.fixture
async def tenant(client: Any, factory: Any) -> Any:
    t = await factory.tenant()
    for i in range(2):
        await client.post("/v1/deals", json={"name": f"d{i}"}, headers=t.headers)
        await client.post(
            "/v1/tickets", json={"title": f"t{i}", "type": "BUG", "state": "OPEN"}, headers=t.headers
        )
        await client.post("/v1/evaluations", json={"title": f"e{i}"}, headers=t.headers)
        await client.post("/v1/contacts", json={"email": f"c{i}@example.com"}, headers=t.headers)
        await client.post("/v1/tokens", json={"name": f"k{i}"}, headers=t.headers)
        await client.post("/v1/teams", json={"name": f"team {i}"}, headers=t.headers)
        await factory.user(t)
    return t


async def test_a_page_past_the_end_keeps_the_total(client: Any, tenant: Any) -> None:
    for path in LISTS:
        whole = (await client.get(path, headers=tenant.headers)).json()
        assert whole["totalCount"] == len(whole["items"]) >= 2, (path, whole)
        past = await client.get(path, params={"offset": 50, "limit": 5}, headers=tenant.headers)
        assert past.status_code == 200, past.text
        assert past.json() == {"items": [], "limit": 5, "offset": 50, "totalCount": whole["totalCount"]}, path


async def test_offset_wins_over_skip(client: Any, tenant: Any) -> None:
    response = await client.get("/v1/deals", params={"offset": 1, "skip": 2}, headers=tenant.headers)
    assert response.status_code == 200 and response.json()["offset"] == 1
    alone = await client.get("/v1/deals", params={"skip": 1}, headers=tenant.headers)
    assert alone.status_code == 200 and alone.json()["offset"] == 1


async def test_a_huge_offset_is_an_empty_page(client: Any, tenant: Any) -> None:
    for path in LISTS:
        response = await client.get(path, params={"offset": 10**30}, headers=tenant.headers)
        assert response.status_code == 200, (path, response.text)
        assert response.json()["items"] == [], path
