"""Users of an organization (Opine and Opus 2 dialects), roles, and their removal."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from dealbench.models import Role
from tests.races import no_server_error


@pytest.fixture
async def tenant(factory: Any) -> Any:
    return await factory.tenant()


async def test_organization_users_list_shape(client: Any, factory: Any, tenant: Any) -> None:
    await factory.user(tenant)
    body = (await client.get("/v1/organization/users", headers=tenant.headers)).json()
    assert body["totalCount"] == 2 and body["limit"] == 100 and body["offset"] == 0
    assert set(body["items"][0]) == {"id", "email", "firstName", "lastName", "role", "createdAt", "updatedAt"}


async def test_remove_user_revokes_personal_tokens(client: Any, factory: Any, tenant: Any) -> None:
    user, token = await factory.personal(tenant, Role.MEMBER)
    assert (await client.get("/v1/teams", headers={"X-API-Key": token})).status_code == 200
    removed = await client.delete(f"/v1/organization/users/{user.id}", headers=tenant.headers)
    assert removed.status_code == 200 and removed.json() == {"id": user.id}
    assert (await client.get("/v1/teams", headers={"X-API-Key": token})).status_code == 401
    ids = [
        u["id"] for u in (await client.get("/v1/organization/users", headers=tenant.headers)).json()["items"]
    ]
    assert user.id not in ids
    assert (await client.get(f"/v1/user/id/{user.id}", headers=tenant.headers)).status_code == 404


async def test_removing_the_last_admin_is_409(client: Any, tenant: Any) -> None:
    response = await client.delete(f"/v1/organization/users/{tenant.admin.id}", headers=tenant.headers)
    assert response.status_code == 409 and "last ADMIN" in response.json()["error"]


async def test_roles(client: Any, tenant: Any) -> None:
    body = (await client.get("/v1/roles", headers=tenant.headers)).json()
    assert [r["name"] for r in body["items"]] == ["ADMIN", "MEMBER", "VIEWER"]
    assert body["items"][2]["canWrite"] is False


async def test_add_single_user_and_find_by_email(client: Any, tenant: Any) -> None:
    created = await client.post(
        "/v1/users",
        headers=tenant.headers,
        json={"email": "Dana@Example.com", "firstName": "Dana", "role": "VIEWER"},
    )
    assert created.status_code == 201, created.text
    assert created.json()["email"] == "dana@example.com" and created.json()["role"] == "VIEWER"
    found = await client.get("/v1/user/byemail", params={"email": "DANA@example.COM"}, headers=tenant.headers)
    assert found.status_code == 200 and found.json()["id"] == created.json()["id"]
    by_id = await client.get(f"/v1/user/id/{created.json()['id']}", headers=tenant.headers)
    assert by_id.json()["email"] == "dana@example.com"
    duplicate = await client.post("/v1/users", headers=tenant.headers, json={"email": "dana@EXAMPLE.com"})
    assert duplicate.status_code == 409
    missing = await client.get(
        "/v1/user/byemail", params={"email": "nobody@example.com"}, headers=tenant.headers
    )
    assert missing.status_code == 404


async def test_add_users_as_a_list_loses_no_good_item(client: Any, tenant: Any) -> None:
    response = await client.post(
        "/v1/users",
        headers=tenant.headers,
        json=[
            {"email": "one@example.com"},
            {"email": "not an email"},
            {"email": "one@example.com"},
            {"email": "two@example.com", "role": "ADMIN"},
        ],
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert [item["status"] for item in body["items"]] == [201, 400, 409, 201]
    assert body["items"][1]["issues"][0]["path"] == [1, "email"]
    assert body["createdCount"] == 2 and body["errorCount"] == 2
    emails = {u["email"] for u in (await client.get("/v1/users", headers=tenant.headers)).json()["items"]}
    assert {"one@example.com", "two@example.com"} <= emails


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
    no_server_error(responses)
    statuses = sorted(r.status_code for r in responses)
    # The winner removes the other (whose token then stops working: 401), or sees it is the last (409).
    assert statuses[0] == 200 and statuses[1] in {401, 409}, [r.text for r in responses]
    users = (await client.get("/v1/organization/users", headers=tenant.headers)).json()["items"]
    assert [u["role"] for u in users].count("ADMIN") == 1
