"""The per-process principal cache never lets a token do what it may no longer do: revocation,
scopes, a removed user, a role and the organization's API switch are seen by the next request,
here and — through the version in Redis — by another app instance that cached the token."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from dealbench.app import create_app
from dealbench.kit.services import Services
from dealbench.kit.uow import transaction
from dealbench.models import Role, User
from dealbench.settings import Settings
from tests.factories import Factory


async def _warm(client: httpx.AsyncClient, headers: dict[str, str], path: str = "/v1/deals") -> None:
    for _ in range(2):  # the second read is answered from the cache
        assert (await client.get(path, headers=headers)).status_code == 200


async def test_a_revoked_token_is_refused_by_the_next_read(client: Any, factory: Factory) -> None:
    tenant = await factory.tenant()
    made = (
        await client.post("/v1/tokens", json={"name": "c", "scopes": ["deals:read"]}, headers=tenant.headers)
    ).json()
    headers = {"X-API-Key": made["token"]}
    await _warm(client, headers)
    assert (await client.delete(f"/v1/tokens/{made['id']}", headers=tenant.headers)).status_code == 200
    refused = await client.get("/v1/deals", headers=headers)
    assert refused.status_code == 401 and "revoked" in refused.json()["error"]


async def test_a_removed_user_and_a_changed_role_are_seen_at_once(
    client: Any, factory: Factory, services: Services
) -> None:
    tenant = await factory.tenant()
    user, token = await factory.personal(tenant, Role.ADMIN, scopes=["*"])
    headers = {"X-API-Key": token}
    project = (await client.post("/v1/projects", json={"name": "p"}, headers=tenant.headers)).json()
    await _warm(client, headers, f"/v1/projects/{project['id']}")  # an administrator sees every project
    async with transaction(services.sessionmaker) as session:  # an operator's change of the role
        changed = await session.get(User, user.id)
        assert changed is not None
        changed.role = Role.MEMBER
    hidden = await client.get(f"/v1/projects/{project['id']}", headers=headers)
    assert hidden.status_code == 404, hidden.text  # a member sees the projects shared with them
    await _warm(client, headers)
    assert (
        await client.delete(f"/v1/organization/users/{user.id}", headers=tenant.headers)
    ).status_code == 200
    refused = await client.get("/v1/deals", headers=headers)
    assert refused.status_code == 401, refused.text  # the removal revoked the user's tokens too


async def test_switching_the_api_off_is_seen_by_the_next_read(client: Any, factory: Factory) -> None:
    tenant = await factory.tenant()
    _, token = await factory.personal(tenant, Role.MEMBER, scopes=["deals:read"])
    await _warm(client, {"X-API-Key": token})
    r = await client.patch(
        "/v1/organization", json={"settings": {"apiAccessEnabled": False}}, headers=tenant.headers
    )
    assert r.status_code == 200, r.text
    refused = await client.get("/v1/deals", headers={"X-API-Key": token})
    assert refused.status_code == 403 and "apiAccessEnabled" in refused.json()["error"]


@pytest.fixture
async def two_apps(
    settings: Settings,
) -> AsyncIterator[tuple[httpx.AsyncClient, httpx.AsyncClient, Services]]:
    """Two app instances on the suite's database sharing one Redis: two processes' caches."""
    redis_url = os.environ.get("DEALBENCH_TEST_REDIS_URL")
    if not redis_url:
        pytest.skip("needs Redis: DEALBENCH_TEST_REDIS_URL is not set (make test sets it)")
    shared = settings.model_copy(update={"redis_url": redis_url, "redis_key_prefix": "dealbench-test-cache"})
    built = [Services.build(shared) for _ in range(2)]
    clients = [
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=create_app(shared, s)), base_url="http://testserver"
        )
        for s in built
    ]
    try:
        yield clients[0], clients[1], built[0]
    finally:
        for c in clients:
            await c.aclose()
        for s in built:
            await s.close()


async def test_a_token_revoked_through_one_instance_is_refused_by_the_other(two_apps: Any) -> None:
    a, b, services = two_apps
    tenant = await Factory(services).tenant()
    made = (
        await a.post("/v1/tokens", json={"name": "c", "scopes": ["deals:read"]}, headers=tenant.headers)
    ).json()
    headers = {"X-API-Key": made["token"]}
    await _warm(b, headers)
    assert (await a.delete(f"/v1/tokens/{made['id']}", headers=tenant.headers)).status_code == 200
    for client in (b, a):
        refused = await client.get("/v1/deals", headers=headers)
        assert refused.status_code == 401 and "revoked" in refused.json()["error"]


async def test_the_cache_answers_a_read_without_the_token_lookup(
    client: Any, factory: Factory, count_statements: Any, services: Services
) -> None:
    if not services.auth_versions.enabled:
        pytest.skip("the cache is off in this deployment (PostgreSQL without Redis)")
    tenant = await factory.tenant()
    await _warm(client, tenant.headers, "/v1/organization")
    count_statements.reset()
    assert (await client.get("/v1/organization", headers=tenant.headers)).status_code == 200
    assert not any("api_tokens" in s for s in count_statements.statements), count_statements.statements


async def test_a_cached_read_asks_redis_once(two_apps: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """With Redis, the rate limit and the version are read in one Lua script; the answer's rate
    headers count the request as before, and a revocation is still seen by the next read."""
    a, _, services = two_apps
    tenant = await Factory(services).tenant()
    made = (
        await a.post("/v1/tokens", json={"name": "c", "scopes": ["deals:read"]}, headers=tenant.headers)
    ).json()
    headers = {"X-API-Key": made["token"]}
    await _warm(a, headers)
    calls: list[str] = []
    run = services.rate_limiter._run_script

    async def counted(key: str, limit: int, extra: str | None) -> Any:
        calls.append(f"script:{extra is not None}")
        return await run(key, limit, extra)

    async def no_version() -> int | None:
        calls.append("version")
        raise AssertionError("the version is read in the rate limiter's round trip")

    monkeypatch.setattr(services.rate_limiter, "_run_script", counted)
    monkeypatch.setattr(services.auth_versions, "current", no_version)
    answers = [await a.get("/v1/deals", headers=headers) for _ in range(2)]
    assert [r.status_code for r in answers] == [200, 200]
    assert calls == ["script:True", "script:True"]
    remaining = [int(r.headers["x-ratelimit-remaining"]) for r in answers]
    assert remaining[1] == remaining[0] - 1
    monkeypatch.undo()
    assert (await a.delete(f"/v1/tokens/{made['id']}", headers=tenant.headers)).status_code == 200
    refused = await a.get("/v1/deals", headers=headers)
    assert refused.status_code == 401 and "revoked" in refused.json()["error"]


async def test_a_cached_read_survives_redis_failing_in_that_round_trip(
    two_apps: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Redis failing in the combined round trip: the version is unknown (the token is read afresh,
    the cache not trusted) and the rate limit applies its failure mode, as with separate calls."""
    a, _, services = two_apps
    tenant = await Factory(services).tenant()
    await _warm(a, tenant.headers)

    async def failing(key: str, limit: int, extra: str | None) -> Any:
        raise ConnectionError("Redis is away")

    monkeypatch.setattr(services.rate_limiter, "_run_script", failing)
    answer = await a.get("/v1/deals", headers=tenant.headers)
    assert answer.status_code == 200 and answer.headers["x-ratelimit-limit"]
    assert not services.rate_limiter.healthy and not services.auth_versions.answering()
    assert await services.auth_versions.current() is None  # the cache stays off for a few seconds
