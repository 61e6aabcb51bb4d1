"""Two server processes on one PostgreSQL, one Redis and one S3-compatible store behave as one.

Each server is ``dealbench serve`` in its own process on a free port, on the suite's PostgreSQL
database, Redis (``DEALBENCH_TEST_REDIS_URL``) and the moto S3 server. A change made through one
is seen by the other at once: nothing that decides a request is cached in a process.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import text

from dealbench.kit.services import Services
from tests.conftest import _free_port, make_s3_storage_settings
from tests.factories import Factory, Tenant

SECRET_KEY = "test-secret-key"  # the suite's: tokens minted by the factory work on both servers


def _start(port: int, env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("wb") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "dealbench", "serve", "--host", "127.0.0.1", "--port", str(port)],
            env={**os.environ, **env},
            stdout=out,
            stderr=subprocess.STDOUT,
        )


def _wait_ready(url: str, proc: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 60  # a start-up timeout, not a measure
    while True:
        try:
            if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"dealbench serve did not start:\n{log.read_text()[-3000:]}")
        time.sleep(0.1)


@pytest.fixture(scope="module")
def servers(database_url: str, request: Any, tmp_path_factory: Any) -> Iterator[list[str]]:
    """Two ``dealbench serve`` processes sharing the database, Redis and the S3 bucket."""
    if not database_url.startswith("postgres"):
        pytest.skip("scale-out needs PostgreSQL: it runs on the PostgreSQL pass of the suite")
    redis_url = os.environ.get("DEALBENCH_TEST_REDIS_URL")
    if not redis_url:
        pytest.skip("scale-out needs Redis: DEALBENCH_TEST_REDIS_URL is not set (make test sets it)")
    storage = make_s3_storage_settings(request.getfixturevalue("s3_endpoint"))
    env = {
        "DEALBENCH_DATABASE_URL": database_url,
        "DEALBENCH_REDIS_URL": redis_url,
        "DEALBENCH_SECRET_KEY": SECRET_KEY,
        "DEALBENCH_RATE_LIMIT_PER_MINUTE": "100000",
        "DEALBENCH_LOG_LEVEL": "warning",
        **{f"DEALBENCH_{k.upper()}": str(v) for k, v in storage.items()},
    }
    tmp = tmp_path_factory.mktemp("scale-out")
    procs, urls, logs = [], [], []
    try:
        for name in ("a", "b"):
            port = _free_port()
            log = tmp / f"{name}.log"
            procs.append(_start(port, {**env, "DEALBENCH_VAR_DIR": str(tmp / name)}, log))
            urls.append(f"http://127.0.0.1:{port}")
            logs.append(log)
        for url, proc, log in zip(urls, procs, logs, strict=True):
            _wait_ready(url, proc, log)
        yield urls
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()


@pytest.fixture
async def two(servers: list[str]) -> AsyncIterator[tuple[httpx.AsyncClient, httpx.AsyncClient]]:
    async with httpx.AsyncClient(base_url=servers[0]) as a, httpx.AsyncClient(base_url=servers[1]) as b:
        yield a, b


@pytest.fixture
async def tenant(services: Services) -> Tenant:
    return await Factory(services).tenant()


async def _new_token(client: httpx.AsyncClient, tenant: Tenant, **body: Any) -> dict[str, Any]:
    r = await client.post("/v1/tokens", json={"name": "scale-out", **body}, headers=tenant.headers)
    assert r.status_code == 201, r.text
    return r.json()  # type: ignore[no-any-return]


async def test_a_token_revoked_through_one_is_refused_by_the_other(two: Any, tenant: Tenant) -> None:
    a, b = two
    token = await _new_token(a, tenant, scopes=["deals:read"])
    headers = {"X-API-Key": token["token"]}
    assert (await b.get("/v1/deals", headers=headers)).status_code == 200
    r = await a.delete(f"/v1/tokens/{token['id']}", headers=tenant.headers)
    assert r.status_code == 200, r.text
    refused = await b.get("/v1/deals", headers=headers)
    assert refused.status_code == 401 and "revoked" in refused.json()["error"]


async def test_an_idempotency_key_used_through_one_replays_through_the_other(
    two: Any, tenant: Tenant, services: Services
) -> None:
    a, b = two
    headers = {**tenant.headers, "Idempotency-Key": "cross-process"}
    first = await a.post("/v1/deals", json={"name": "Once"}, headers=headers)
    again = await b.post("/v1/deals", json={"name": "Once"}, headers=headers)
    other = await b.post("/v1/deals", json={"name": "Other"}, headers=headers)
    assert (first.status_code, again.status_code, other.status_code) == (201, 201, 422)
    assert again.json() == first.json() and again.headers["idempotent-replayed"] == "true"
    listed = await a.get("/v1/deals", headers=tenant.headers)
    assert listed.json()["totalCount"] == 1


async def test_switching_api_access_off_through_one_holds_on_the_other(two: Any, tenant: Tenant) -> None:
    a, b = two
    assert (await b.get("/v1/organization", headers=tenant.headers)).status_code == 200
    r = await a.patch(
        "/v1/organization", json={"settings": {"apiAccessEnabled": False}}, headers=tenant.headers
    )
    assert r.status_code == 200, r.text
    for client in (b, a):
        refused = await client.get("/v1/organization", headers=tenant.headers)
        assert refused.status_code == 403 and "apiAccessEnabled" in refused.json()["error"]


async def test_a_document_uploaded_through_one_is_downloaded_through_the_other(
    two: Any, tenant: Tenant
) -> None:
    a, b = two
    r = await a.post("/v1/projects", json={"name": "Shared room"}, headers=tenant.headers)
    assert r.status_code == 201, r.text
    project = r.json()["id"]
    content = os.urandom(6 * 1024 * 1024 + 123)  # more than one part of the S3 multipart upload
    r = await a.post(
        f"/v1/projects/{project}/documents",
        files={"file": ("big.bin", content, "application/octet-stream")},
        headers=tenant.headers,
        timeout=60,
    )
    assert r.status_code == 201, r.text
    doc = r.json()
    assert doc["sha256"] == hashlib.sha256(content).hexdigest()
    got = await b.get(
        f"/v1/projects/{project}/documents/{doc['id']}/content", headers=tenant.headers, timeout=60
    )
    assert got.status_code == 200, got.text
    assert got.content == content
    listed = await b.get(f"/v1/projects/{project}/documents", headers=tenant.headers)
    assert [d["id"] for d in listed.json()["items"]] == [doc["id"]]


async def _spread_ids(services: Services) -> None:
    """Redis is shared by every test session on the machine, and the limiter's keys name token ids:
    start this session's token ids at a random point so that concurrent runs never share a counter."""
    async with services.sessionmaker() as session:
        await session.execute(
            text(
                "SELECT setval(pg_get_serial_sequence('api_tokens', 'id'), "
                "(SELECT last_value FROM api_tokens_id_seq) + 1 + floor(random() * 1000000000)::int)"
            )
        )
        await session.commit()


async def test_a_limit_holds_exactly_across_both(two: Any, tenant: Tenant, services: Services) -> None:
    """30 per minute for one token, 40 requests at once spread over both servers: exactly 30 pass.

    Fixed one-minute windows reset on the minute: a run that crossed a minute boundary is done
    again with a new token (it then starts just after one). A moving window needs no retry.
    """
    a, b = two
    await _spread_ids(services)
    for _attempt in range(2):
        token = await _new_token(a, tenant, scopes=["deals:read"], rateLimitPerMinute=30)
        headers = {"X-API-Key": token["token"]}
        window = int(time.time() // 60)
        answers = await asyncio.gather(*((a, b)[i % 2].get("/v1/deals", headers=headers) for i in range(40)))
        late = [await client.get("/v1/deals", headers=headers) for client in (a, b)]
        if int(time.time() // 60) == window:
            break
    statuses = sorted(r.status_code for r in answers)
    assert statuses == [200] * 30 + [429] * 10
    assert [r.status_code for r in late] == [429, 429]
    assert all(r.headers.get("Retry-After") for r in answers if r.status_code == 429)
    # Each server let at least 10 of its 20 through: the budget is one, not one per process.
    per_server = [sum(r.status_code == 200 for r in answers[i::2]) for i in (0, 1)]
    assert min(per_server) >= 10 and sum(per_server) == 30
