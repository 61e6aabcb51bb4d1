"""Teams (Opus 2 dialect): creation, unique names, members by email."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from tests.factories import unique
from tests.races import no_server_error


@pytest.fixture
async def tenant(factory: Any) -> Any:
    return await factory.tenant()


async def test_teams(client: Any, factory: Any, tenant: Any) -> None:
    user = await factory.user(tenant)
    team = await client.post("/v1/teams", headers=tenant.headers, json={"name": "Solutions"})
    assert team.status_code == 201
    team_id = team.json()["id"]
    assert (
        await client.post("/v1/teams", headers=tenant.headers, json={"name": "solutions"})
    ).status_code == 409
    for _ in range(2):  # idempotent
        added = await client.put(f"/v1/teams/{team_id}/users/{user.email.upper()}", headers=tenant.headers)
        assert added.status_code == 200 and added.json()["id"] == user.id
    members = (await client.get(f"/v1/teams/{team_id}/users", headers=tenant.headers)).json()
    assert [m["id"] for m in members["items"]] == [user.id]
    assert (
        await client.put(f"/v1/teams/{team_id}/users/ghost@example.com", headers=tenant.headers)
    ).status_code == 404
    removed = await client.delete(f"/v1/teams/{team_id}/users/{user.email}", headers=tenant.headers)
    assert removed.status_code == 200
    assert (await client.get(f"/v1/teams/{team_id}/users", headers=tenant.headers)).json()["totalCount"] == 0
    assert (await client.get("/v1/teams", headers=tenant.headers)).json()["items"][0]["name"] == "Solutions"


async def test_adding_one_member_to_a_team_many_times_at_once(client: Any, factory: Any) -> None:
    tenant = await factory.tenant()
    user = await factory.user(tenant)
    team = (await client.post("/v1/teams", headers=tenant.headers, json={"name": unique("team")})).json()
    responses = await asyncio.gather(
        *(client.put(f"/v1/teams/{team['id']}/users/{user.email}", headers=tenant.headers) for _ in range(8))
    )
    no_server_error(responses)
    assert {r.status_code for r in responses} == {200}
    members = (await client.get(f"/v1/teams/{team['id']}/users", headers=tenant.headers)).json()
    assert [m["id"] for m in members["items"]] == [user.id]
