"""One token system: every form the compatible APIs use, kinds, scopes, bounds, revocation, expiry."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select, update

from dealbench.models import ApiToken, Role
from tests.races import no_server_error


@pytest.fixture
async def tenant(factory: Any) -> Any:
    return await factory.tenant()


@pytest.mark.parametrize(
    "form",
    [
        "x-api-key",
        "X-API-Token",
        "x-api-token",
        "X-Tenant-Token",
        "bearer",
        "raw-authorization",
        "query",
        "json-body",
        "form-body",
    ],
)
async def test_every_token_form_is_accepted(client: Any, tenant: Any, form: str) -> None:
    token = tenant.token
    kwargs: dict[str, Any] = {}
    method, url = "GET", "/v1/organization"
    if form.lower() in {"x-api-key", "x-api-token", "x-tenant-token"}:
        kwargs["headers"] = {form: token}
    elif form == "bearer":
        kwargs["headers"] = {"Authorization": f"Bearer {token}"}
    elif form == "raw-authorization":
        kwargs["headers"] = {"Authorization": token}
    elif form == "query":
        url += f"?access_token={token}"
    elif form == "json-body":
        method = "POST"
        kwargs["json"] = {"access_token": token, "name": "Renamed by body token"}
    elif form == "form-body":
        method, url = "POST", "/v1/teams"
        kwargs["data"] = {"access_token": token}
    response = await client.request(method, url, **kwargs)
    if form == "form-body":
        # authenticated (not 401), then the form body is not the JSON the route wants: bad input
        assert response.status_code == 400, response.text
        assert response.json()["error"] == "Validation error."
    else:
        assert response.status_code == 200, response.text


async def test_token_kinds_end_in_o_and_p(client: Any, factory: Any, tenant: Any) -> None:
    user = await factory.user(tenant)
    org = await client.post("/v1/tokens", headers=tenant.headers, json={"name": "org"})
    personal = await client.post("/v1/tokens", headers=tenant.headers, json={"name": "me", "userId": user.id})
    assert org.status_code == 201 and personal.status_code == 201
    assert org.json()["token"].endswith("o") and org.json()["kind"] == "ORGANIZATION"
    assert personal.json()["token"].endswith("p") and personal.json()["kind"] == "PERSONAL"
    assert personal.json()["userId"] == user.id
    assert org.json()["token"].startswith("dbk_") and len(org.json()["token"]) >= 36
    listed = await client.get("/v1/tokens", headers=tenant.headers)
    assert len(listed.json()["items"]) == 3  # the tenant's own, and the two made here
    assert all("token" not in item for item in listed.json()["items"])
    assert {
        "id",
        "name",
        "kind",
        "userId",
        "scopes",
        "createdByUserId",
        "createdAt",
        "expiresAt",
        "lastUsedAt",
        "revokedAt",
        "rateLimitPerMinute",
    } <= set(listed.json()["items"][0])


async def test_token_is_stored_only_as_hmac(factory: Any, services: Any, tenant: Any) -> None:
    async with services.sessionmaker() as session:
        row = (await session.execute(select(ApiToken).where(ApiToken.id == tenant.token_row.id))).scalar_one()
    assert tenant.token not in (row.token_hash, row.display_prefix)
    assert len(row.token_hash) == 64


@pytest.mark.parametrize(
    ("headers", "status"),
    [({}, 401), ({"X-API-Key": "dbk_nonsense"}, 401), ({"Authorization": "Bearer "}, 401)],
)
async def test_missing_or_unknown_token_is_401(client: Any, headers: dict[str, str], status: int) -> None:
    response = await client.get("/v1/organization", headers=headers)
    assert response.status_code == status
    assert response.json()["error"]


async def test_revoked_token_is_401(client: Any, factory: Any, tenant: Any) -> None:
    created = (await client.post("/v1/tokens", headers=tenant.headers, json={"name": "short"})).json()
    assert (await client.get("/v1/organization", headers={"X-API-Key": created["token"]})).status_code == 200
    revoked = await client.delete(f"/v1/tokens/{created['id']}", headers=tenant.headers)
    assert revoked.status_code == 200 and revoked.json()["revokedAt"]
    response = await client.get("/v1/organization", headers={"X-API-Key": created["token"]})
    assert response.status_code == 401 and "revoked" in response.json()["error"]


async def test_expired_token_is_401(client: Any, services: Any, factory: Any, tenant: Any) -> None:
    token = await factory.token(tenant)
    async with services.sessionmaker() as session:
        await session.execute(
            update(ApiToken)
            .where(ApiToken.organization_id == tenant.org.id, ApiToken.id != tenant.token_row.id)
            .values(expires_at=datetime.now(UTC) - timedelta(seconds=1))
        )
        await session.commit()
    response = await client.get("/v1/organization", headers={"X-API-Key": token})
    assert response.status_code == 401 and "expired" in response.json()["error"]


async def test_expires_at_must_be_in_the_future(client: Any, tenant: Any) -> None:
    response = await client.post(
        "/v1/tokens", headers=tenant.headers, json={"name": "t", "expiresAt": "2001-01-01T00:00:00Z"}
    )
    assert response.status_code == 400
    assert response.json()["issues"][0]["path"] == ["expiresAt"]


async def test_new_token_scopes_never_exceed_the_creators(client: Any, factory: Any, tenant: Any) -> None:
    creator = await factory.token(tenant, scopes=["tokens:write", "deals:read"])
    headers = {"X-API-Key": creator}
    exceeding = await client.post(
        "/v1/tokens", headers=headers, json={"name": "t", "scopes": ["deals:write"]}
    )
    assert exceeding.status_code == 403 and "deals:write" in exceeding.json()["error"]
    star = await client.post("/v1/tokens", headers=headers, json={"name": "t", "scopes": ["*"]})
    assert star.status_code == 403
    ok = await client.post("/v1/tokens", headers=headers, json={"name": "t", "scopes": ["deals:read"]})
    assert ok.status_code == 201 and ok.json()["scopes"] == ["deals:read"]
    default = await client.post("/v1/tokens", headers=headers, json={"name": "t"})
    assert default.status_code == 201 and sorted(default.json()["scopes"]) == ["deals:read", "tokens:write"]


async def test_invalid_scope_is_a_validation_issue(client: Any, tenant: Any) -> None:
    response = await client.post(
        "/v1/tokens", headers=tenant.headers, json={"name": "t", "scopes": ["deals:read", "ticket:rwx"]}
    )
    assert response.status_code == 400
    assert response.json()["issues"][0]["path"] == ["scopes", 1]


async def test_scope_grammar(client: Any, factory: Any, tenant: Any) -> None:
    read_all = {"X-API-Key": await factory.token(tenant, scopes=["*:read"])}
    assert (await client.get("/v1/organization/users", headers=read_all)).status_code == 200
    assert (await client.post("/v1/teams", headers=read_all, json={"name": "x"})).status_code == 403
    write = {"X-API-Key": await factory.token(tenant, scopes=["teams:write"])}
    assert (await client.get("/v1/teams", headers=write)).status_code == 200  # write implies read
    assert (await client.get("/v1/organization/users", headers=write)).status_code == 403


async def test_viewer_never_writes_and_member_cannot_manage_users(
    client: Any, factory: Any, tenant: Any
) -> None:
    _, viewer = await factory.personal(tenant, Role.VIEWER)
    _, member = await factory.personal(tenant, Role.MEMBER)
    viewer_write = await client.post("/v1/teams", headers={"X-API-Key": viewer}, json={"name": "v"})
    assert viewer_write.status_code == 403 and "VIEWER" in viewer_write.json()["error"]
    assert (await client.get("/v1/teams", headers={"X-API-Key": viewer})).status_code == 200
    assert (
        await client.post("/v1/users", headers={"X-API-Key": member}, json={"email": "n@example.com"})
    ).status_code == 403
    assert (
        await client.patch("/v1/organization", headers={"X-API-Key": member}, json={"name": "x"})
    ).status_code == 403


async def test_member_manages_only_own_tokens(client: Any, factory: Any, tenant: Any) -> None:
    member, member_token = await factory.personal(tenant, Role.MEMBER)
    other = await factory.user(tenant)
    headers = {"X-API-Key": member_token}
    own = await client.post("/v1/tokens", headers=headers, json={"name": "mine", "userId": member.id})
    assert own.status_code == 201 and own.json()["token"].endswith("p")
    assert (
        await client.post("/v1/tokens", headers=headers, json={"name": "x", "userId": other.id})
    ).status_code == 403
    assert (await client.post("/v1/tokens", headers=headers, json={"name": "org"})).status_code == 403
    listed = (await client.get("/v1/tokens", headers=headers)).json()["items"]
    assert {t["userId"] for t in listed} == {member.id}
    assert (await client.delete(f"/v1/tokens/{tenant.token_row.id}", headers=headers)).status_code == 403


async def test_only_admins_raise_a_tokens_rate_limit_above_the_default(
    client: Any, factory: Any, tenant: Any, settings: Any
) -> None:
    default = settings.rate_limit_per_minute
    member, member_token = await factory.personal(tenant, Role.MEMBER)
    headers = {"X-API-Key": member_token}
    body = {"name": "fast", "userId": member.id}
    raised = await client.post(
        "/v1/tokens", headers=headers, json={**body, "rateLimitPerMinute": default + 1}
    )
    assert raised.status_code == 403 and "rate limit" in raised.json()["error"]
    listed = (await client.get("/v1/tokens", headers=headers)).json()["items"]
    assert [t["name"] for t in listed if t["name"] == "fast"] == []  # nothing stored
    for allowed in (default, 1):
        lowered = await client.post(
            "/v1/tokens", headers=headers, json={**body, "rateLimitPerMinute": allowed}
        )
        assert lowered.status_code == 201 and lowered.json()["rateLimitPerMinute"] == allowed
    # An administrator may raise it, for itself or for a member.
    by_admin = await client.post(
        "/v1/tokens", headers=tenant.headers, json={**body, "rateLimitPerMinute": 1_000_000}
    )
    assert by_admin.status_code == 201 and by_admin.json()["rateLimitPerMinute"] == 1_000_000


async def test_api_access_switch_turns_every_token_off(client: Any, factory: Any, tenant: Any) -> None:
    _, personal = await factory.personal(tenant, Role.ADMIN)
    off = await client.patch(
        "/v1/organization", headers=tenant.headers, json={"settings": {"apiAccessEnabled": False}}
    )
    assert off.status_code == 200 and off.json()["settings"]["apiAccessEnabled"] is False
    for token in (tenant.token, personal):
        response = await client.get("/v1/organization", headers={"X-API-Key": token})
        assert response.status_code == 403
        assert "API access is disabled" in response.json()["error"]


async def test_last_used_at_is_recorded(client: Any, services: Any, factory: Any, tenant: Any) -> None:
    token = await factory.token(tenant)
    await client.get("/v1/organization", headers={"X-API-Key": token})
    listed = (await client.get("/v1/tokens", headers=tenant.headers)).json()["items"]
    used = [t for t in listed if t["prefix"] == token[:10]]
    assert len(used) == 1 and used[0]["lastUsedAt"]


async def test_tenant_subdomain_refuses_another_orgs_token(client: Any, factory: Any, tenant: Any) -> None:
    other = await factory.tenant()
    own_host = {"Host": f"{tenant.org.slug}.dealbench.test", **tenant.headers}
    assert (await client.get("/v1/organization", headers=own_host)).status_code == 200
    wrong = {"Host": f"{other.org.slug}.dealbench.test", **tenant.headers}
    assert (await client.get("/v1/organization", headers=wrong)).status_code == 401
    plain = {"Host": "localhost:8000", **tenant.headers}
    assert (await client.get("/v1/organization", headers=plain)).status_code == 200


async def test_revoking_one_token_many_times_at_once(client: Any, factory: Any) -> None:
    tenant = await factory.tenant()
    _, token = await factory.personal(tenant)
    listed = (await client.get("/v1/tokens", headers={"X-API-Key": token})).json()["items"]
    token_id = listed[0]["id"]
    responses = await asyncio.gather(
        *(client.delete(f"/v1/tokens/{token_id}", headers=tenant.headers) for _ in range(10))
    )
    no_server_error(responses)
    assert {r.status_code for r in responses} == {200}
    assert len({r.json()["revokedAt"] for r in responses}) == 1  # revoked once, then found revoked
    assert (await client.get("/v1/organization", headers={"X-API-Key": token})).status_code == 401


async def test_the_presenter_answers_what_the_response_model_documents(
    client: Any, services: Any, factory: Any, tenant: Any
) -> None:
    from dealbench.tokens import presenter
    from dealbench.tokens.schemas import TokenCreated, TokenOut

    user = await factory.user(tenant)
    body = {"name": "full", "userId": user.id, "expiresAt": "2099-01-01T00:00:00Z", "rateLimitPerMinute": 5}
    created = await client.post("/v1/tokens", headers=tenant.headers, json=body)
    assert created.status_code == 201, created.text
    made = created.json()
    assert list(made) == list(
        TokenCreated.model_json_schema(by_alias=True, mode="serialization")["properties"]
    )
    assert (await client.get("/v1/organization", headers={"X-API-Key": made["token"]})).status_code == 200
    revoked = (await client.delete(f"/v1/tokens/{made['id']}", headers=tenant.headers)).json()
    async with services.sessionmaker() as session:
        token = (await session.execute(select(ApiToken).where(ApiToken.id == made["id"]))).scalar_one()
    documented = TokenOut.model_validate(token).model_dump(mode="json", by_alias=True)
    assert presenter.token(token) == documented == revoked
    assert documented["lastUsedAt"] and documented["revokedAt"] and documented["expiresAt"]
    listed = await client.get("/v1/tokens?includeRevoked=true", headers=tenant.headers)
    assert [t for t in listed.json()["items"] if t["id"] == made["id"]] == [documented]


@pytest.mark.parametrize(
    ("sent", "answered"),
    [
        ("2099-01-01T02:00:00+02:00", "2099-01-01T00:00:00.000Z"),
        ("2099-01-01T00:00:00", "2099-01-01T00:00:00.000Z"),
        ("2099-01-01T00:00:00.123456Z", "2099-01-01T00:00:00.123Z"),
    ],
)
async def test_expires_at_is_answered_in_utc_as_stored(
    client: Any, tenant: Any, sent: str, answered: str
) -> None:
    made = await client.post("/v1/tokens", headers=tenant.headers, json={"name": "t", "expiresAt": sent})
    assert made.status_code == 201 and made.json()["expiresAt"] == answered
    listed = (await client.get("/v1/tokens", headers=tenant.headers)).json()["items"]
    assert [t["expiresAt"] for t in listed if t["id"] == made.json()["id"]] == [answered]


async def test_revoking_the_tokens_of_a_name_spares_the_others_and_other_organizations(
    client: Any, services: Any, factory: Any, tenant: Any
) -> None:
    from dealbench.kit.repository import TenantOf
    from dealbench.tokens.service import issue_token, revoke_named

    other = await factory.tenant()
    made = {}
    async with services.sessionmaker() as session:
        for key, org, name in [
            ("a", tenant.org, "demo"),
            ("b", tenant.org, "kept"),
            ("c", other.org, "demo"),
        ]:
            _, made[key] = await issue_token(
                session, organization=org, name=name, secret_key=services.secret_key
            )
        await session.commit()
    async with services.sessionmaker() as session:
        await revoke_named(session, TenantOf(tenant.org.id), "demo")
        await session.commit()
    statuses = {
        key: (await client.get("/v1/organization", headers={"X-API-Key": plaintext})).status_code
        for key, plaintext in made.items()
    }
    assert statuses == {"a": 401, "b": 200, "c": 200}
