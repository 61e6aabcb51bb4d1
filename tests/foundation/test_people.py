"""Organization, users (Opine and Opus 2 dialects), roles, teams and invitations."""

from __future__ import annotations

from typing import Any

import pytest

from dealbench.models import Role


@pytest.fixture
async def tenant(factory: Any) -> Any:
    return await factory.tenant()


async def test_get_organization(client: Any, tenant: Any) -> None:
    body = (await client.get("/v1/organization", headers=tenant.headers)).json()
    assert {"id", "name", "slug", "timezone", "currency", "createdAt", "updatedAt", "settings"} <= set(body)
    assert body["settings"]["apiAccessEnabled"] is True and body["slug"] == tenant.org.slug


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


async def test_invitation_lifecycle(client: Any, tenant: Any) -> None:
    created = await client.post(
        "/v1/organization/invitations",
        headers=tenant.headers,
        json={"inviteeEmail": "new@example.com", "role": "MEMBER"},
    )
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["status"] == "PENDING" and body["code"] and body["inviterUserId"] == tenant.admin.id
    assert {
        "id",
        "status",
        "role",
        "createdAt",
        "updatedAt",
        "expiresAt",
        "inviterUserId",
        "inviteeEmail",
        "organizationId",
    } <= set(body)
    again = await client.post(
        "/v1/organization/invitations",
        headers=tenant.headers,
        json={"inviteeEmail": "NEW@example.com", "role": "ADMIN"},
    )
    assert again.status_code == 409
    listed = (await client.get("/v1/organization/invitations?status=PENDING", headers=tenant.headers)).json()
    assert [i["id"] for i in listed["items"]] == [body["id"]] and "code" not in listed["items"][0]

    accepted = await client.post("/v1/invitations/accept", json={"code": body["code"], "firstName": "Newt"})
    assert accepted.status_code == 200, accepted.text
    assert (
        accepted.json()["user"]["email"] == "new@example.com" and accepted.json()["user"]["role"] == "MEMBER"
    )
    assert accepted.json()["invitation"]["status"] == "ACCEPTED"
    assert (await client.post("/v1/invitations/accept", json={"code": body["code"]})).status_code == 409
    member = await client.post(
        "/v1/organization/invitations",
        headers=tenant.headers,
        json={"inviteeEmail": "new@example.com", "role": "MEMBER"},
    )
    assert member.status_code == 409


async def test_invitation_reject_revoke_and_expiry(client: Any, services: Any, tenant: Any) -> None:
    from datetime import UTC, datetime, timedelta

    from sqlalchemy import update

    from dealbench.models import Invitation

    async def invite(email: str) -> dict[str, Any]:
        r = await client.post(
            "/v1/organization/invitations",
            headers=tenant.headers,
            json={"inviteeEmail": email, "role": "VIEWER"},
        )
        return r.json()  # type: ignore[no-any-return]

    rejected = await invite("r@example.com")
    response = await client.post("/v1/invitations/reject", json={"code": rejected["code"]})
    assert response.status_code == 200 and response.json()["status"] == "REJECTED"

    revoked = await invite("v@example.com")
    response = await client.post(
        f"/v1/organization/invitations/{revoked['id']}/revoke", headers=tenant.headers
    )
    assert response.status_code == 200 and response.json() == {"id": revoked["id"]}
    assert (
        await client.post(f"/v1/organization/invitations/{revoked['id']}/revoke", headers=tenant.headers)
    ).status_code == 409
    assert (await client.post("/v1/invitations/accept", json={"code": revoked["code"]})).status_code == 409

    expired = await invite("e@example.com")
    async with services.sessionmaker() as session:
        await session.execute(
            update(Invitation)
            .where(Invitation.id == expired["id"])
            .values(expires_at=datetime.now(UTC) - timedelta(days=1))
        )
        await session.commit()
    default = (await client.get("/v1/organization/invitations", headers=tenant.headers)).json()
    assert expired["id"] not in [i["id"] for i in default["items"]]
    everything = (
        await client.get("/v1/organization/invitations?includeExpired=true", headers=tenant.headers)
    ).json()
    assert expired["id"] in [i["id"] for i in everything["items"]]
    assert (await client.post("/v1/invitations/accept", json={"code": expired["code"]})).status_code == 409
    assert (
        await client.post("/v1/invitations/accept", json={"code": "no-such-code-at-all"})
    ).status_code == 404
