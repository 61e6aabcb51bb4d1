"""What the browser tests share: Debian's chromium and its flags, the skip without it, the
``dealbench`` command line, and a real server (``dealbench serve`` in a subprocess)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

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


def bootstrapped(
    tmp: Path, *, secret_key: str, slug: str, admin_email: str, env: dict[str, str] | None = None
) -> tuple[dict[str, str], dict[str, Any]]:
    """The environment of a Dealbench on its own SQLite database in ``tmp`` (no Redis), with the
    organization 'Browser' bootstrapped in it; answers the environment and the bootstrap's JSON."""
    full = {
        **os.environ,
        "DEALBENCH_DATABASE_URL": f"sqlite:///{tmp}/db.sqlite",
        "DEALBENCH_VAR_DIR": str(tmp),
        "DEALBENCH_SECRET_KEY": secret_key,
        "DEALBENCH_REDIS_URL": "",
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
