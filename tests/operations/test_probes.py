"""The probes: /healthz (the process answers) and /readyz (database, Redis, storage), with no token,
revealing no configuration, and never hanging on a dependency that does not answer."""

from __future__ import annotations

import os
import socket
import uuid
from typing import Any

import httpx
import pytest

from dealbench.settings import Settings
from tests.operations.conftest import app_with


def _closed_port() -> int:
    """A port nothing listens on (bound, then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _reveals_nothing(body: Any, *secrets: str) -> None:
    text = str(body)
    for secret in secrets:
        assert secret not in text
    assert set(body) == {"status", "checks"}
    assert set(body["checks"].values()) <= {"ok", "failed"}


async def test_healthz_answers_without_a_token(client: httpx.AsyncClient) -> None:
    r = await client.get("/healthz")
    assert r.status_code == 200 and r.json()["status"] == "ok"
    assert r.headers["cache-control"] == "no-store"


async def test_ready_on_the_session_database(client: httpx.AsyncClient, settings: Settings) -> None:
    """SQLite by default, PostgreSQL under DEALBENCH_TEST_DATABASE_URL: the same answer."""
    r = await client.get("/readyz")
    assert r.status_code == 200, r.text
    assert r.json() == {"status": "ok", "checks": {"database": "ok", "storage": "ok"}}
    _reveals_nothing(r.json(), settings.effective_database_url, str(settings.var_dir))


@pytest.mark.skipif(not os.environ.get("DEALBENCH_TEST_REDIS_URL"), reason="DEALBENCH_TEST_REDIS_URL not set")
async def test_ready_with_redis(settings: Settings) -> None:
    async with app_with(settings, redis_url=os.environ["DEALBENCH_TEST_REDIS_URL"]) as (_, c):
        r = await c.get("/readyz")
    assert r.status_code == 200, r.text
    assert r.json()["checks"] == {"database": "ok", "redis": "ok", "storage": "ok"}


async def test_redis_on_a_closed_port_is_503_naming_redis(settings: Settings) -> None:
    port = _closed_port()
    async with app_with(settings, redis_url=f"redis://127.0.0.1:{port}/0") as (_, c):
        r = await c.get("/readyz")
    assert r.status_code == 503
    assert r.json() == {
        "status": "unavailable",
        "checks": {"database": "ok", "redis": "failed", "storage": "ok"},
    }
    _reveals_nothing(r.json(), str(port), "redis://")


async def test_database_on_a_closed_port_is_503_naming_the_database(settings: Settings) -> None:
    port = _closed_port()
    url = f"postgresql://dealbench:hunter2@127.0.0.1:{port}/dealbench"
    async with app_with(settings, database_url=url) as (_, c):
        r = await c.get("/readyz")
        health = await c.get("/healthz")
    assert r.status_code == 503
    assert r.json() == {"status": "unavailable", "checks": {"database": "failed", "storage": "ok"}}
    _reveals_nothing(r.json(), str(port), "hunter2", "postgresql")
    assert health.status_code == 200  # the process itself is alive


async def test_storage_directory_gone_is_503(settings: Settings, tmp_path: Any) -> None:
    async with app_with(settings, storage_url=f"file://{tmp_path}/files") as (_, c):
        assert (await c.get("/readyz")).status_code == 200
        (tmp_path / "files" / "tmp").rmdir()
        r = await c.get("/readyz")
    assert r.status_code == 503 and r.json()["checks"]["storage"] == "failed"
    _reveals_nothing(r.json(), str(tmp_path))


def _s3(endpoint: str, bucket: str) -> dict[str, Any]:
    return {
        "storage_url": f"s3://{bucket}/docs",
        "s3_endpoint": endpoint,
        "s3_region": "us-east-1",
        "s3_access_key_id": "test",
        "s3_secret_access_key": "test",
    }


async def test_s3_storage_ready_and_missing_bucket(settings: Settings, s3_endpoint: str) -> None:
    bucket = f"ready-{uuid.uuid4().hex[:10]}"
    async with httpx.AsyncClient(timeout=10) as moto:
        (await moto.put(f"{s3_endpoint}/{bucket}")).raise_for_status()
    async with app_with(settings, **_s3(s3_endpoint, bucket)) as (_, c):
        r = await c.get("/readyz")
    assert r.status_code == 200, r.text
    async with app_with(settings, **_s3(s3_endpoint, f"missing-{bucket}")) as (_, c):
        r = await c.get("/readyz")
    assert r.status_code == 503 and r.json()["checks"] == {"database": "ok", "storage": "failed"}
    _reveals_nothing(r.json(), bucket, s3_endpoint)


async def test_s3_endpoint_on_a_closed_port_fails_within_the_timeout(settings: Settings) -> None:
    """The store retries connection errors for minutes; the probe gives up after its own timeout."""
    port = _closed_port()
    async with app_with(settings, **_s3(f"http://127.0.0.1:{port}", "docs")) as (_, c):
        r = await c.get("/readyz")
    assert r.status_code == 503 and r.json()["checks"]["storage"] == "failed"
