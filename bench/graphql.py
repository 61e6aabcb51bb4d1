"""GraphQL vs REST for the same data: 100 deals with their tickets and their plan.

    .venv/bin/python bench/graphql.py [--deals 100] [--duration 10] [--connections 8] [--database-url URL]

Seeds an organization (its own SQLite database unless ``--database-url``), starts ``dealbench serve``
on a free port, then measures with ``wrk`` (falls back to an httpx loop when wrk is missing):

- GraphQL: one ``POST /graphql`` answering the deals, each with its tickets and its plan;
- REST: the routes a client calls for the same data: ``GET /v1/deals?limit=N``, ``GET /v1/tickets``
  (tickets carry their linked deals) and ``GET /v1/evaluations`` (when the route exists). One
  "REST iteration" costs the sum of the three request times: iterations/s = 1 / sum(1 / rate_i).

It also counts the SQL statements of the GraphQL request for 10 and for N deals (in-process), which
must be equal: DataLoaders make the count depend on the query's depth, not on the result's size.
Target: GraphQL iterations/s >= 25% of REST iterations/s.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

# Run as a script, this file's directory comes first on sys.path, where its own name would hide
# the `graphql` package (graphql-core) from Strawberry (imported later, inside the functions).
_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]
ROOT = _HERE.parent
sys.path.insert(0, str(ROOT))  # `tests.factories` for the statement counter

GRAPHQL_QUERY = """query ($n: Int) { deals(limit: $n) { total data {
  id name stage amount closeDate
  tickets { id title type state labels linkedDeals { id name priority } }
  PLAN
} } }"""
PLAN_FIELDS = (
    "evaluation { id title mode progress { criteriaTotal criteriaByOutcome tasksTotal tasksDone } "
    "criteria { id title outcome outcomeNote } }"
)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _has_evaluations() -> bool:
    try:
        import dealbench.evaluations.graphql  # noqa: F401
    except ImportError:
        return False
    return True


def graphql_query() -> str:
    return GRAPHQL_QUERY.replace("PLAN", PLAN_FIELDS if _has_evaluations() else "")


async def seed(database_url: str, secret: str, deals: int) -> str:
    """An organization with ``deals`` deals, 2 tickets each (each also linked to the next deal) and,
    when the evaluations domain exists, a plan per deal. Answers an organization token."""
    from dealbench.auth.principal import Principal
    from dealbench.deals.schemas import DealCreate
    from dealbench.deals.service import create_deal
    from dealbench.kit.repository import TenantOf
    from dealbench.kit.services import Services
    from dealbench.models import Role
    from dealbench.organizations.service import create_organization
    from dealbench.settings import Settings
    from dealbench.tickets.schemas import TicketCreate
    from dealbench.tickets.service import create_ticket
    from dealbench.tokens.service import issue_token
    from dealbench.users.directory import add_user
    from dealbench.users.schemas import UserCreate

    services = Services.build(Settings(database_url=database_url, secret_key=secret))
    try:
        async with services.sessionmaker() as session:
            org = await create_organization(
                session, name="Bench", slug=f"bench-{os.getpid()}-{int(time.time())}"
            )
            admin = await add_user(
                session, TenantOf(org.id), UserCreate(email="bench@example.com", role=Role.ADMIN)
            )
            row, token = await issue_token(
                session, organization=org, name="bench", secret_key=secret, created_by_user_id=admin.id
            )
            principal = Principal(organization=org, token=row)
            made = [
                await create_deal(
                    session, principal, DealCreate(name=f"Deal {i}", amount=1000 + i, stage="Pilot")
                )
                for i in range(deals)
            ]
            await _seed_plans(session, principal, made)
            for i, deal in enumerate(made):
                nxt = made[(i + 1) % len(made)]
                for t in range(2):
                    await create_ticket(
                        session,
                        principal,
                        TicketCreate.model_validate(
                            {
                                "title": f"Request {i}.{t}",
                                "type": "FEATURE" if t else "BUG",
                                "state": "OPEN",
                                "deals": [{"id": deal.id}, {"id": nxt.id, "priority": "BLOCKER"}],
                                "labels": ["bench"],
                            }
                        ),
                    )
            await session.commit()
    finally:
        await services.close()
    return token


async def _seed_plans(session: Any, principal: Any, deals: list[Any]) -> None:
    """A plan per deal (3 criteria, 2 tasks), through the evaluations service, when it exists."""
    if not _has_evaluations():
        return
    from dealbench.evaluations import content, plans
    from dealbench.evaluations import schemas as es

    for deal in deals:
        plan = await plans.create_evaluation(
            session, principal, es.EvaluationCreate(title=f"Plan of {deal.name}", deal_id=deal.id)
        )
        for c in range(3):
            await content.add_item(
                session, principal, plan.one.id, content.CRITERIA, es.CriterionCreate(title=f"Criterion {c}")
            )
        for t in range(2):
            await content.add_item(
                session, principal, plan.one.id, content.TASKS, es.TaskCreate(title=f"Task {t}")
            )


def _wrk(url: str, token: str, duration: int, connections: int, body: str | None) -> float:
    cmd = ["wrk", "-t2", f"-c{connections}", f"-d{duration}s", "-H", f"Authorization: Bearer {token}"]
    with tempfile.TemporaryDirectory() as tmp:
        if body is not None:
            script = Path(tmp) / "post.lua"
            script.write_text(
                'wrk.method = "POST"\n'
                f"wrk.body = {json.dumps(body)}\n"
                'wrk.headers["Content-Type"] = "application/json"\n'
            )
            cmd += ["-s", str(script)]
        out = subprocess.run([*cmd, url], capture_output=True, text=True, check=True).stdout
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if non2xx:
        raise SystemExit(f"{url}: {non2xx.group(1)} failed responses\n{out}")
    match = re.search(r"Requests/sec:\s+([\d.]+)", out)
    assert match, out
    return float(match.group(1))


async def _httpx_rate(
    method: str, url: str, token: str, duration: int, connections: int, body: str | None
) -> float:
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    done = 0
    deadline = time.perf_counter() + duration

    async def worker(client: httpx.AsyncClient) -> None:
        nonlocal done
        while time.perf_counter() < deadline:
            response = await client.request(method, url, content=body, headers=headers)
            response.raise_for_status()
            done += 1

    started = time.perf_counter()
    async with httpx.AsyncClient(timeout=60) as client:
        await asyncio.gather(*(worker(client) for _ in range(connections)))
    return done / (time.perf_counter() - started)


def rate(
    method: str, url: str, token: str, duration: int, connections: int, body: str | None = None
) -> float:
    if shutil.which("wrk"):
        return _wrk(url, token, duration, connections, body)
    return asyncio.run(_httpx_rate(method, url, token, duration, connections, body))


async def count_statements(database_url: str, secret: str, token: str, sizes: list[int]) -> dict[int, int]:
    """SQL statements of the GraphQL request for each page size, in-process."""
    from tests.factories import StatementCounter

    from dealbench.app import create_app
    from dealbench.kit.services import Services
    from dealbench.settings import Settings

    settings = Settings(database_url=database_url, secret_key=secret, rate_limit_per_minute=1_000_000)
    services = Services.build(settings)
    app = create_app(settings, services)
    counts: dict[int, int] = {}
    try:
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://bench"
        ) as client:
            headers = {"Authorization": f"Bearer {token}"}
            await client.post("/graphql", json={"query": "{ apiVersion }"}, headers=headers)
            for size in sizes:
                with StatementCounter(services.engine) as counter:
                    response = await client.post(
                        "/graphql", json={"query": graphql_query(), "variables": {"n": size}}, headers=headers
                    )
                body = response.json()
                assert not body.get("errors"), body["errors"][:3]
                assert len(body["data"]["deals"]["data"]) == size
                counts[size] = counter.count
    finally:
        await services.close()
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--deals", type=int, default=100)
    parser.add_argument("--duration", type=int, default=10, help="seconds per measurement")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--database-url", default=None, help="default: a fresh SQLite file")
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="dealbench-bench-"))
    database_url = args.database_url or f"sqlite:///{tmp}/bench.db"
    secret = "bench-secret"
    from dealbench.kit.migrate import upgrade

    upgrade(database_url)
    token = asyncio.run(seed(database_url, secret, args.deals))
    counts = asyncio.run(count_statements(database_url, secret, token, [10, args.deals]))

    port = _free_port()
    env = {
        **os.environ,
        "DEALBENCH_DATABASE_URL": database_url,
        "DEALBENCH_SECRET_KEY": secret,
        "DEALBENCH_VAR_DIR": str(tmp),
        "DEALBENCH_RATE_LIMIT_PER_MINUTE": "100000000",
        "DEALBENCH_LOG_LEVEL": "warning",
    }
    server = subprocess.Popen(
        [sys.executable, "-m", "dealbench", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        body = json.dumps({"query": graphql_query(), "variables": {"n": args.deals}})
        check = httpx.post(
            f"{base}/graphql",
            content=body,
            headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        )
        assert not check.json().get("errors"), check.text[:500]
        gql = rate("POST", f"{base}/graphql", token, args.duration, args.connections, body)
        rest_routes = [f"/v1/deals?limit={args.deals}", f"/v1/tickets?limit={min(1000, 2 * args.deals)}"]
        auth = {"Authorization": f"Bearer {token}"}
        plans = httpx.get(f"{base}/v1/evaluations?limit={args.deals}", headers=auth)
        per_plan: str | None = None
        if plans.status_code == 200:
            rest_routes.append(f"/v1/evaluations?limit={args.deals}")
            items = plans.json()["items"]
            if items:  # the criteria of a plan have their own route: one request per plan
                per_plan = f"/v1/evaluations/{items[0]['id']}/criteria"
        rest = {
            route: rate("GET", base + route, token, args.duration, args.connections) for route in rest_routes
        }
        plan_rate = rate("GET", base + per_plan, token, args.duration, args.connections) if per_plan else None
    finally:
        server.terminate()
        server.wait(timeout=10)
        shutil.rmtree(tmp, ignore_errors=True)

    lists_iter = 1 / sum(1 / r for r in rest.values())
    rest_iter = 1 / (sum(1 / r for r in rest.values()) + (args.deals / plan_rate if plan_rate else 0))
    print(f"data: {args.deals} deals, 2 tickets each (each linked to 2 deals), plans: {_has_evaluations()}")
    print(f"GraphQL  POST /graphql                         {gql:9.1f} req/s")
    for route, r in rest.items():
        print(f"REST     GET {route:<35} {r:9.1f} req/s")
    if plan_rate:
        print(
            f"REST     GET /v1/evaluations/{{id}}/criteria        {plan_rate:9.1f} req/s (x{args.deals} per iteration)"
        )
    print(f"REST     the lists only ({len(rest)} requests)            {lists_iter:9.1f} iterations/s")
    print(
        f"REST     the same data ({len(rest)} + {args.deals if plan_rate else 0} requests)       {rest_iter:9.1f} iterations/s"
    )
    print(
        f"GraphQL / REST same data = {gql / rest_iter:.0%}; GraphQL / REST lists only = {gql / lists_iter:.0%}"
    )
    print("target: GraphQL >= 25% of the REST equivalent")
    print("SQL statements per GraphQL request: " + ", ".join(f"{k} deals: {v}" for k, v in counts.items()))
    if len(set(counts.values())) != 1:
        print("WARNING: the statement count depends on the result size")


if __name__ == "__main__":
    main()
