"""Concurrent writes of people, teams, invitations, tokens and the organization: every request
answers (never a 500) and the state is that of some serial order of them."""

from __future__ import annotations

import asyncio
from typing import Any

from dealbench.models import Role
from tests.factories import unique


def _no_server_error(responses: list[Any]) -> None:
    errors = [(r.status_code, r.text[:200]) for r in responses if r.status_code >= 500]
    assert not errors, errors


async def test_adding_one_member_to_a_team_many_times_at_once(client: Any, factory: Any) -> None:
    tenant = await factory.tenant()
    user = await factory.user(tenant)
    team = (await client.post("/v1/teams", headers=tenant.headers, json={"name": unique("team")})).json()
    responses = await asyncio.gather(
        *(client.put(f"/v1/teams/{team['id']}/users/{user.email}", headers=tenant.headers) for _ in range(8))
    )
    _no_server_error(responses)
    assert {r.status_code for r in responses} == {200}
    members = (await client.get(f"/v1/teams/{team['id']}/users", headers=tenant.headers)).json()
    assert [m["id"] for m in members["items"]] == [user.id]


async def test_two_admins_removing_each_other_at_once_leave_one(client: Any, factory: Any) -> None:
    tenant = await factory.tenant()
    # The tenant's own admin is removed first: two administrators are left.
    first, first_token = await factory.personal(tenant, Role.ADMIN)
    second, second_token = await factory.personal(tenant, Role.ADMIN)
    removed = await client.delete(f"/v1/organization/users/{tenant.admin.id}", headers=tenant.headers)
    assert removed.status_code == 200, removed.text
    responses = await asyncio.gather(
        client.delete(f"/v1/organization/users/{second.id}", headers={"X-API-Key": first_token}),
        client.delete(f"/v1/organization/users/{first.id}", headers={"X-API-Key": second_token}),
    )
    _no_server_error(responses)
    statuses = sorted(r.status_code for r in responses)
    # The winner removes the other (whose token then stops working: 401), or sees it is the last (409).
    assert statuses[0] == 200 and statuses[1] in {401, 409}, [r.text for r in responses]
    users = (await client.get("/v1/organization/users", headers=tenant.headers)).json()["items"]
    assert [u["role"] for u in users].count("ADMIN") == 1


async def test_accepting_and_revoking_one_invitation_at_once(client: Any, factory: Any) -> None:
    tenant = await factory.tenant()
    for _ in range(5):
        email = f"{unique('inv')}@example.com"
        created = await client.post(
            "/v1/organization/invitations",
            headers=tenant.headers,
            json={"inviteeEmail": email, "role": "MEMBER"},
        )
        invitation = created.json()
        accept = client.post("/v1/invitations/accept", json={"code": invitation["code"]})
        revoke = client.post(
            f"/v1/organization/invitations/{invitation['id']}/revoke", headers=tenant.headers
        )
        reject = client.post("/v1/invitations/reject", json={"code": invitation["code"]})
        responses = await asyncio.gather(accept, revoke, reject)
        _no_server_error(responses)
        assert sorted(r.status_code for r in responses) == [200, 409, 409], [r.text for r in responses]
        listed = await client.get("/v1/organization/invitations?includeExpired=true", headers=tenant.headers)
        status = next(i["status"] for i in listed.json()["items"] if i["id"] == invitation["id"])
        winner = ["ACCEPTED", "REVOKED", "REJECTED"][[r.status_code for r in responses].index(200)]
        assert status == winner
        user = await client.get("/v1/organization/users?limit=1000", headers=tenant.headers)
        assert (email in {u["email"] for u in user.json()["items"]}) == (winner == "ACCEPTED")


async def test_concurrent_organization_setting_changes_lose_none(client: Any, factory: Any) -> None:
    tenant = await factory.tenant()
    # Settings are merged into what is stored: a request restating one setting must not undo
    # another request's change of the other (fewer requests than pooled connections: all read first).
    bodies = [
        {"settings": {"apiDownloadEnabledDefault": False}},
        {"settings": {"apiAccessEnabled": True}, "name": "Renamed"},
    ] * 4
    responses = await asyncio.gather(
        *(client.patch("/v1/organization", headers=tenant.headers, json=b) for b in bodies)
    )
    _no_server_error(responses)
    org = (await client.get("/v1/organization", headers=tenant.headers)).json()
    assert (
        org["settings"]["apiDownloadEnabledDefault"] is False and org["settings"]["apiAccessEnabled"] is True
    )
    assert org["name"] == "Renamed"


async def test_revoking_one_token_many_times_at_once(client: Any, factory: Any) -> None:
    tenant = await factory.tenant()
    _, token = await factory.personal(tenant)
    listed = (await client.get("/v1/tokens", headers={"X-API-Key": token})).json()["items"]
    token_id = listed[0]["id"]
    responses = await asyncio.gather(
        *(client.delete(f"/v1/tokens/{token_id}", headers=tenant.headers) for _ in range(10))
    )
    _no_server_error(responses)
    assert {r.status_code for r in responses} == {200}
    assert len({r.json()["revokedAt"] for r in responses}) == 1  # revoked once, then found revoked
    assert (await client.get("/v1/organization", headers={"X-API-Key": token})).status_code == 401
