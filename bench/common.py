"""Benchmark helpers: scratch databases, servers in subprocesses, wrk runs, RSS sampling.

Benchmarks compare Dealbench with a reference measured in the same run (a bare Starlette route,
`cat`, `COPY` ...) and print ratios; they are never part of the test suite.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
PG_ADMIN_URL = os.environ.get("DEALBENCH_BENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("DEALBENCH_BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def scratch_pg_database(prefix: str = "bench") -> Iterator[str]:
    """A fresh PostgreSQL database, dropped afterwards."""
    import asyncpg

    name = f"dealbench_{prefix}_{uuid.uuid4().hex[:8]}"
    server = PG_ADMIN_URL.rpartition("/")[0]

    async def admin(sql: str) -> None:
        conn = await asyncpg.connect(PG_ADMIN_URL)
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    asyncio.run(admin(f'CREATE DATABASE "{name}"'))
    try:
        yield f"{server}/{name}"
    finally:
        asyncio.run(admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def bootstrap(
    env: dict[str, str], *, admin_email: str = "admin@bench.example", cwd: Path | None = None
) -> str:
    """`dealbench bootstrap` an organization 'Bench' (slug 'bench') with `env` over the
    environment; answer its '*' token."""
    out = subprocess.run(
        [
            str(BIN / "dealbench"),
            "bootstrap",
            "--org",
            "Bench",
            "--slug",
            "bench",
            "--admin-email",
            admin_email,
            "--json",
        ],
        env={**os.environ, **env},
        cwd=cwd,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return str(json.loads(out)["token"])


def bootstrap_database(database_url: str) -> str:
    """Bootstrap the organization 'bench' in `database_url`; answer its '*' token."""
    return bootstrap({"DEALBENCH_DATABASE_URL": database_url, "DEALBENCH_SECRET_KEY": "bench-secret"})


# Filling a bootstrapped organization in bulk (asyncpg connections; COPY where it pays).


async def add_users(conn: Any, org: int, count: int) -> None:
    await conn.executemany(
        "INSERT INTO users (organization_id, email, first_name, last_name, role, created_at, updated_at) "
        "VALUES ($1, $2, $3, $4, 'MEMBER', now(), now())",
        [(org, f"user{i:03d}@bench.example", f"First{i}", f"Last{i}") for i in range(count)],
    )


async def copy_deals(conn: Any, org: int, user: int, count: int, now: datetime) -> list[int]:
    """`count` deals in the POC stage; answers their ids in order."""
    await conn.copy_records_to_table(
        "deals",
        columns=[
            "uuid",
            "organization_id",
            "created_at",
            "updated_at",
            "created_by_user_id",
            "vendor_entity_id",
            "name",
            "stage",
            "amount",
            "probability",
            "deleted",
            "closed",
            "won",
        ],
        records=[
            (
                uuid.uuid4(),
                org,
                now,
                now,
                user,
                f"006BENCH{i:06d}",
                f"Deal {i}",
                "POC",
                1000 + i,
                40.0,
                False,
                False,
                False,
            )
            for i in range(count)
        ],
    )
    rows = await conn.fetch("SELECT id FROM deals WHERE organization_id = $1 ORDER BY id", org)
    return [r["id"] for r in rows]


async def copy_tickets(
    conn: Any, org: int, user: int, count: int, now: datetime, description: str
) -> list[int]:
    """`count` open tickets described as f"Ticket {i}: {description}"; answers their ids in order."""
    await conn.copy_records_to_table(
        "tickets",
        columns=[
            "organization_id",
            "created_at",
            "updated_at",
            "created_by_user_id",
            "title",
            "type",
            "state",
            "description",
        ],
        records=[
            (
                org,
                now,
                now,
                user,
                f"Request {i}",
                "BUG" if i % 2 else "FEATURE",
                "OPEN",
                f"Ticket {i}: {description}",
            )
            for i in range(count)
        ],
    )
    rows = await conn.fetch("SELECT id FROM tickets WHERE organization_id = $1 ORDER BY id", org)
    return [r["id"] for r in rows]


async def link_tickets(
    conn: Any, ticket_ids: list[int], deal_ids: list[int], links: int, stride: int, now: datetime
) -> None:
    """Each ticket linked to `links` deals spread by `stride`; the first link shared with the buyer."""
    priorities = ["BLOCKER", "IMPORTANT", "NICE_TO_HAVE"]
    await conn.copy_records_to_table(
        "ticket_deals",
        columns=["ticket_id", "deal_id", "priority", "shared_with_buyer", "created_at"],
        records=[
            (tid, deal_ids[(n * 7 + k * stride) % len(deal_ids)], priorities[k], k == 0, now)
            for n, tid in enumerate(ticket_ids)
            for k in range(links)
        ],
    )


async def label_tickets(conn: Any, org: int, ticket_ids: list[int], per_ticket: int, now: datetime) -> None:
    """Five labels; each ticket gets `per_ticket` of them in turn."""
    await conn.executemany(
        "INSERT INTO labels (organization_id, name, created_at) VALUES ($1, $2, $3)",
        [(org, f"label-{i}", now) for i in range(5)],
    )
    label_ids = [r["id"] for r in await conn.fetch("SELECT id FROM labels WHERE organization_id = $1", org)]
    await conn.copy_records_to_table(
        "ticket_labels",
        columns=["ticket_id", "label_id"],
        records=[
            (tid, label_ids[(n + k) % 5]) for n, tid in enumerate(ticket_ids) for k in range(per_ticket)
        ],
    )


def wait_http(url: str, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except Exception:
            time.sleep(0.2)
    raise RuntimeError(f"{url} did not come up")


@dataclass
class Server:
    proc: subprocess.Popen[bytes]
    port: int

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def pids(self) -> list[int]:
        """The server process and its children (uvicorn workers)."""
        pids = [self.proc.pid]
        try:
            out = subprocess.run(["pgrep", "-P", str(self.proc.pid)], capture_output=True, text=True).stdout
            pids += [int(p) for p in out.split()]
        except FileNotFoundError:
            pass
        return pids

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()


def start_process(args: list[str], env: dict[str, str], port: int, health_path: str) -> Server:
    proc = subprocess.Popen(
        args,
        env={**os.environ, **env},
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    server = Server(proc, port)
    try:
        wait_http(f"{server.base}{health_path}")
    except Exception:
        server.stop()
        raise
    return server


def start_dealbench(
    database_url: str, *, workers: int = 2, env: dict[str, str] | None = None, var_dir: str | None = None
) -> Server:
    port = free_port()
    base_env = {
        "DEALBENCH_DATABASE_URL": database_url,
        "DEALBENCH_RATE_LIMIT_PER_MINUTE": "1000000000",
        "DEALBENCH_SECRET_KEY": "bench-secret",
        "DEALBENCH_LOG_LEVEL": "warning",
        "DEALBENCH_VAR_DIR": var_dir or f"/tmp/dealbench-bench-{port}",
        **(env or {}),
    }
    args = [str(BIN / "dealbench"), "serve", "--port", str(port), "--workers", str(workers)]
    return start_process(args, base_env, port, "/healthz")


def start_uvicorn(app: str, *, workers: int = 2, env: dict[str, str] | None = None) -> Server:
    port = free_port()
    args = [
        str(BIN / "uvicorn"),
        app,
        "--port",
        str(port),
        "--workers",
        str(workers),
        "--loop",
        "uvloop",
        "--http",
        "httptools",
        "--no-access-log",
        "--log-level",
        "warning",
        "--timeout-worker-healthcheck",
        "60",
    ]
    return start_process(args, {"PYTHONPATH": str(ROOT), **(env or {})}, port, "/healthz")


@dataclass
class WrkResult:
    rps: float
    p50_ms: float
    p99_ms: float
    errors: int

    def row(self, label: str) -> str:
        return f"{label:<34} {self.rps:>10.0f} req/s   p50 {self.p50_ms:>7.2f} ms   p99 {self.p99_ms:>7.2f} ms   errors {self.errors}"


def _ms(value: str) -> float:
    number, unit = re.match(r"([\d.]+)(\w+)", value).groups()  # type: ignore[union-attr]
    return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]


def ensure_wrk() -> None:
    """The benchmarks' load generator (the test suite does not need it): Debian's wrk, installed
    when missing and running as root."""
    if shutil.which("wrk") is not None:
        return
    if os.geteuid() == 0 and shutil.which("apt-get"):
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        print("wrk is missing: installing Debian's wrk", file=sys.stderr)
        subprocess.run(["apt-get", "update", "-qq"], env=env, check=False)
        subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], env=env, check=False)
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed and could not be installed: apt-get install -y wrk")


def run_wrk(
    url: str,
    headers: dict[str, str] | None = None,
    *,
    seconds: int = 20,
    connections: int = 64,
    threads: int = 2,
    method: str = "GET",
    body: str | None = None,
) -> WrkResult:
    ensure_wrk()
    args = ["wrk", "--latency", "-t", str(threads), "-c", str(connections), "-d", f"{seconds}s"]
    for name, value in (headers or {}).items():
        args += ["-H", f"{name}: {value}"]
    script = None
    if method != "GET" or body is not None:
        script = Path(f"/tmp/wrk-{uuid.uuid4().hex}.lua")
        lua_body = (body or "").replace("\\", "\\\\").replace('"', '\\"')
        script.write_text(f'wrk.method = "{method}"\nwrk.body = "{lua_body}"\n')
        args += ["-s", str(script)]
    out = subprocess.run([*args, url], capture_output=True, text=True, check=True).stdout
    if script:
        script.unlink()
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    p50 = _ms(re.search(r"^\s+50%\s+(\S+)", out, re.M).group(1))  # type: ignore[union-attr]
    p99 = _ms(re.search(r"^\s+99%\s+(\S+)", out, re.M).group(1))  # type: ignore[union-attr]
    non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    socket_errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    errors = int(non2xx.group(1)) if non2xx else 0
    if socket_errors:
        errors += sum(int(x) for x in socket_errors.groups())
    return WrkResult(rps, p50, p99, errors)


def rss_kb(pids: list[int]) -> int:
    total = 0
    for pid in pids:
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except FileNotFoundError:
            continue
    return total


class PeakRss:
    """Samples the summed RSS of a server's processes every 50 ms; `.peak_kb`, `.baseline_kb`."""

    def __init__(self, server: Server) -> None:
        self.server = server
        self.baseline_kb = rss_kb(server.pids())
        self.peak_kb = self.baseline_kb
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak_kb = max(self.peak_kb, rss_kb(self.server.pids()))
            time.sleep(0.05)

    def __enter__(self) -> PeakRss:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()

    @property
    def growth_mb(self) -> float:
        return (self.peak_kb - self.baseline_kb) / 1024


def ratio_line(label: str, ours: WrkResult, ref: WrkResult, target: float) -> str:
    ratio = ours.rps / ref.rps if ref.rps else 0.0
    verdict = "meets" if ratio >= target else "MISSES"
    return f"{label}: {ratio:.0%} of the reference (target >= {target:.0%}: {verdict})"
