"""Passwords from the command line: ``bootstrap --admin-password`` (option, environment variable)
and ``users set-password`` (standard input); never an argument that other users could read."""

from __future__ import annotations

import subprocess
import sys
import uuid

import httpx
from fastapi import FastAPI

from tests.foundation.test_cli import cli_env  # noqa: F401 - the fixture
from tests.web.helpers import sign_in


def _run(args: list[str], env: dict[str, str], stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "dealbench", *args],
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
    )


async def test_bootstrap_password_from_the_environment_then_set_password(
    app: FastAPI,
    cli_env: dict[str, str],  # noqa: F811
) -> None:
    slug = f"pw-{uuid.uuid4().hex[:8]}"
    email = f"admin-{slug}@example.com"
    env = {**cli_env, "DEALBENCH_ADMIN_PASSWORD": "first password"}
    done = _run(["bootstrap", "--org", "Pw", "--slug", slug, "--admin-email", email, "--json"], env)
    assert done.returncode == 0, done.stderr
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as web:
        assert (await sign_in(web, email, "first password")).status_code == 303

    short = _run(["users", "set-password", "--org", slug, email], cli_env, stdin="short\n")
    assert short.returncode == 1 and "at least 8 characters" in short.stderr
    done = _run(["users", "set-password", "--org", slug, email], cli_env, stdin="second password\n")
    assert done.returncode == 0, done.stderr
    missing = _run(
        ["users", "set-password", "--org", slug, "nobody@example.com"], cli_env, stdin="whatever1\n"
    )
    assert missing.returncode == 1 and "no user" in missing.stderr
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as web:
        assert (await sign_in(web, email, "first password")).status_code == 401
        assert (await sign_in(web, email, "second password")).status_code == 303


def test_bootstrap_reads_the_password_from_stdin_with_a_dash(cli_env: dict[str, str]) -> None:  # noqa: F811
    slug = f"pw-{uuid.uuid4().hex[:8]}"
    done = _run(
        [
            "bootstrap",
            "--org",
            "Pw",
            "--slug",
            slug,
            "--admin-email",
            f"a@{slug}.example.com",
            "--admin-password",
            "-",
        ],
        cli_env,
        stdin="from stdin 123\n",
    )
    assert done.returncode == 0, done.stderr
