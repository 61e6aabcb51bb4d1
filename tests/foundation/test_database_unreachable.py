"""The database out of reach: every API route answers 503 with ``Retry-After`` in its dialect (not a
500), and the command line says in one line what it could not reach."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from dealbench.app import create_app
from dealbench.kit.services import Services
from dealbench.settings import Settings


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])  # closed again when the block ends: nothing listens there


UNREACHABLE = {
    "postgresql": f"postgresql://postgres@127.0.0.1:{_closed_port()}/dealbench",
    "sqlite": "sqlite:////dev/null/not-a-folder/dealbench.db",  # its folder can never be made
}


@pytest.fixture(params=sorted(UNREACHABLE))
async def down(request: Any, tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    settings = Settings(
        database_url=UNREACHABLE[request.param],
        var_dir=tmp_path,
        secret_key="unreachable",
        storage_url=f"file://{tmp_path}/files",
    )
    services = Services.build(settings)
    app = create_app(settings, services)
    try:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
            yield c
    finally:
        await services.close()


def _operations() -> list[tuple[str, str]]:
    spec = create_app(Settings(secret_key="route-listing", database_url="sqlite:///:memory:")).openapi()
    return [
        (method.upper(), re.sub(r"\{[^}]+\}", "1", path))
        for path, item in spec["paths"].items()
        if path.startswith(("/v1/", "/api/v1/", "/graphql"))
        for method in item
        if method in {"get", "post", "put", "patch", "delete"}
    ]


async def test_every_route_answers_503_with_retry_after(down: httpx.AsyncClient) -> None:
    operations = _operations()
    assert len(operations) > 100
    token = {"X-API-Key": "dbk_" + "a" * 32 + "o"}
    for method, path in operations:
        kw: dict[str, Any] = {"json": {"code": "an-invitation-code"}} if method != "GET" else {}
        if path == "/graphql":  # a document that needs the caller: the token is looked up
            kw = (
                {"params": {"query": "{ users { total } }"}}
                if method == "GET"
                else {"json": {"query": "{ users { total } }"}}
            )
        r = await down.request(method, path, headers=token, **kw)
        assert r.status_code == 503, (method, path, r.status_code, r.text)
        assert r.headers["retry-after"] == "30", (method, path)
        body = r.json()
        if path.startswith("/api/v1/"):
            assert body["status"] == "error" and body["code"] == 503, (method, path, body)
        elif path.startswith("/graphql"):
            assert body["errors"][0]["extensions"]["code"] == "SERVICE_UNAVAILABLE", (method, path, body)
        else:
            assert "database" in body["error"], (method, path, body)
        assert "127.0.0.1" not in r.text and "/dev/null" not in r.text  # where it is stays in the log
    # the public GraphQL schema needs no database; neither does the health check
    r = await down.post("/graphql", json={"query": "{ apiVersion }"})
    assert r.status_code == 200 and r.json()["data"]["apiVersion"]
    assert (await down.get("/healthz")).status_code == 200


@pytest.mark.parametrize("kind", sorted(UNREACHABLE))
@pytest.mark.parametrize("command", [["serve", "--port", "1"], ["db", "upgrade"]])
def test_starting_with_a_wrong_database_url_says_so_in_one_line(
    kind: str, command: list[str], tmp_path: Path
) -> None:
    env = {**os.environ, "DEALBENCH_DATABASE_URL": UNREACHABLE[kind], "DEALBENCH_VAR_DIR": str(tmp_path)}
    done = subprocess.run(
        [sys.executable, "-m", "dealbench", *command],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert done.returncode == 1, done.stderr
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr, done.stderr
    assert done.stderr.startswith("error: cannot connect to the database ")
    assert UNREACHABLE[kind] in done.stderr
    assert done.stdout == ""
