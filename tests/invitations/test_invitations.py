"""Invitations: an administrator invites an email with a role; the invitee accepts or rejects with
the one-time code; revocation and expiry."""

from __future__ import annotations

from typing import Any

import pytest


@pytest.fixture
async def tenant(factory: Any) -> Any:
    return await factory.tenant()


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


async def test_the_presenters_answer_what_the_response_models_document(
    client: Any, services: Any, tenant: Any
) -> None:
    from dealbench.invitations import presenter
    from dealbench.invitations.schemas import InvitationAccepted, InvitationCreated, InvitationOut
    from dealbench.models import Invitation, User

    created = await client.post(
        "/v1/organization/invitations",
        headers=tenant.headers,
        json={"inviteeEmail": "shape@example.com", "role": "VIEWER"},
    )
    made = created.json()
    assert list(made) == list(InvitationCreated.model_json_schema(by_alias=True)["properties"])
    accepted = await client.post("/v1/invitations/accept", json={"code": made["code"], "lastName": "Shape"})
    async with services.sessionmaker() as session:
        invitation = await session.get(Invitation, made["id"])
        user = await session.get(User, accepted.json()["user"]["id"])
    documented = InvitationAccepted.model_validate({"invitation": invitation, "user": user})
    assert presenter.accepted(invitation, user) == documented.model_dump(mode="json", by_alias=True)
    assert accepted.json() == presenter.accepted(invitation, user)
    listed = (await client.get("/v1/organization/invitations", headers=tenant.headers)).json()["items"]
    assert listed == [InvitationOut.model_validate(invitation).model_dump(mode="json", by_alias=True)]
    assert {k: v for k, v in made.items() if k not in {"code", "status", "updatedAt"}} == {
        k: v for k, v in listed[0].items() if k not in {"status", "updatedAt"}
    }
