"""Reads benchmark: the reads integrations call most, Dealbench against bare Starlette + asyncpg +
orjson routes doing the same work (bench/bare_reads.py), in one run on PostgreSQL, 2 server
workers each, the same data: 300 deals, 3,000 tickets with 3 deal links and 2 labels each, 100
users, one evaluation plan and one project document.

    .venv/bin/python -m bench.reads [--quick] [--seconds 8] [--rounds 2]

For each route, throughput at 32 connections and p99 latency at 64 connections; runs alternate
between the two servers so machine noise hits both alike, and the best of the rounds is kept.

Targets (ratio to the bare route in the same run): single objects and the tickets list >= 0.7,
the deals and users lists >= 0.8; p99 at 64 connections <= 2x the bare route's.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from bench.common import (
    REDIS_URL,
    Server,
    WrkResult,
    add_users,
    bootstrap_database,
    copy_deals,
    copy_tickets,
    label_tickets,
    link_tickets,
    run_wrk,
    scratch_pg_database,
    start_dealbench,
    start_uvicorn,
)

N_DEALS = 300
N_TICKETS = 3_000
N_USERS = 100
LABELS_PER_TICKET = 2
LINKS_PER_TICKET = 3


@dataclass(frozen=True)
class Workload:
    name: str
    path: str
    target: float


def seed(database_url: str) -> str:
    """Bootstrap an organization and fill it (asyncpg COPY); answer its '*' token."""
    token = bootstrap_database(database_url)
    asyncio.run(_fill(database_url))
    return token


async def _fill(database_url: str) -> None:
    import asyncpg

    now = datetime.now(UTC)
    conn = await asyncpg.connect(database_url)
    try:
        org = await conn.fetchval("SELECT id FROM organizations WHERE slug = 'bench'")
        admin = await conn.fetchval("SELECT id FROM users WHERE organization_id = $1", org)
        await add_users(conn, org, N_USERS - 1)
        deal_ids = await copy_deals(conn, org, admin, N_DEALS, now)
        ticket_ids = await copy_tickets(conn, org, admin, N_TICKETS, now, "**details**.")
        await link_tickets(conn, ticket_ids, deal_ids, LINKS_PER_TICKET, 101, now)
        await label_tickets(conn, org, ticket_ids, LABELS_PER_TICKET, now)
        await conn.execute("ANALYZE")
    finally:
        await conn.close()


def _call(base: str, token: str, method: str, path: str, body: bytes | None = None, ctype: str = "") -> Any:
    headers = {"X-API-Key": token}
    if ctype:
        headers["Content-Type"] = ctype
    request = urllib.request.Request(base + path, data=body, method=method, headers=headers)
    with urllib.request.urlopen(request, timeout=30) as answer:
        return json.loads(answer.read())


def seed_through_api(server: Server, token: str) -> tuple[int, int, int]:
    """An evaluation plan linked to the first deal, with criteria and tasks; a project with one
    document. Answers (evaluation id, project id, document id)."""
    base = server.base
    deals = _call(base, token, "GET", "/v1/deals?limit=1")["items"]
    plan = _call(
        base, token, "POST", "/v1/evaluations",
        json.dumps({"title": "Bench plan", "dealId": deals[0]["id"]}).encode(), "application/json",
    )  # fmt: skip
    project = _call(
        base, token, "POST", "/v1/projects", json.dumps({"name": "Bench"}).encode(), "application/json"
    )
    boundary = uuid.uuid4().hex
    body = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="terms.pdf"\r\n'
        f"Content-Type: application/pdf\r\n\r\n%PDF-1.4 bench\r\n--{boundary}--\r\n"
    ).encode()
    doc = _call(
        base, token, "POST", f"/v1/projects/{project['id']}/documents", body,
        f"multipart/form-data; boundary={boundary}",
    )  # fmt: skip
    return int(plan["id"]), int(project["id"]), int(doc["id"])


def workloads(evaluation_id: int, project_id: int, document_id: int) -> list[Workload]:
    return [
        Workload("deal by id", "/v1/deals/150", 0.7),
        Workload("deal by eid:", "/v1/deals/eid:006BENCH000150", 0.7),
        Workload("ticket", "/v1/tickets/1500", 0.7),
        Workload("evaluation", f"/v1/evaluations/{evaluation_id}", 0.7),
        Workload("project document", f"/v1/projects/{project_id}/documents/{document_id}", 0.7),
        Workload("tickets?limit=100", "/v1/tickets?limit=100", 0.7),
        Workload("deals?limit=100", "/v1/deals?limit=100", 0.8),
        Workload("organization/users?limit=100", "/v1/organization/users?limit=100", 0.8),
    ]


def same_answers(servers: dict[str, Server], token: str, work: list[Workload]) -> list[str]:
    """The routes whose JSON differs between the two servers (each must do the same work)."""
    differ = []
    for w in work:
        bodies = []
        for label, server in servers.items():
            try:
                bodies.append(_call(server.base, token, "GET", w.path))
            except urllib.error.HTTPError as exc:
                bodies.append(f"{label}: {exc.code} {exc.read()[:300]!r}")
        if bodies[0] != bodies[1]:
            differ.append(f"{w.path}: {bodies}")
    return differ


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="3 s per run, one round")
    parser.add_argument("--seconds", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=2, help="alternating rounds; the best of each is kept")
    parser.add_argument(
        "--no-redis", action="store_true", help="Dealbench without Redis (no principal cache)"
    )
    parser.add_argument("--only", default="", help="comma-separated workload names to run")
    args = parser.parse_args()
    seconds, rounds = (3, 1) if args.quick else (args.seconds, args.rounds)
    labels = ("bare", "dealbench")
    rps: dict[tuple[str, str], WrkResult] = {}
    tail: dict[tuple[str, str], WrkResult] = {}

    with scratch_pg_database("reads") as url:
        token = seed(url)
        headers = {"X-API-Key": token}
        servers: dict[str, Server] = {}
        try:
            # Two workers share the principal cache's version (and rate limits) through Redis.
            env = {} if args.no_redis else {"DEALBENCH_REDIS_URL": REDIS_URL}
            servers["dealbench"] = start_dealbench(url, workers=2, env=env)
            ids = seed_through_api(servers["dealbench"], token)
            servers["bare"] = start_uvicorn("bench.bare_reads:app", env={"BARE_DATABASE_URL": url})
            servers = {label: servers[label] for label in labels}
            work = workloads(*ids)
            if args.only:
                wanted = set(args.only.split(","))
                work = [w for w in work if w.name in wanted]
            for difference in same_answers(servers, token, work):
                print(f"warning: the two servers answer differently: {difference}")
            for w in work:
                for label in labels:
                    run_wrk(servers[label].base + w.path, headers, seconds=2, connections=32)
                for _ in range(rounds):
                    for label in labels:
                        url_ = servers[label].base + w.path
                        result = run_wrk(url_, headers, seconds=seconds, connections=32)
                        if (w.name, label) not in rps or result.rps > rps[(w.name, label)].rps:
                            rps[(w.name, label)] = result
                        result = run_wrk(url_, headers, seconds=seconds, connections=64)
                        if (w.name, label) not in tail or result.p99_ms < tail[(w.name, label)].p99_ms:
                            tail[(w.name, label)] = result
        finally:
            for server in servers.values():
                server.stop()

    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    print(
        f"\n{stamp}; {os.cpu_count()} cores (nproc), Python {platform.python_version()}; PostgreSQL, "
        f"2 workers each; Dealbench {'without' if args.no_redis else 'with'} Redis; {seconds}s runs, best of {rounds}"
    )
    print(
        f"{'route':<32} {'bare req/s':>10} {'ours req/s':>10} {'ratio':>6} {'target':>6}   "
        f"{'bare p99':>9} {'ours p99':>9} {'x':>5}   verdict"
    )
    for w in work:
        bare, ours = rps[(w.name, "bare")], rps[(w.name, "dealbench")]
        bare_tail, ours_tail = tail[(w.name, "bare")], tail[(w.name, "dealbench")]
        ratio = ours.rps / bare.rps if bare.rps else 0.0
        slower = ours_tail.p99_ms / bare_tail.p99_ms if bare_tail.p99_ms else 0.0
        verdict = "meets" if ratio >= w.target and slower <= 2.0 else "MISSES"
        errors = ours.errors + bare.errors + ours_tail.errors + bare_tail.errors
        print(
            f"{w.name:<32} {bare.rps:>10.0f} {ours.rps:>10.0f} {ratio:>6.2f} {w.target:>6.2f}   "
            f"{bare_tail.p99_ms:>7.1f}ms {ours_tail.p99_ms:>7.1f}ms {slower:>5.2f}   {verdict}"
            + (f" (errors: {errors})" if errors else "")
        )


if __name__ == "__main__":
    main()
