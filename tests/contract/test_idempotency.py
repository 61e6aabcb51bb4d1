"""Idempotency keys: a retry answers the first answer again without doing the work twice."""

from __future__ import annotations

import asyncio
import os
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from dealbench.app import create_app
from dealbench.idempotency import DatabaseStore, RedisStore, fingerprint_of, slot_of, store_for
from dealbench.kit.services import Services
from dealbench.models import ApiToken, Deal, IdempotencyKey


async def _deals(services: Services, org_id: int) -> int:
    async with services.sessionmaker() as session:
        stmt = select(func.count()).select_from(Deal).where(Deal.organization_id == org_id)
        return int((await session.execute(stmt)).scalar_one())


async def test_a_retry_answers_the_first_answer_and_does_the_work_once(
    client: Any, factory: Any, services: Services
) -> None:
    tenant = await factory.tenant()
    headers = {**tenant.headers, "Idempotency-Key": "create-acme-1"}
    first = await client.post("/v1/deals", json={"name": "Acme"}, headers=headers)
    again = await client.post("/v1/deals", json={"name": "Acme"}, headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again.headers["idempotent-replayed"] == "true"
    assert "idempotent-replayed" not in first.headers
    assert await _deals(services, tenant.org.id) == 1


async def test_the_same_key_with_another_body_is_a_422(client: Any, factory: Any) -> None:
    tenant = await factory.tenant()
    headers = {**tenant.headers, "Idempotency-Key": "k-1"}
    assert (await client.post("/v1/deals", json={"name": "A"}, headers=headers)).status_code == 201
    other = await client.post("/v1/deals", json={"name": "B"}, headers=headers)
    assert other.status_code == 422
    assert "different request" in other.json()["error"]


async def test_a_retry_while_the_first_runs_is_a_409(client: Any, factory: Any, services: Services) -> None:
    tenant = await factory.tenant()
    body = b'{"name":"Running"}'
    store = store_for(services)
    slot = slot_of(services.secret_key, tenant.token, "busy")
    claim = await store.claim(slot, fingerprint_of("POST", "/v1/deals", b"", body))
    assert claim.mine
    answer = await client.post(
        "/v1/deals",
        content=body,
        headers={**tenant.headers, "Idempotency-Key": "busy", "Content-Type": "application/json"},
    )
    assert answer.status_code == 409
    assert "still running" in answer.json()["error"]
    await store.release(slot)
    retry = await client.post(
        "/v1/deals",
        content=body,
        headers={**tenant.headers, "Idempotency-Key": "busy", "Content-Type": "application/json"},
    )
    assert retry.status_code == 201


async def test_keys_are_per_token(client: Any, factory: Any, services: Services) -> None:
    tenant = await factory.tenant()
    other = await factory.token(tenant)
    for token in (tenant.token, other):
        answer = await client.post(
            "/v1/deals", json={"name": "Same"}, headers={"X-API-Key": token, "Idempotency-Key": "shared"}
        )
        assert answer.status_code == 201
        assert "idempotent-replayed" not in answer.headers
    assert await _deals(services, tenant.org.id) == 2


async def test_a_failed_request_lets_its_key_go(client: Any, factory: Any) -> None:
    tenant = await factory.tenant()
    headers = {**tenant.headers, "Idempotency-Key": "k-fail"}
    assert (await client.post("/v1/deals", json={"name": ""}, headers=headers)).status_code == 400
    fixed = await client.post("/v1/deals", json={"name": "Fixed"}, headers=headers)
    assert fixed.status_code == 201


async def test_a_bad_key_is_a_400(client: Any, factory: Any) -> None:
    tenant = await factory.tenant()
    answer = await client.post(
        "/v1/deals", json={"name": "x"}, headers={**tenant.headers, "Idempotency-Key": "x" * 300}
    )
    assert answer.status_code == 400
    assert answer.json()["issues"][0]["path"] == ["Idempotency-Key"]


async def test_a_kept_answer_holding_a_secret_is_sealed(
    client: Any, factory: Any, services: Services
) -> None:
    tenant = await factory.tenant()
    headers = {**tenant.headers, "Idempotency-Key": "new-token"}
    first = await client.post("/v1/tokens", json={"name": "ci"}, headers=headers)
    assert first.status_code == 201
    plaintext = first.json()["token"]
    again = await client.post("/v1/tokens", json={"name": "ci"}, headers=headers)
    assert again.json()["token"] == plaintext
    if isinstance(store_for(services), DatabaseStore):
        async with services.sessionmaker() as session:
            bodies = (await session.execute(select(IdempotencyKey.body))).scalars().all()
        assert bodies and all(plaintext.encode() not in b for b in bodies if b)
    async with services.sessionmaker() as session:
        stmt = select(func.count()).select_from(ApiToken).where(ApiToken.organization_id == tenant.org.id)
        assert (await session.execute(stmt)).scalar_one() == 2  # the factory's and one new


async def test_jsend_uploads_take_keys_too(client: Any, factory: Any) -> None:
    tenant = await factory.tenant()
    csv = b"Opportunity ID,Opportunity Name\nOPP-1,Acme\n"
    headers = {"Authorization": tenant.token, "Idempotency-Key": "upload-1"}
    files = {"file": ("opps.csv", csv, "text/csv")}
    first = await client.post("/api/v1/admin/opportunities/upload", files=files, headers=headers)
    again = await client.post("/api/v1/admin/opportunities/upload", files=files, headers=headers)
    assert first.status_code == again.status_code == 200
    assert again.json() == first.json()
    assert again.headers["idempotent-replayed"] == "true"


async def test_two_app_instances_share_keys(factory: Any, services: Services, settings: Any) -> None:
    """Two servers on one database (or one Redis): a retry through the other one is a replay."""
    tenant = await factory.tenant()
    other = Services.build(settings)
    try:
        apps = [create_app(settings, services), create_app(settings, other)]
        answers = []
        for app in apps:
            async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
                answers.append(
                    await c.post(
                        "/v1/deals",
                        json={"name": "Twice"},
                        headers={**tenant.headers, "Idempotency-Key": "x"},
                    )
                )
        assert answers[0].json() == answers[1].json()
        assert answers[1].headers["idempotent-replayed"] == "true"
        assert await _deals(services, tenant.org.id) == 1
    finally:
        await other.close()


async def test_concurrent_first_requests_run_once(client: Any, factory: Any, services: Services) -> None:
    tenant = await factory.tenant()
    headers = {**tenant.headers, "Idempotency-Key": "burst"}
    answers = await asyncio.gather(
        *(client.post("/v1/deals", json={"name": "Burst"}, headers=headers) for _ in range(8))
    )
    statuses = sorted(a.status_code for a in answers)
    assert set(statuses) <= {201, 409}
    assert 201 in statuses
    assert await _deals(services, tenant.org.id) == 1


async def test_the_redis_store_replays_and_refuses_like_the_database(services: Services) -> None:
    url = os.environ.get("DEALBENCH_TEST_REDIS_URL")
    if not url:
        pytest.skip("DEALBENCH_TEST_REDIS_URL not set (make test sets it)")
    import uuid

    from dealbench.idempotency import Kept

    store = RedisStore(url, services.secret_key, f"test-{uuid.uuid4().hex[:8]}")
    slot = uuid.uuid4().hex
    assert (await store.claim(slot, "f1")).mine
    assert (await store.claim(slot, "f1")).running
    assert (await store.claim(slot, "f2")).reused
    await store.keep(slot, "f1", Kept(201, [["content-type", "application/json"]], b'{"id":1}'))
    kept = (await store.claim(slot, "f1")).kept
    assert kept is not None and kept.body == b'{"id":1}' and kept.status == 201
    raw = await store.redis.get(store.prefix + slot)
    assert raw is not None and b'{"id":1}' not in raw  # sealed
    await store.redis.aclose()
