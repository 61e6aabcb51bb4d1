"""What the moving-window rate limit costs per request on Redis, beside the fixed window it replaced.

Both run against the same Redis in the same run, in alternating rounds (best round of each kept):

- ``fixed``: the previous limiter, one ``INCR``+``EXPIRE`` Lua call per request on a key naming the
  clock-aligned minute (its verdict and headers came from that one count);
- ``moving``: :meth:`dealbench.kit.ratelimit.RateLimiter.hit`, the ``limits`` library's moving
  window (one Lua call that checks and pushes the timestamp, one that reads the window for the
  headers);
- ``moving, verdict only``: the first of those two calls alone, to show what the headers cost.

Each budget is filled to just under its limit (the window's list is as long as it gets), for
limits of 50 (the default), 1,000 and 10,000 per minute. Sequential hits give the latency per
request; ``--concurrency`` tasks sharing one client give the throughput.

    .venv/bin/python -m bench.ratelimit [--hits 5000] [--concurrency 32] [--rounds 3]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
import uuid
from collections.abc import Awaitable, Callable

from bench.common import REDIS_URL
from dealbench.kit.ratelimit import WINDOW_SECONDS, Budget, RateLimiter

Hit = Callable[[str, int], Awaitable[object]]


def strategies(limiter: RateLimiter) -> dict[str, Hit]:
    storage = limiter.storage

    async def fixed(key: str, limit: int) -> object:
        window = int(time.time() // WINDOW_SECONDS)
        return await storage.incr(f"fixed:{key}:{window}", WINDOW_SECONDS + 1)

    async def moving(key: str, limit: int) -> object:
        return await limiter.hit(key, limit)

    async def verdict_only(key: str, limit: int) -> object:
        return await limiter.strategy.hit(Budget(limit), key)

    return {"fixed": fixed, "moving": moving, "moving, verdict only": verdict_only}


def _plan(hits: int, limit: int) -> list[str]:
    """The keys of ``hits`` requests: each budget gets ``limit - 1`` of them in a row."""
    per_key = max(1, min(limit - 1, hits))
    run = uuid.uuid4().hex[:8]
    return [f"bench:{run}:{i // per_key}" for i in range(hits)]


async def sequential(hit: Hit, hits: int, limit: int) -> list[float]:
    timings = []
    for key in _plan(hits, limit):
        started = time.perf_counter()
        await hit(key, limit)
        timings.append(time.perf_counter() - started)
    return timings


async def concurrent(hit: Hit, hits: int, limit: int, concurrency: int) -> float:
    keys = _plan(hits, limit)
    chunks = [keys[i::concurrency] for i in range(concurrency)]

    async def worker(chunk: list[str]) -> None:
        for key in chunk:
            await hit(key, limit)

    started = time.perf_counter()
    await asyncio.gather(*(worker(c) for c in chunks))
    return hits / (time.perf_counter() - started)


async def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--hits", type=int, default=5000)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--redis", default=REDIS_URL)
    args = parser.parse_args()
    limiter = RateLimiter(args.redis)
    if not await limiter.probe():
        raise SystemExit(limiter.describe())
    ways = strategies(limiter)
    for way in ways.values():  # load the Lua scripts, open the connections
        await way("bench:warmup", 50)
    print(f"Redis {args.redis}; {args.hits} hits per measure; best of {args.rounds} alternating rounds")
    print(
        f"{'limit':>6}  {'strategy':<22} {'mean µs':>8} {'p50 µs':>8} {'p99 µs':>8} {'hits/s x' + str(args.concurrency):>12}"
    )
    for limit in (50, 1000, 10_000):
        best_seq: dict[str, list[float]] = {}
        best_rate: dict[str, float] = {}
        for _ in range(args.rounds):
            for name, way in ways.items():
                timings = await sequential(way, args.hits, limit)
                if name not in best_seq or statistics.mean(timings) < statistics.mean(best_seq[name]):
                    best_seq[name] = timings
                rate = await concurrent(way, args.hits, limit, args.concurrency)
                best_rate[name] = max(best_rate.get(name, 0.0), rate)
        for name in ways:
            t = sorted(best_seq[name])
            print(
                f"{limit:>6}  {name:<22} {statistics.mean(t) * 1e6:>8.0f} {t[len(t) // 2] * 1e6:>8.0f} "
                f"{t[int(len(t) * 0.99)] * 1e6:>8.0f} {best_rate[name]:>12.0f}"
            )
        base = statistics.mean(best_seq["fixed"])
        print(
            f"{'':>6}  moving / fixed: {statistics.mean(best_seq['moving']) / base:.2f}x per request, "
            f"{best_rate['fixed'] / best_rate['moving']:.2f}x fewer hits/s"
        )


if __name__ == "__main__":
    asyncio.run(main())
