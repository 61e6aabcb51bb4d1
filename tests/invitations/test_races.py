"""Concurrency of invitations: created, answered and revoked at once, every request answers (never a
500) and the state is that of some serial order of them."""

from __future__ import annotations

import asyncio
from typing import Any

from tests.factories import unique
from tests.races import N, bodies, no_server_error, statuses, together


async def test_concurrent_invitations_of_one_email_make_one(client: Any, factory: Any) -> None:
    t = await factory.tenant()
    email = f"{unique('inv')}@example.com"
    responses = await together(
        *[
            client.post(
                "/v1/organization/invitations",
                json={"inviteeEmail": email, "role": "MEMBER"},
                headers=t.headers,
            )
            for _ in range(N)
        ]
    )
    assert statuses(responses) == {201: 1, 409: N - 1}
    listed = (
        await client.get("/v1/organization/invitations", params={"status": "PENDING"}, headers=t.headers)
    ).json()
    assert [i["id"] for i in listed["items"]] == [bodies(responses, 201)[0]["id"]]


async def test_concurrent_answers_to_one_invitation_take_one(client: Any, factory: Any) -> None:
    t = await factory.tenant()
    email = f"{unique('inv')}@example.com"
    made = await client.post(
        "/v1/organization/invitations", json={"inviteeEmail": email, "role": "VIEWER"}, headers=t.headers
    )
    code = made.json()["code"]
    answers = [
        client.post(f"/v1/invitations/{'accept' if i % 2 == 0 else 'reject'}", json={"code": code})
        for i in range(N)
    ]
    responses = await together(*answers)
    seen = statuses(responses)
    assert seen[200] == 1 and seen[409] == N - 1, seen
    winner = responses[[r.status_code for r in responses].index(200)]
    users = (await client.get("/v1/organization/users", headers=t.headers)).json()["items"]
    accepted = "invitation" in winner.json()
    assert [u["email"] for u in users].count(email) == (1 if accepted else 0)
    status = (
        await client.get("/v1/organization/invitations", params={"includeExpired": True}, headers=t.headers)
    ).json()
    assert [i["status"] for i in status["items"]] == ["ACCEPTED" if accepted else "REJECTED"]


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
        no_server_error(responses)
        assert sorted(r.status_code for r in responses) == [200, 409, 409], [r.text for r in responses]
        listed = await client.get("/v1/organization/invitations?includeExpired=true", headers=tenant.headers)
        status = next(i["status"] for i in listed.json()["items"] if i["id"] == invitation["id"])
        winner = ["ACCEPTED", "REVOKED", "REJECTED"][[r.status_code for r in responses].index(200)]
        assert status == winner
        user = await client.get("/v1/organization/users?limit=1000", headers=tenant.headers)
        assert (email in {u["email"] for u in user.json()["items"]}) == (winner == "ACCEPTED")
