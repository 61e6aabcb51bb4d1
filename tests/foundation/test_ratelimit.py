"""Rate limits: a moving one-minute window (in memory and in Redis), headers sent once, a user's
personal tokens sharing one budget, and what happens while Redis fails."""

from __future__ import annotations

import asyncio
import logging
import os
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import limits.aio.storage.memory
import limits.aio.storage.redis.redispy
import pytest

from dealbench.app import create_app
from dealbench.kit.errors import ServiceUnavailable
from dealbench.kit.ratelimit import RateLimiter
from dealbench.kit.services import Services

REDIS_URL = os.environ.get("DEALBENCH_TEST_REDIS_URL")
needs_redis = pytest.mark.skipif(not REDIS_URL, reason="DEALBENCH_TEST_REDIS_URL not set (make test sets it)")


class Clock:
    """A clock the test moves by hand, for the limiter and for the library's storages."""

    def __init__(self, now: float = 1_900_000_000.0) -> None:
        self.now = now

    def time(self) -> float:
        return self.now

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    c = Clock()
    monkeypatch.setattr(limits.aio.storage.redis.redispy, "time", c)
    monkeypatch.setattr(limits.aio.storage.memory, "time", c)
    return c


def _key() -> str:
    return f"test:{uuid.uuid4().hex}"


@pytest.fixture(params=["memory", "redis"])
def limiter(request: pytest.FixtureRequest, clock: Clock) -> RateLimiter:
    if request.param == "redis":
        if not REDIS_URL:
            pytest.skip("DEALBENCH_TEST_REDIS_URL not set (make test sets it)")
        return RateLimiter(REDIS_URL, clock=clock)
    return RateLimiter(None, clock=clock)


async def test_the_window_moves_no_burst_of_twice_the_limit_at_a_minute_boundary(
    limiter: RateLimiter, clock: Clock
) -> None:
    key = _key()
    clock.now = 1_900_000_000.0 + 59.0  # one second before a minute boundary
    first = [await limiter.hit(key, 5) for _ in range(5)]
    clock.now += 2.0  # the next minute: a fixed window would start again from zero
    second = [await limiter.hit(key, 5) for _ in range(5)]
    assert [v.allowed for v in first] == [True] * 5
    assert [v.allowed for v in second] == [False] * 5
    assert [v.remaining for v in first] == [4, 3, 2, 1, 0]
    # Refused until the first requests are a minute old.
    assert second[0].retry_after == 58
    assert second[0].reset == 1_900_000_000 + 59 + 60
    clock.now = 1_900_000_000.0 + 59.0 + 60.5
    assert [(await limiter.hit(key, 5)).allowed for _ in range(6)] == [True] * 5 + [False]


async def test_reset_and_retry_after_follow_the_oldest_request(limiter: RateLimiter, clock: Clock) -> None:
    key = _key()
    start = clock.now
    for offset in (0.0, 10.0, 20.0):
        clock.now = start + offset
        assert (await limiter.hit(key, 3)).allowed
    clock.now = start + 30.0
    refused = await limiter.hit(key, 3)
    assert not refused.allowed and refused.remaining == 0
    assert refused.reset == int(start) + 60 and refused.retry_after == 30
    headers = refused.headers()
    assert headers["Retry-After"] == "30" and headers["X-RateLimit-Remaining"] == "0"
    clock.now = start + 60.5  # the first request left the window: one more, not three
    assert [(await limiter.hit(key, 3)).allowed for _ in range(2)] == [True, False]


async def test_budgets_with_different_limits_share_one_window(limiter: RateLimiter) -> None:
    key = _key()
    assert [(await limiter.hit(key, 2)).allowed for _ in range(3)] == [True, True, False]
    # The same budget under a higher limit counts what was already spent.
    assert [(await limiter.hit(key, 5)).remaining for _ in range(3)] == [2, 1, 0]
    assert not (await limiter.hit(key, 5)).allowed
    assert not (await limiter.hit(key, 2)).allowed


@needs_redis
async def test_redis_rate_limit_is_exact_under_concurrency_across_processes() -> None:
    assert REDIS_URL
    limiters = [RateLimiter(REDIS_URL) for _ in range(4)]  # four processes, one Redis
    key = _key()
    verdicts = await asyncio.gather(*(limiters[i % 4].hit(key, 25) for i in range(100)))
    assert sum(v.allowed for v in verdicts) == 25
    assert all(v.headers()["Retry-After"] for v in verdicts if not v.allowed)


# --------------------------------------------------------------------------- over HTTP


async def test_a_429_carries_each_rate_limit_header_once(client: Any, factory: Any) -> None:
    tenant = await factory.tenant()
    token = await factory.token(tenant, rate_limit_per_minute=1)
    for path in ("/v1/organization", "/api/v1/opportunities/my"):
        headers = {"X-API-Key": token}
        responses = [await client.get(path, headers=headers) for _ in range(2)]
        refused = responses[-1]
        assert refused.status_code == 429
        for name in ("x-ratelimit-limit", "x-ratelimit-remaining", "x-ratelimit-reset", "retry-after"):
            assert len(refused.headers.get_list(name)) == 1, (path, name, refused.headers.raw)
        assert refused.headers["x-ratelimit-remaining"] == "0"
        assert len(responses[0].headers.get_list("x-ratelimit-limit")) == 1
        token = await factory.token(tenant, rate_limit_per_minute=1)


async def test_a_users_personal_tokens_share_one_budget(client: Any, factory: Any) -> None:
    tenant = await factory.tenant()
    user = await factory.user(tenant)
    first = await factory.token(tenant, user=user, rate_limit_per_minute=3)
    second = await factory.token(tenant, user=user, rate_limit_per_minute=3)
    statuses = [
        (await client.get("/v1/organization", headers={"X-API-Key": t})).status_code
        for t in (first, second, first, second)
    ]
    assert statuses == [200, 200, 200, 429]
    # Organization tokens keep a budget each.
    org_tokens = [await factory.token(tenant, rate_limit_per_minute=1) for _ in range(2)]
    for t in org_tokens:
        assert (await client.get("/v1/organization", headers={"X-API-Key": t})).status_code == 200


async def test_the_limit_of_the_token_in_use_applies_to_the_shared_budget(client: Any, factory: Any) -> None:
    tenant = await factory.tenant()
    user = await factory.user(tenant)
    low = await factory.token(tenant, user=user, rate_limit_per_minute=2)
    high = await factory.token(tenant, user=user, rate_limit_per_minute=4)

    async def status(token: str) -> int:
        return (await client.get("/v1/organization", headers={"X-API-Key": token})).status_code

    assert [await status(low), await status(low), await status(low)] == [200, 200, 429]
    assert [await status(high), await status(high), await status(high)] == [200, 200, 429]
    assert await status(low) == 429


# --------------------------------------------------------------------------- when Redis fails


class Forwarder:
    """A TCP proxy in front of the real Redis that the test can cut and restore."""

    def __init__(self, target_host: str, target_port: int) -> None:
        self.target = (target_host, target_port)
        self.server: asyncio.Server | None = None
        self.port = 0
        self.links: list[asyncio.StreamWriter] = []

    async def start(self) -> None:
        self.server = await asyncio.start_server(self._serve, "127.0.0.1", self.port)
        self.port = self.server.sockets[0].getsockname()[1]

    async def cut(self) -> None:
        assert self.server is not None
        self.server.close()
        for writer in self.links:
            writer.close()
        self.links.clear()
        await self.server.wait_closed()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        up_reader, up_writer = await asyncio.open_connection(*self.target)
        self.links += [writer, up_writer]

        async def pipe(src: asyncio.StreamReader, dst: asyncio.StreamWriter) -> None:
            try:
                while data := await src.read(65536):
                    dst.write(data)
                    await dst.drain()
            except (ConnectionError, OSError):
                pass
            finally:
                dst.close()

        await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer))


@pytest.fixture
async def forwarder() -> AsyncIterator[Forwarder]:
    if not REDIS_URL:
        pytest.skip("DEALBENCH_TEST_REDIS_URL not set (make test sets it)")
    target = httpx.URL(REDIS_URL)
    proxy = Forwarder(target.host, target.port or 6379)
    await proxy.start()
    yield proxy
    if proxy.server is not None and proxy.server.is_serving():
        await proxy.cut()


def _unreachable() -> str:
    return "redis://127.0.0.1:1/0"  # nothing listens on port 1: connection refused at once


async def test_an_unreachable_redis_is_logged_once_and_limits_stay_per_process(
    caplog: pytest.LogCaptureFixture,
) -> None:
    limiter = RateLimiter(_unreachable())
    assert not await limiter.probe()
    assert not limiter.healthy and limiter.status()["error"]
    assert "UNREACHABLE" in limiter.describe() and "127.0.0.1:1" in limiter.describe()
    limiter = RateLimiter(_unreachable())  # not probed: the first request finds out
    key = _key()
    with caplog.at_level(logging.INFO, logger="dealbench.ratelimit"):
        verdicts = [await limiter.hit(key, 3) for _ in range(20)]
    assert [v.allowed for v in verdicts[:4]] == [True, True, True, False]  # still limited, locally
    records = [r for r in caplog.records if r.name == "dealbench.ratelimit"]
    assert len(records) == 1 and records[0].levelno == logging.ERROR, records
    assert records[0].exc_info is None  # one line, no traceback
    assert not limiter.healthy and limiter.status()["failureMode"] == "local"


async def test_failure_modes_open_and_closed() -> None:
    opened = RateLimiter(_unreachable(), failure_mode="open")
    assert all([(await opened.hit("k", 1)).allowed for _ in range(5)])
    closed = RateLimiter(_unreachable(), failure_mode="closed")
    with pytest.raises(ServiceUnavailable) as raised:
        await closed.hit("k", 1)
    assert int(raised.value.headers["Retry-After"]) >= 1


async def test_closed_mode_answers_503_in_the_routes_dialect(settings: Any, factory: Any) -> None:
    tenant = await factory.tenant()
    own = Services.build(
        settings.model_copy(update={"redis_url": _unreachable(), "rate_limit_failure": "closed"})
    )
    app = create_app(own.settings, own)
    try:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
            rest = await c.get("/v1/organization", headers=tenant.headers)
            jsend = await c.get("/api/v1/opportunities/my", headers=tenant.headers)
    finally:
        await own.close()
    assert rest.status_code == 503 and rest.headers["retry-after"] and rest.json()["error"]
    assert jsend.status_code == 503 and jsend.json()["status"] == "error"


async def test_a_redis_outage_is_logged_once_and_its_end_once(
    forwarder: Forwarder, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    import dealbench.kit.ratelimit as ratelimit

    monkeypatch.setattr(ratelimit, "RETRY_SECONDS", 0.0)  # retry Redis at every request
    limiter = RateLimiter(f"redis://127.0.0.1:{forwarder.port}/15")
    key = _key()
    with caplog.at_level(logging.INFO, logger="dealbench.ratelimit"):
        assert (await limiter.hit(key, 100)).allowed and limiter.healthy
        await forwarder.cut()
        for _ in range(10):
            assert (await limiter.hit(key, 100)).allowed
        assert not limiter.healthy
        await forwarder.start()
        for _ in range(3):
            await limiter.hit(key, 100)
        assert limiter.healthy
    levels = [r.levelno for r in caplog.records if r.name == "dealbench.ratelimit"]
    assert levels == [logging.ERROR, logging.WARNING], caplog.records
