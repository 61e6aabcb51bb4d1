"""The dealbench command: bootstrap, tokens, db upgrade (run as a real subprocess)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest


def _run(args: list[str], tmp_path: Path) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "DEALBENCH_VAR_DIR": str(tmp_path),
        "DEALBENCH_DATABASE_URL": f"sqlite:///{tmp_path}/cli.db",
    }
    return subprocess.run(
        [sys.executable, "-m", "dealbench", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )


@pytest.mark.parametrize("_", [None])
def test_bootstrap_json_tokens_and_existing_slug(tmp_path: Path, _: None) -> None:
    first = _run(
        ["bootstrap", "--org", "Acme", "--slug", "acme", "--admin-email", "ops@acme.example", "--json"],
        tmp_path,
    )
    assert first.returncode == 0, first.stderr
    body = json.loads(first.stdout)
    assert set(body) == {"organization", "user", "token"}
    assert body["organization"] == {"id": body["organization"]["id"], "name": "Acme", "slug": "acme"}
    assert body["user"]["email"] == "ops@acme.example" and body["token"].endswith("o")
    assert (tmp_path / "secret.key").exists()

    again = _run(
        ["bootstrap", "--org", "Acme", "--slug", "acme", "--admin-email", "x@acme.example", "--json"],
        tmp_path,
    )
    assert again.returncode == 1 and again.stdout == ""
    assert len(again.stderr.strip().splitlines()) == 1 and "acme" in again.stderr

    token = _run(
        [
            "tokens",
            "create",
            "--org",
            "acme",
            "--user",
            "ops@acme.example",
            "--name",
            "ci",
            "--scopes",
            "deals:read tickets:write",
        ],
        tmp_path,
    )
    assert token.returncode == 0, token.stderr
    assert token.stdout.strip().endswith("p")
    assert _run(["tokens", "revoke", "2"], tmp_path).returncode == 0
    assert _run(["db", "upgrade"], tmp_path).returncode == 0


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
        key = next(w for line in lines for w in line.split() if w.startswith("dbk_") and w.endswith("o"))
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
    finally:
        proc.terminate()
        output, _ = proc.communicate(timeout=30)
    text = "".join(lines) + output
    assert sum("127.0.0.1:1" in line for line in text.splitlines()) == 1, text
    assert "UNREACHABLE" in text and "Traceback" not in text
