"""Foundation benchmark: GET /v1/organization/users?limit=100 (100 users) on PostgreSQL, 2 workers,
wrk at 64 connections, against a bare Starlette + asyncpg + orjson route in the same run; then
Dealbench with the Redis rate limiter on, against itself with it off.

    .venv/bin/python -m bench.foundation [--seconds 20]

Targets: Dealbench >= 60% of the bare route; with Redis limits >= 90% of itself without.
"""

from __future__ import annotations

import argparse
import asyncio

from bench.common import (
    REDIS_URL,
    WrkResult,
    add_users,
    bootstrap_database,
    ratio_line,
    run_wrk,
    scratch_pg_database,
    start_dealbench,
    start_uvicorn,
)

PATH = "/v1/organization/users?limit=100"


def seed(database_url: str) -> str:
    """Bootstrap an organization with 100 users; return its '*' token."""
    token = bootstrap_database(database_url)

    async def fill() -> None:
        import asyncpg

        conn = await asyncpg.connect(database_url)
        try:
            org = await conn.fetchval("SELECT id FROM organizations WHERE slug = 'bench'")
            await add_users(conn, org, 99)
        finally:
            await conn.close()

    asyncio.run(fill())
    return token


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument("--connections", type=int, default=64)
    args = parser.parse_args()

    with scratch_pg_database("foundation") as url:
        token = seed(url)
        headers = {"X-API-Key": token}
        results: dict[str, WrkResult] = {}

        bare = start_uvicorn("bench.bare_users:app", env={"BARE_DATABASE_URL": url})
        try:
            run_wrk(bare.base + PATH, headers, seconds=3, connections=args.connections)  # warm-up
            results["bare Starlette + asyncpg"] = run_wrk(
                bare.base + PATH, headers, seconds=args.seconds, connections=args.connections
            )
        finally:
            bare.stop()

        for label, env in (
            ("dealbench (memory limits)", {}),
            ("dealbench (Redis limits)", {"DEALBENCH_REDIS_URL": REDIS_URL}),
        ):
            server = start_dealbench(url, workers=2, env=env)
            try:
                run_wrk(server.base + PATH, headers, seconds=3, connections=args.connections)
                results[label] = run_wrk(
                    server.base + PATH, headers, seconds=args.seconds, connections=args.connections
                )
            finally:
                server.stop()

    print(
        f"\nGET {PATH}  (100 users, PostgreSQL, 2 workers, {args.connections} connections, {args.seconds}s)"
    )
    for label, result in results.items():
        print(result.row(label))
    print(
        ratio_line(
            "dealbench vs bare",
            results["dealbench (memory limits)"],
            results["bare Starlette + asyncpg"],
            0.60,
        )
    )
    print(
        ratio_line(
            "Redis limits vs memory limits",
            results["dealbench (Redis limits)"],
            results["dealbench (memory limits)"],
            0.90,
        )
    )


if __name__ == "__main__":
    main()
