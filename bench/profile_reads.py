"""CPU cost of one read, in process: the routes of bench/reads.py called through the ASGI apps
(Dealbench's and the bare reference's) one after the other, without a load generator, so the
figures hold on a busy machine; optionally a profile of Dealbench's route.

    .venv/bin/python -m bench.profile_reads [--requests 500] [--rounds 1] [--profile "deal by id"]

Prints CPU milliseconds per request for each app and their ratio (the throughput ratio a
CPU-bound server would show); ``--profile`` adds cProfile's view of Dealbench's route (CPU, not
waiting). With ``--rounds N`` each route is measured N times, alternating the two apps, and the
lowest figure of each is kept: on shared cores, the round least disturbed by other work.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import time

import httpx

from bench.common import REDIS_URL, scratch_pg_database
from bench.reads import seed, workloads


async def _seed_api(client: httpx.AsyncClient, token: str) -> tuple[int, int, int]:
    headers = {"X-API-Key": token}
    deal = (await client.get("/v1/deals?limit=1", headers=headers)).json()["items"][0]
    plan = (
        await client.post("/v1/evaluations", json={"title": "Plan", "dealId": deal["id"]}, headers=headers)
    ).json()
    project = (await client.post("/v1/projects", json={"name": "Bench"}, headers=headers)).json()
    files = {"file": ("terms.pdf", b"%PDF-1.4 bench", "application/pdf")}
    doc = (await client.post(f"/v1/projects/{project['id']}/documents", files=files, headers=headers)).json()
    return plan["id"], project["id"], doc["id"]


async def _cpu_ms(client: httpx.AsyncClient, path: str, headers: dict[str, str], n: int) -> float:
    for _ in range(20):
        assert (await client.get(path, headers=headers)).status_code == 200
    start = time.process_time()
    for _ in range(n):
        await client.get(path, headers=headers)
    return (time.process_time() - start) * 1000 / n


async def run(url: str, token: str, requests: int, profile: str | None, rounds: int = 1) -> None:
    os.environ["BARE_DATABASE_URL"] = url
    from bench import bare_reads
    from dealbench.app import create_app
    from dealbench.kit.services import Services
    from dealbench.settings import Settings

    settings = Settings(
        database_url=url,
        secret_key="bench-secret",
        rate_limit_per_minute=10**9,
        log_level="warning",
        redis_url=REDIS_URL,  # as bench/reads.py runs it: the principal cache's version in Redis
    )
    services = Services.build(settings)
    ours = create_app(settings, services)
    headers = {"X-API-Key": token}
    async with (
        bare_reads.lifespan(bare_reads.app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=ours), base_url="http://testserver") as db,
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=bare_reads.app), base_url="http://testserver"
        ) as bare,
    ):
        ids = await _seed_api(db, token)
        print(f"{'route':<32} {'bare ms':>8} {'ours ms':>8} {'ratio':>6}")
        for w in workloads(*ids):
            if profile and w.name != profile:
                continue
            bare_ms = ours_ms = float("inf")
            for _ in range(rounds):
                bare_ms = min(bare_ms, await _cpu_ms(bare, w.path, headers, requests))
                ours_ms = min(ours_ms, await _cpu_ms(db, w.path, headers, requests))
            print(f"{w.name:<32} {bare_ms:>8.2f} {ours_ms:>8.2f} {bare_ms / ours_ms:>6.2f}")
            if profile:
                import cProfile
                import pstats

                with cProfile.Profile() as profiler:
                    for _ in range(requests):
                        await db.get(w.path, headers=headers)
                stats = pstats.Stats(profiler).strip_dirs().sort_stats("cumulative")
                stats.print_stats(60)
    await services.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=1, help="alternating rounds; the best of each app")
    parser.add_argument("--profile", default=None, help="a workload name of bench/reads.py to profile")
    args = parser.parse_args()
    with scratch_pg_database("profile") as url:
        token = seed(url)
        asyncio.run(run(url, token, args.requests, args.profile, args.rounds))


if __name__ == "__main__":
    main()
