"""The dealbench command, run as a real subprocess on the session's database (SQLite or PostgreSQL):
bootstrap, tokens, org set, db upgrade/check, serve --demo. What it writes is checked through the API."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.factories import unique


@pytest.fixture
def cli_env(database_url: str, settings: Any, tmp_path: Path) -> dict[str, str]:
    """The CLI's environment: the test database, and the app's secret key (its tokens work here)."""
    return {
        **os.environ,
        "DEALBENCH_VAR_DIR": str(tmp_path),
        "DEALBENCH_DATABASE_URL": database_url,
        "DEALBENCH_SECRET_KEY": settings.secret_key,
        "DEALBENCH_STORAGE_URL": settings.storage_url,
    }


def _run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "dealbench", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )


async def test_bootstrap_json_tokens_and_existing_slug(client: Any, cli_env: dict[str, str]) -> None:
    slug = unique("acme-")
    email = f"ops@{slug}.example"
    first = _run(["bootstrap", "--org", "Acme", "--slug", slug, "--admin-email", email, "--json"], cli_env)
    assert first.returncode == 0, first.stderr
    body = json.loads(first.stdout)
    assert set(body) == {"organization", "user", "token"}
    assert body["organization"] == {"id": body["organization"]["id"], "name": "Acme", "slug": slug}
    assert body["user"]["email"] == email and body["token"].endswith("o")
    org_headers = {"X-API-Key": body["token"]}
    org = await client.get("/v1/organization", headers=org_headers)
    assert org.status_code == 200 and org.json()["id"] == body["organization"]["id"]
    users = (await client.get("/v1/organization/users", headers=org_headers)).json()["items"]
    assert [(u["email"], u["role"]) for u in users] == [(email, "ADMIN")]

    again = _run(
        ["bootstrap", "--org", "Acme", "--slug", slug, "--admin-email", "x@acme.example", "--json"], cli_env
    )
    assert again.returncode == 1 and again.stdout == ""
    assert len(again.stderr.strip().splitlines()) == 1 and slug in again.stderr

    token = _run(
        [
            "tokens",
            "create",
            "--org",
            slug,
            "--user",
            email,
            "--name",
            "ci",
            "--scopes",
            "deals:read tickets:write",
        ],
        cli_env,
    )
    assert token.returncode == 0, token.stderr
    plaintext = token.stdout.strip()
    assert plaintext.endswith("p")
    personal = {"X-API-Key": plaintext}
    assert (await client.get("/v1/deals", headers=personal)).status_code == 200
    assert (await client.get("/v1/organization/users", headers=personal)).status_code == 403
    listed = (await client.get("/v1/tokens", headers=org_headers)).json()["items"]
    made = next(t for t in listed if t["name"] == "ci")
    assert (made["kind"], sorted(made["scopes"])) == ("PERSONAL", ["deals:read", "tickets:write"])

    revoked = _run(["tokens", "revoke", str(made["id"])], cli_env)
    assert revoked.returncode == 0, revoked.stderr
    assert f"Token {made['id']} revoked" in revoked.stderr
    assert (await client.get("/v1/deals", headers=personal)).status_code == 401
    assert _run(["db", "upgrade"], cli_env).returncode == 0


def test_token_errors_exit_1_with_one_line(cli_env: dict[str, str]) -> None:
    cases = [
        (
            ["tokens", "create", "--org", unique("nowhere-"), "--name", "x", "--scopes", "*"],
            "no organization",
        ),
        (["tokens", "revoke", "2000000000"], "no token with id 2000000000"),
        (["org", "set", unique("nowhere-"), "--api-access"], "no organization"),
        (["graphql", "sdl", "--kind", "martian"], "unknown kind"),
    ]
    for args, message in cases:
        result = _run(args, cli_env)
        assert result.returncode == 1, (args, result.stderr)
        assert message in result.stderr and "Traceback" not in result.stderr, result.stderr


async def test_org_set_switches_api_access_from_the_server(
    client: Any, factory: Any, cli_env: dict[str, str]
) -> None:
    tenant = await factory.tenant()
    off = _run(["org", "set", tenant.org.slug, "--no-api-access", "--no-api-download-default"], cli_env)
    assert off.returncode == 0, off.stderr
    refused = await client.get("/v1/organization", headers=tenant.headers)
    assert refused.status_code == 403 and "apiAccessEnabled" in refused.json()["error"]
    on = _run(["org", "set", tenant.org.slug, "--api-access"], cli_env)
    assert on.returncode == 0, on.stderr
    organization = await client.get("/v1/organization", headers=tenant.headers)
    assert organization.status_code == 200
    assert organization.json()["settings"]["apiAccessEnabled"] is True
    assert organization.json()["settings"]["apiDownloadEnabledDefault"] is False


def test_db_check_and_upgrade_agree_with_the_models(cli_env: dict[str, str]) -> None:
    upgraded = _run(["db", "upgrade"], cli_env)
    assert upgraded.returncode == 0 and "Schema up to date." in upgraded.stderr
    checked = _run(["db", "check"], cli_env)
    assert checked.returncode == 0, checked.stderr
    assert "Traceback" not in checked.stderr


def test_openapi_and_sdl_are_printed(cli_env: dict[str, str], tmp_path: Path) -> None:
    out = tmp_path / "openapi.json"
    assert _run(["openapi", "--out", str(out)], cli_env).returncode == 0
    assert json.loads(out.read_text())["openapi"].startswith("3.1")
    sdl = _run(["graphql", "sdl", "--kind", "public"], cli_env)
    assert sdl.returncode == 0 and "apiVersion" in sdl.stdout


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_serve_demo_answers_and_prints_how_to_sign_in(cli_env: dict[str, str]) -> None:
    """``serve --demo`` on a free port: it prints the URLs and a key, answers with that key (the demo
    organization and its sample content exist), and stops on SIGTERM."""
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "dealbench", "serve", "--demo", "--port", str(port)],
        env={**cli_env, "COLUMNS": "200"},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    lines: list[str] = []
    try:
        assert proc.stdout is not None
        deadline = time.monotonic() + 120
        while not any(line.startswith("Try") for line in lines) and time.monotonic() < deadline:
            line = proc.stdout.readline()
            if not line:
                break
            lines.append(line)
        text = "".join(lines)
        match = re.search(r"API key \('\*'\) : (dbk_\S+o)", text)
        assert match, text
        key = match.group(1)
        assert f"{base}/docs" in text and f"{base}/graphql?access_token={key}" in text
        assert f"curl -H 'X-API-Key: {key}' {base}/v1/organization" in text
        personal = re.search(r"Personal key  : (dbk_\S+p) \(ada@demo\.dealbench\.dev, ADMIN\)", text)
        assert personal, text
        token = personal.group(1)
        assert f"{base}/graphql?access_token={token}" in text and "{ me {" in text
        for email in ("ada", "sam", "erin", "vic"):
            assert f"{email}@demo.dealbench.dev (" in text, text
        assert "Rate limit    : 600 requests a minute for each demo key" in text
        while True:
            try:
                if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                assert proc.poll() is None and time.monotonic() < deadline, "".join(lines)
                time.sleep(0.2)
        headers = {"X-API-Key": key}
        org = httpx.get(f"{base}/v1/organization", headers=headers, timeout=10)
        assert org.status_code == 200 and org.json()["slug"] == "demo", org.text
        users = httpx.get(f"{base}/v1/organization/users", headers=headers, timeout=10).json()
        assert {u["role"] for u in users["items"]} == {"ADMIN", "MEMBER", "VIEWER"}
        for path in ("/v1/deals", "/v1/tickets", "/v1/evaluations", "/v1/projects", "/v1/contacts"):
            listed = httpx.get(f"{base}{path}", headers=headers, timeout=10)
            assert listed.status_code == 200 and listed.json()["totalCount"] > 0, (path, listed.text)
        assert org.headers["x-ratelimit-limit"] == "600"
        me = httpx.post(
            f"{base}/graphql",
            headers={"Authorization": f"Bearer {token}"},
            json={"query": "{ me { user { email is_admin } } }"},
            timeout=10,
        )
        assert me.status_code == 200, me.text
        assert me.json() == {"data": {"me": {"user": {"email": "ada@demo.dealbench.dev", "is_admin": True}}}}
        assert me.headers["x-ratelimit-limit"] == "600"
    finally:
        proc.terminate()
        try:
            rest, _ = proc.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            rest, _ = proc.communicate()
    # Uvicorn shuts down cleanly, then re-raises the signal it caught
    assert proc.returncode in {0, -signal.SIGTERM}, rest
    assert "Finished server process" in rest, rest


def test_serve_refuses_a_redis_url_of_another_scheme_in_one_line(tmp_path: Path) -> None:
    env_url = "http://127.0.0.1:6379/0"
    result = subprocess.run(
        [sys.executable, "-m", "dealbench", "serve", "--port", "1"],
        capture_output=True,
        text=True,
        env={**os.environ, "DEALBENCH_VAR_DIR": str(tmp_path), "DEALBENCH_REDIS_URL": env_url},
        timeout=120,
        check=False,
    )
    assert result.returncode == 1
    assert "DEALBENCH_REDIS_URL must start with redis://" in result.stderr
    assert "Traceback" not in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_serve_with_an_unreachable_redis_says_so_once_and_keeps_limiting(tmp_path: Path) -> None:
    """One line at start, none per request; requests are still limited (per process)."""
    import socket
    import time
    import urllib.error
    import urllib.request

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {
        **os.environ,
        "DEALBENCH_VAR_DIR": str(tmp_path),
        "DEALBENCH_DATABASE_URL": f"sqlite:///{tmp_path}/serve.db",
        "DEALBENCH_REDIS_URL": "redis://127.0.0.1:1/0",
        "DEALBENCH_RATE_LIMIT_PER_MINUTE": "3",
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "dealbench", "serve", "--port", str(port), "--demo"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
    )
    try:
        assert proc.stdout is not None
        lines: list[str] = []
        deadline = time.monotonic() + 90
        while not any("Uvicorn running on" in line for line in lines):
            assert time.monotonic() < deadline and proc.poll() is None, "".join(lines)
            lines.append(proc.stdout.readline())
        demo_key = next(w for line in lines for w in line.split() if w.startswith("dbk_") and w.endswith("o"))
        # The demo keys have 600 requests a minute of their own: a token with the server's limit (3)
        create = ["tokens", "create", "--org", "demo", "--name", "limited", "--scopes", "*"]
        made = subprocess.run(
            [sys.executable, "-m", "dealbench", *create],
            capture_output=True,
            text=True,
            env=env,
            timeout=120,
            check=True,
        )
        key = made.stdout.strip()
        statuses = []
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        for _ in range(5):
            request = urllib.request.Request(
                f"http://127.0.0.1:{port}/v1/organization", headers={"X-API-Key": key}
            )
            try:
                with opener.open(request, timeout=10) as response:
                    statuses.append(response.status)
            except urllib.error.HTTPError as exc:
                statuses.append(exc.code)
        assert statuses == [200, 200, 200, 429, 429]
        demo = urllib.request.Request(
            f"http://127.0.0.1:{port}/v1/organization", headers={"X-API-Key": demo_key}
        )
        for _ in range(5):
            with opener.open(demo, timeout=10) as response:
                assert response.status == 200 and response.headers["X-RateLimit-Limit"] == "600"
    finally:
        proc.terminate()
        output, _ = proc.communicate(timeout=30)
    text = "".join(lines) + output
    assert sum("127.0.0.1:1" in line for line in text.splitlines()) == 1, text
    assert "UNREACHABLE" in text and "Traceback" not in text
