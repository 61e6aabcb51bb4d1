"""Benchmark of events and webhooks (not a test).

    .venv/bin/python -m bench.events [--events 2000] [--writes 2000] [--sqlite]

On PostgreSQL (a scratch database at DEALBENCH_BENCH_PG_URL) unless ``--sqlite``:

1. **Change to delivery**: ``--events`` deal creations are recorded with a subscription to ``*``
   pointing at a local receiver; then ``dealbench worker`` processes (one, then two, each on a fresh
   backlog) deliver them. Prints events per second from the first worker's start to the last
   delivery received.
2. **The outbox's cost on a write**: ``--writes`` ``POST /v1/deals`` through the app in process
   (ASGI, no network), alternately with event recording on and switched off
   (``DEALBENCH_RECORD_EVENTS=false``); prints the mean time of a write in each and their ratio.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import BIN, scratch_pg_database


class Counter:
    def __init__(self) -> None:
        self.n = 0
        self.last = 0.0
        self.lock = threading.Lock()


class _Receiver(asyncio.Protocol):
    """A minimal HTTP/1.1 receiver (keep-alive, Content-Length bodies, 204 answers): cheap enough
    that the deliveries, not the receiver, are measured."""

    def __init__(self, counter: Counter) -> None:
        self.counter = counter
        self.buffer = b""

    def connection_made(self, transport: Any) -> None:
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        while True:
            head_end = self.buffer.find(b"\r\n\r\n")
            if head_end < 0:
                return
            length = 0
            for line in self.buffer[:head_end].split(b"\r\n")[1:]:
                name, _, value = line.partition(b":")
                if name.strip().lower() == b"content-length":
                    length = int(value.strip())
            end = head_end + 4 + length
            if len(self.buffer) < end:
                return
            self.buffer = self.buffer[end:]
            self.transport.write(b"HTTP/1.1 204 No Content\r\ncontent-length: 0\r\n\r\n")
            with self.counter.lock:
                self.counter.n += 1
                self.counter.last = time.monotonic()


@contextmanager
def receiver() -> Any:
    counter = Counter()
    loop = asyncio.new_event_loop()
    server = loop.run_until_complete(loop.create_server(lambda: _Receiver(counter), "127.0.0.1", 0))
    port = server.sockets[0].getsockname()[1]
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{port}/hook", counter
    finally:
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=5)


def env_for(url: str, var_dir: str, **extra: str) -> dict[str, str]:
    return {
        **os.environ,
        "DEALBENCH_DATABASE_URL": url,
        "DEALBENCH_VAR_DIR": var_dir,
        "DEALBENCH_SECRET_KEY": "bench-secret-key",
        "DEALBENCH_WEBHOOK_ALLOW_PRIVATE": "1",
        "DEALBENCH_WEBHOOK_POLL_INTERVAL": "0.05",
        "DEALBENCH_LOG_LEVEL": "warning",
        **extra,
    }


def apply_env(env: dict[str, str]) -> None:
    for key, value in env.items():
        if key.startswith("DEALBENCH_"):
            os.environ[key] = value


async def make_app(record: bool) -> tuple[Any, Any]:
    from dealbench.app import create_app
    from dealbench.kit.services import Services
    from dealbench.settings import Settings

    settings = Settings(record_events=record, webhook_delivery="off", rate_limit_per_minute=10**9)
    services = Services.build(settings)
    return create_app(settings, services), services


async def tenant(services: Any) -> str:
    from dealbench.kit.repository import TenantOf
    from dealbench.models import Role
    from dealbench.organizations.service import create_organization
    from dealbench.tokens.service import issue_token
    from dealbench.users.directory import add_user
    from dealbench.users.schemas import UserCreate

    async with services.sessionmaker() as session:
        org = await create_organization(session, name="Bench", slug=f"bench-{time.time_ns()}", timezone="UTC")
        admin = await add_user(
            session, TenantOf(org.id), UserCreate(email="admin@bench.test", role=Role.ADMIN)
        )
        _, token = await issue_token(
            session,
            organization=org,
            name="bench",
            secret_key=services.secret_key,
            created_by_user_id=admin.id,
        )
        await session.commit()
    return token


async def backlog(url: str, hook_url: str, events: int) -> None:
    """A subscription to ``*`` and ``events`` recorded deal creations, none delivered yet."""
    app, services = await make_app(True)
    key = await tenant(services)
    headers = {"X-API-Key": key}
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://bench") as c:
        r = await c.post("/v1/webhooks", headers=headers, json={"url": hook_url, "events": ["*"]})
        r.raise_for_status()
        for i in range(events):
            (await c.post("/v1/deals", headers=headers, json={"name": f"Deal {i}"})).raise_for_status()
    await services.close()


def deliver(url: str, var_dir: str, workers: int, events: int) -> float:
    with receiver() as (hook_url, counter):
        asyncio.run(backlog(url, hook_url, events))
        env = env_for(url, var_dir)
        started = time.monotonic()
        procs = [
            subprocess.Popen([str(BIN / "dealbench"), "worker"], env=env, stdout=subprocess.DEVNULL)
            for _ in range(workers)
        ]
        try:
            deadline = started + 600
            while counter.n < events and time.monotonic() < deadline:
                time.sleep(0.05)
        finally:
            for p in procs:
                p.terminate()
            for p in procs:
                p.wait(timeout=30)
        if counter.n < events:
            raise RuntimeError(f"only {counter.n} of {events} deliveries arrived")
        return events / (counter.last - started)


async def write_cost(writes: int) -> tuple[float, float]:
    """Mean seconds of a POST /v1/deals with recording on and off (alternating batches)."""
    on_app, on_services = await make_app(True)
    off_app, off_services = await make_app(False)
    key = await tenant(on_services)
    headers = {"X-API-Key": key}
    spent = {True: 0.0, False: 0.0}
    count = {True: 0, False: 0}
    batch = 50
    async with (
        httpx.AsyncClient(transport=httpx.ASGITransport(app=on_app), base_url="http://bench") as on,
        httpx.AsyncClient(transport=httpx.ASGITransport(app=off_app), base_url="http://bench") as off,
    ):
        for c in (on, off):  # warm up
            for i in range(20):
                await c.post("/v1/deals", headers=headers, json={"name": f"Warm {i}"})
        for round_ in range(writes // batch):
            for record, c in ((True, on), (False, off)) if round_ % 2 == 0 else ((False, off), (True, on)):
                t0 = time.perf_counter()
                for i in range(batch):
                    r = await c.post("/v1/deals", headers=headers, json={"name": f"Write {i}", "amount": i})
                    assert r.status_code == 201
                spent[record] += time.perf_counter() - t0
                count[record] += batch
    await on_services.close()
    await off_services.close()
    return spent[True] / count[True], spent[False] / count[False]


def run(url: str, args: argparse.Namespace) -> None:
    from dealbench.kit.migrate import upgrade

    with tempfile.TemporaryDirectory(prefix="dealbench-bench-events-") as var_dir:
        upgrade(url)
        apply_env(env_for(url, var_dir))
        print(f"database: {url.split('://')[0]}", flush=True)
        for workers in (1, 2):
            rate = deliver(url, var_dir, workers, args.events)
            print(
                f"change -> delivery, {workers} worker(s): {rate:,.0f} events/s ({args.events} events)",
                flush=True,
            )
        on, off = asyncio.run(write_cost(args.writes))
        print(
            f"POST /v1/deals: {on * 1000:.2f} ms with events, {off * 1000:.2f} ms without "
            f"(ratio {on / off:.2f}, {args.writes} writes each)",
            flush=True,
        )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--events", type=int, default=2000)
    parser.add_argument("--writes", type=int, default=2000)
    parser.add_argument(
        "--sqlite", action="store_true", help="Use a scratch SQLite file instead of PostgreSQL."
    )
    args = parser.parse_args()
    if args.sqlite:
        with tempfile.TemporaryDirectory(prefix="dealbench-bench-db-") as tmp:
            run(f"sqlite:///{tmp}/bench.db", args)
    else:
        with scratch_pg_database("events") as url:
            run(url, args)


if __name__ == "__main__":
    main()
