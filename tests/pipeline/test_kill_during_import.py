"""A real server, SIGKILLed in the middle of an import: none of the file's rows may remain, the
spooled upload lived under the data directory (``var/tmp``, not the system's temporary directory)
and the restarted server removes it.

Also runs the ``dealbench import`` command against the same database.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest

BIN = Path(sys.executable).parent / "dealbench"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def own_database(database_url: str) -> Iterator[str]:
    """A database of its own for the server subprocess (SQLite file or a new PostgreSQL database)."""
    if not database_url.startswith("postgres"):
        with tempfile.TemporaryDirectory(prefix="dealbench-kill-") as tmp:
            yield f"sqlite:///{tmp}/kill.db"
        return
    server, _, _ = database_url.rpartition("/")
    name = f"dealbench_kill_{uuid.uuid4().hex[:10]}"

    async def admin(sql: str) -> None:
        conn = await asyncpg.connect(database_url)
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    asyncio.run(admin(f'CREATE DATABASE "{name}"'))
    try:
        yield f"{server}/{name}"
    finally:
        asyncio.run(admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


class Server:
    def __init__(self, env: dict[str, str], cwd: str) -> None:
        self.env, self.cwd = env, cwd
        self.port = _free_port()
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [str(BIN), "serve", "--port", str(self.port)],
            env=self.env,
            cwd=self.cwd,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.url}/healthz", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.2)
        raise AssertionError("server did not start")

    def kill(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(10)


def _big_csv(rows: int) -> bytes:
    head = b"Opportunity ID,Opportunity Name,Amount,Close Date,Stage,Account Name,Next Step\n"
    line = b"KILL%06d,Opportunity %06d for a customer,%d,2026-03-15,Develop,Customer %d,Call back\n"
    return head + b"".join(line % (i, i, 1000 + i, i % 977) for i in range(rows))


def test_sigkill_mid_import_leaves_nothing(own_database: str, tmp_path: Path) -> None:
    env = {
        **os.environ,
        "DEALBENCH_DATABASE_URL": own_database,
        "DEALBENCH_SECRET_KEY": "kill-test",
        "DEALBENCH_VAR_DIR": str(tmp_path / "var"),
        "DEALBENCH_RATE_LIMIT_PER_MINUTE": "100000",
        "DEALBENCH_LOG_LEVEL": "warning",
        "TMPDIR": str(tmp_path / "tmp"),
    }
    (tmp_path / "tmp").mkdir()
    boot = subprocess.run(
        [
            str(BIN),
            "bootstrap",
            "--org",
            "Kill",
            "--slug",
            "kill",
            "--admin-email",
            "a@kill.example",
            "--json",
        ],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        check=True,
    )
    token = json.loads(boot.stdout)["token"]
    headers = {"Authorization": token}
    server = Server(env, str(tmp_path))
    server.start()
    body = _big_csv(150_000)
    outcome: dict[str, Any] = {}

    def send() -> None:
        try:
            outcome["response"] = httpx.post(
                f"{server.url}/api/v1/admin/opportunities/upload",
                files={"file": ("big.csv", body, "text/csv")},
                headers=headers,
                timeout=120,
            )
        except httpx.HTTPError as exc:
            outcome["error"] = exc

    thread = threading.Thread(target=send)
    thread.start()
    # The upload is streamed to a temporary file under var/tmp: once it holds the whole file, the
    # import is running.
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        sizes = []
        for spooled in (tmp_path / "var" / "tmp").glob("*/dealbench-import-*.csv"):
            with contextlib.suppress(OSError):
                sizes.append(spooled.stat().st_size)
        if sizes and max(sizes) >= len(body):
            break
        time.sleep(0.02)
    else:
        raise AssertionError("the upload never completed")
    time.sleep(0.3)
    server.kill()
    thread.join(30)
    assert "error" in outcome, "the import finished before the kill; the test proves nothing"
    leftovers = list((tmp_path / "var" / "tmp").glob("*/dealbench-import-*.csv"))
    assert leftovers, "the killed server left no spooled file; the test proves nothing"
    assert not list((tmp_path / "tmp").iterdir()), "nothing is spooled in the system's temporary directory"

    server.start()
    assert not any(path.exists() for path in leftovers), "the restart removes the killed server's files"
    try:
        r = httpx.get(f"{server.url}/api/v1/opportunities/my", headers=headers, timeout=30)
        assert r.status_code == 200 and r.json()["data"] == []
        r = httpx.get(f"{server.url}/v1/imports", headers=headers, timeout=30)
        assert r.json()["totalCount"] == 0
        # the server works after the restart: a smaller file goes through completely
        r = httpx.post(
            f"{server.url}/api/v1/admin/opportunities/upload",
            files={"file": ("small.csv", _big_csv(500), "text/csv")},
            headers=headers,
            timeout=60,
        )
        assert r.status_code == 200 and r.json()["data"]["total_imported_rows"] == 500
    finally:
        server.kill()

    # the CLI runs the same engine
    csv_path = tmp_path / "more.csv"
    csv_path.write_bytes(_big_csv(10) + b"BAD,,1,,,,\n")
    done = subprocess.run(
        [str(BIN), "import", "opportunities", str(csv_path), "--org", "kill"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    assert "total_imported_rows" in done.stderr and "10" in done.stderr
    assert "Opportunity Name is required" in (tmp_path / "more.errors.csv").read_text(encoding="utf-8-sig")
    missing = subprocess.run(
        [str(BIN), "import", "contacts", str(csv_path), "--org", "kill"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    assert missing.returncode == 1 and "Email" in missing.stderr
