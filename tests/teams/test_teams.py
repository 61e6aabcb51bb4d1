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


async def test_the_teams_of_users_in_one_statement_and_only_the_callers(
    client: Any, factory: Any, services: Any, tenant: Any, count_statements: Any
) -> None:
    """The batch behind ``User.teams`` and ``me``: one statement for a page of users, none for an
    empty one, each user's teams in id order, nothing of another organization."""
    from dealbench.kit.repository import TenantOf
    from dealbench.teams import presenter, service

    other = await factory.tenant()
    first, second, lonely = [await factory.user(tenant) for _ in range(3)]
    teams = [
        (await client.post("/v1/teams", headers=tenant.headers, json={"name": unique("t")})).json()
        for _ in range(2)
    ]
    for team in reversed(teams):
        await client.put(f"/v1/teams/{team['id']}/users/{first.email}", headers=tenant.headers)
    await client.put(f"/v1/teams/{teams[1]['id']}/users/{second.email}", headers=tenant.headers)
    ids = [first.id, second.id, lonely.id]
    async with services.sessionmaker() as session:
        count_statements.reset()
        found = await service.teams_of_users(session, TenantOf(tenant.org.id), ids)
        assert count_statements.count == 1
        assert await service.teams_of_users(session, TenantOf(tenant.org.id), []) == []
        assert count_statements.count == 1  # an empty page asks nothing
        foreign = await service.teams_of_users(session, TenantOf(other.org.id), ids)
    assert [presenter.teams(rows) for rows in found] == [teams, [teams[1]], []]
    assert foreign == [[], [], []]


async def test_the_presenters_answer_what_the_response_models_document(
    client: Any, factory: Any, services: Any, tenant: Any
) -> None:
    from dealbench.models import Team
    from dealbench.teams import presenter
    from dealbench.teams.schemas import TeamOut

    user = await factory.user(tenant)
    made = await client.post(
        "/v1/teams", headers=tenant.headers, json={"name": unique("t"), "description": "d"}
    )
    added = await client.put(f"/v1/teams/{made.json()['id']}/users/{user.email}", headers=tenant.headers)
    async with services.sessionmaker() as session:
        team = await session.get(Team, made.json()["id"])
    assert (
        presenter.team(team)
        == TeamOut.model_validate(team).model_dump(mode="json", by_alias=True)
        == made.json()
    )
    listed = (await client.get("/v1/teams", headers=tenant.headers)).json()["items"]
    assert listed == [made.json()]
    members = (await client.get(f"/v1/teams/{made.json()['id']}/users", headers=tenant.headers)).json()
    assert members["items"] == [added.json()] == [presenter.member(user)]
