"""Test fixtures: a real database per test session (SQLite by default, PostgreSQL with
``DEALBENCH_TEST_DATABASE_URL``), built by the migrations, and an app per session.

Tests isolate by tenant: each test makes its own organizations, so nothing is truncated.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
from fastapi import FastAPI

from dealbench.app import create_app
from dealbench.kit.migrate import upgrade
from dealbench.kit.services import Services
from dealbench.settings import Settings
from tests.factories import Factory, StatementCounter


def _pg_admin_url(url: str) -> str:
    return url.replace("postgresql+asyncpg://", "postgresql://")


@pytest.fixture(scope="session")
def database_url() -> Iterator[str]:
    """A fresh database for this test session, migrated to head."""
    pg = os.environ.get("DEALBENCH_TEST_DATABASE_URL")
    if not pg:
        with tempfile.TemporaryDirectory(prefix="dealbench-test-") as tmp:
            url = f"sqlite:///{tmp}/test.db"
            upgrade(url)
            yield url
        return
    import asyncio

    base = _pg_admin_url(pg)
    name = f"dealbench_test_{uuid.uuid4().hex[:12]}"
    server, _, _ = base.rpartition("/")

    async def admin(sql: str) -> None:
        conn = await asyncpg.connect(base)
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    asyncio.run(admin(f'CREATE DATABASE "{name}"'))
    url = f"{server}/{name}"
    try:
        upgrade(url)
        yield url
    finally:
        asyncio.run(admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(scope="session", autouse=True)
def _browser_databases() -> Iterator[None]:
    """The databases the browser tests' servers made on the PostgreSQL pass, dropped at the end."""
    yield
    from tests.browser import drop_made_databases

    drop_made_databases()


@pytest.fixture
async def web(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """The app as a browser asks for pages (``Accept: text/html``), without a session until one is set."""
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://testserver", headers={"Accept": "text/html"}
    ) as c:
        yield c


@pytest.fixture(scope="session")
def var_dir() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="dealbench-var-") as tmp:
        yield Path(tmp)


@pytest.fixture(scope="session")
def settings(database_url: str, var_dir: Path) -> Settings:
    return Settings(
        database_url=database_url,
        var_dir=var_dir,
        secret_key="test-secret-key",
        storage_url=f"file://{var_dir}/files",
        rate_limit_per_minute=100_000,
        redis_url=None,
        base_domain="dealbench.test",
        allowed_hosts=["testserver"],
    )


@asynccontextmanager
async def built_services(settings: Settings) -> AsyncIterator[Services]:
    """The services of ``settings`` (engine, storage, ...), closed afterwards."""
    svc = Services.build(settings)
    yield svc
    await svc.close()


@asynccontextmanager
async def asgi_client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client calling ``app`` in-process, at http://testserver."""
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as c:
        yield c


@pytest.fixture(scope="session")
async def services(settings: Settings) -> AsyncIterator[Services]:
    async with built_services(settings) as svc:
        yield svc


@pytest.fixture(scope="session")
def app(settings: Settings, services: Services) -> FastAPI:
    return create_app(settings, services)


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with asgi_client(app) as c:
        yield c


@pytest.fixture
def factory(services: Services) -> Factory:
    return Factory(services)


@pytest.fixture
def count_statements(services: Services) -> Iterator[StatementCounter]:
    counter = StatementCounter(services.engine)
    with counter:
        yield counter


@pytest.fixture
def is_postgres(database_url: str) -> bool:
    return database_url.startswith("postgres")


def stop_process(proc: subprocess.Popen[Any]) -> None:
    """Terminate a server started by a test; kill it if it has not exited within 10 s."""
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[str]:
    """moto's S3-compatible HTTP server, in its own process, for the session (started on first use)."""
    port = _free_port()
    env = {**os.environ, "AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=env,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.get(url + "/moto-api/", timeout=1)
                break
            except httpx.HTTPError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise RuntimeError("moto server did not start") from None
                time.sleep(0.2)
        yield url
    finally:
        stop_process(proc)


def make_s3_storage_settings(endpoint: str) -> dict[str, Any]:
    """Settings of an S3 storage in a new bucket of the moto server."""
    bucket = f"docs-{uuid.uuid4().hex[:12]}"
    httpx.put(f"{endpoint}/{bucket}", timeout=10).raise_for_status()  # moto: create the bucket
    return {
        "storage_url": f"s3://{bucket}/prefix",
        "s3_endpoint": endpoint,
        "s3_region": "us-east-1",
        "s3_access_key_id": "test",
        "s3_secret_access_key": "test",
    }
