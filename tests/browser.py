"""What the browser tests share: Debian's chromium and its flags, the skip without it, the
``dealbench`` command line, and a real server (``dealbench serve`` in a subprocess) on the suite's
backend: its own SQLite file, or on the PostgreSQL pass its own PostgreSQL database with the
suite's Redis."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest

from tests.conftest import _free_port, stop_process

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

# Skipped on a developer's machine without Chromium; under CI (CI=true) a missing Chromium is a
# failure, not a skip (`make test` installs it: scripts/services).
UNDER_CI = os.environ.get("CI", "").lower() == "true"
needs_chromium = pytest.mark.skipif(
    not UNDER_CI and not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed"
)


def cli(env: dict[str, str], *args: str, stdin: str | None = None) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "dealbench", *args],
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


#: The PostgreSQL databases made for browser servers in this session (dropped at its end: conftest).
MADE_DATABASES: list[str] = []


def _pg_admin(url: str, sql: str) -> None:
    """One statement on the PostgreSQL server, in a thread of its own (callers may be in an event loop)."""

    async def run() -> None:
        conn = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://"))
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, run()).result()


def drop_made_databases() -> None:
    pg = os.environ.get("DEALBENCH_TEST_DATABASE_URL", "")
    while MADE_DATABASES:
        _pg_admin(pg, f'DROP DATABASE IF EXISTS "{MADE_DATABASES.pop()}" WITH (FORCE)')


def _backend(tmp: Path) -> dict[str, str]:
    """The server's database and Redis: the suite's backend, in a database of the server's own."""
    pg = os.environ.get("DEALBENCH_TEST_DATABASE_URL", "")
    if not pg.startswith("postgres"):
        return {"DEALBENCH_DATABASE_URL": f"sqlite:///{tmp}/db.sqlite", "DEALBENCH_REDIS_URL": ""}
    name = f"dealbench_browser_{uuid.uuid4().hex[:10]}"
    _pg_admin(pg, f'CREATE DATABASE "{name}"')
    MADE_DATABASES.append(name)
    return {
        "DEALBENCH_DATABASE_URL": f"{pg.rpartition('/')[0]}/{name}",
        "DEALBENCH_REDIS_URL": os.environ.get("DEALBENCH_TEST_REDIS_URL", ""),
    }


def bootstrapped(
    tmp: Path, *, secret_key: str, slug: str, admin_email: str, env: dict[str, str] | None = None
) -> tuple[dict[str, str], dict[str, Any]]:
    """The environment of a Dealbench on a database of its own (the suite's backend), with the
    organization 'Browser' bootstrapped in it; answers the environment and the bootstrap's JSON."""
    full = {
        **os.environ,
        **_backend(tmp),
        "DEALBENCH_VAR_DIR": str(tmp),
        "DEALBENCH_SECRET_KEY": secret_key,
        **(env or {}),
    }
    full.pop("DEALBENCH_TEST_DATABASE_URL", None)
    created = json.loads(
        cli(full, "bootstrap", "--org", "Browser", "--slug", slug, "--admin-email", admin_email, "--json")
    )
    return full, created


@contextmanager
def serving(env: dict[str, str], *, timeout: float) -> Iterator[str]:
    """`dealbench serve` on a free port with `env`, up within `timeout` seconds; yields its base URL."""
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "dealbench", "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert proc.poll() is None, "the server exited"
            assert time.monotonic() < deadline, "the server did not start"
            time.sleep(0.2)
        yield base
    finally:
        stop_process(proc)


async def sign_in(page: Any, base: str, email: str, password: str, then: str = "/deals") -> None:
    """Sign in through the web app's form: ``then`` signed out is the sign-in page, then back there."""
    await page.goto(f"{base}{then}")
    await page.get_by_label("Email").fill(email)
    await page.get_by_label("Password").fill(password)
    await page.get_by_role("button", name="Sign in").click()
    await page.wait_for_url(f"{base}{then}")


def watch(page: Any, requests: list[str], errors: list[str]) -> None:
    """Every URL the page asks for (no CDN may be among them) and every script error it meets."""
    page.on("request", lambda r: requests.append(r.url))
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
