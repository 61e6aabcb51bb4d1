"""Concurrency of the foundation: two app instances on one Redis, several processes migrating one
fresh PostgreSQL database at once."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest

from dealbench.app import create_app
from dealbench.kit.services import Services
from tests.factories import unique


@pytest.fixture
def redis_url() -> str:
    url = os.environ.get("DEALBENCH_TEST_REDIS_URL")
    if not url:
        pytest.skip("DEALBENCH_TEST_REDIS_URL not set (make test sets it)")
    return url


async def test_two_app_instances_share_the_rate_limit_through_redis(
    settings: Any, factory: Any, redis_url: str
) -> None:
    """Two apps (two processes' worth of services: engine, limiter, Redis connection), one Redis:
    the limit of a token holds across both, through the real middleware and headers."""
    t = await factory.tenant()
    token = await factory.token(t, rate_limit_per_minute=4)
    # token ids repeat between test databases: keep this run's keys apart from other runs on this Redis
    shared = settings.model_copy(
        update={"redis_url": redis_url, "redis_key_prefix": unique("dealbench-test-")}
    )
    first, second = Services.build(shared), Services.build(shared)
    apps = [create_app(shared, first), create_app(shared, second)]
    try:
        clients = [
            httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver")
            for app in apps
        ]
        seen = [await clients[i % 2].get("/v1/organization", headers={"X-API-Key": token}) for i in range(5)]
        for c in clients:
            await c.aclose()
    finally:
        await first.close()
        await second.close()
    assert first.rate_limiter.backend == second.rate_limiter.backend == "redis"
    assert [r.status_code for r in seen] == [200, 200, 200, 200, 429]
    assert [r.headers["x-ratelimit-remaining"] for r in seen[:4]] == ["3", "2", "1", "0"]
    assert seen[4].headers["retry-after"] and seen[4].json()["error"]


def test_concurrent_migrations_of_a_fresh_database_all_succeed(database_url: str, tmp_path: Path) -> None:
    """Several servers starting at once on an empty PostgreSQL database: the migration advisory lock
    lets one migrate while the others wait, then find the schema at head."""
    if not database_url.startswith("postgres"):
        pytest.skip("the migration lock is PostgreSQL's; SQLite is one file that one server migrates")
    server, _, _ = database_url.rpartition("/")
    name = f"dealbench_migrate_{uuid.uuid4().hex[:10]}"

    async def admin(sql: str) -> None:
        conn = await asyncpg.connect(f"{server}/postgres")
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    asyncio.run(admin(f'CREATE DATABASE "{name}"'))
    try:
        env = {**os.environ, "DEALBENCH_DATABASE_URL": f"{server}/{name}", "DEALBENCH_VAR_DIR": str(tmp_path)}
        procs = [
            subprocess.Popen(
                [sys.executable, "-m", "dealbench", "db", "upgrade"],
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for _ in range(3)
        ]
        results = [(p.wait(timeout=180), p.stderr.read() if p.stderr else "") for p in procs]
        assert [code for code, _ in results] == [0, 0, 0], results
        check = subprocess.run(
            [sys.executable, "-m", "dealbench", "db", "check"],
            env=env,
            capture_output=True,
            text=True,
            timeout=180,
        )
        assert check.returncode == 0, check.stderr
    finally:
        asyncio.run(admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
