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
