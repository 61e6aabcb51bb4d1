"""Rate limits over the ``limits`` library: a moving one-minute window, in-process or in Redis.

A request is allowed when fewer than ``limit`` requests of the same budget were allowed in the last
60 seconds (the library's moving window: a Redis list of timestamps per budget, checked and pushed
by one Lua script, so concurrent processes never over-admit). A fixed window aligned on the minute
let up to twice the limit through around the boundary; the library's sliding-window counter is
only an approximation.

The key names the *budget*, not the limit (see :class:`Budget`): a user's personal tokens share
``user:{id}``, each request counted against the limit of the token in use.

With Redis, one request costs one round trip: a Lua script of ours (:data:`HIT_SCRIPT`) pushes the
entry exactly as the library's moving-window script does, on the library's own key, reads the
window's statistics in the same step and, when asked, one more key (the principal cache's version,
see :meth:`RateLimiter.hit_and_get`).

When the storage fails (Redis unreachable, timing out), the limiter logs it once, keeps a status
the readiness probe can read (:attr:`RateLimiter.healthy`, :meth:`RateLimiter.status`), and
applies the configured failure mode until the storage answers again (retried every few seconds):

- ``local`` (default): each process enforces the limits alone, in memory;
- ``open``: requests are not limited;
- ``closed``: every request is refused with a 503 and ``Retry-After``.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from limits import RateLimitItemPerMinute
from limits.aio.storage import MemoryStorage, RedisStorage, Storage
from limits.aio.strategies import MovingWindowRateLimiter

from dealbench.kit.errors import ServiceUnavailable

log = logging.getLogger("dealbench.ratelimit")
WINDOW_SECONDS = 60
#: The name of the one policy in the standard header fields.
POLICY = "default"
#: While the storage is failing, one request every this many seconds tries it again.
RETRY_SECONDS = 5.0
#: Redis must answer quickly or count as failing: a blackholed host must not stall every request.
REDIS_TIMEOUT_SECONDS = 2.0
REDIS_SCHEMES = ("redis", "rediss", "unix")

#: The library's two moving-window scripts (``acquire_moving_window.lua``, ``moving_window.lua``)
#: as one, plus an optional ``GET``: KEYS[1] the window's list, KEYS[2] (optional) a key to read.
#: ARGV: now, limit, expiry. Answers ``{allowed, oldest or false, count, value of KEYS[2] or false}``.
HIT_SCRIPT = """
local now = tonumber(ARGV[1])
local limit = tonumber(ARGV[2])
local expiry = tonumber(ARGV[3])
local extra = false
if KEYS[2] then
    extra = redis.call('get', KEYS[2])
end
local allowed = 0
local entry = redis.call('lindex', KEYS[1], limit - 1)
if not (entry and tonumber(entry) >= now - expiry) then
    redis.call('lpush', KEYS[1], now)
    redis.call('ltrim', KEYS[1], 0, limit - 1)
    redis.call('expire', KEYS[1], expiry)
    allowed = 1
end
local target = now - expiry
local low, high, found = 0, limit - 1, nil
while low <= high do
    local mid = math.floor((low + high) / 2)
    local val = tonumber(redis.call('lindex', KEYS[1], mid))
    if val and val >= target then
        found = mid
        low = mid + 1
    else
        high = mid - 1
    end
end
if found then
    return {allowed, tostring(redis.call('lindex', KEYS[1], found)), found + 1, extra}
end
return {allowed, false, 0, extra}
"""


class FailureMode(StrEnum):
    LOCAL = "local"
    OPEN = "open"
    CLOSED = "closed"


@dataclass(frozen=True, slots=True)
class RateVerdict:
    allowed: bool
    limit: int
    remaining: int
    #: Unix time (whole seconds, rounded up) when the oldest request of the window leaves it, i.e.
    #: when one more request will be allowed.
    reset: int
    #: Seconds until a refused request may be retried (``Retry-After``); 0 when allowed.
    retry_after: int = 0

    def headers(self) -> dict[str, str]:
        """``X-RateLimit-*`` (limit, remaining, reset as a Unix time) as before, and the current
        standard's two fields (``draft-ietf-httpapi-ratelimit-headers-09``): ``RateLimit-Policy``
        (the quota ``q`` over a window of ``w`` seconds) and ``RateLimit`` (``r`` requests remaining,
        ``t`` seconds until one more is allowed); ``Retry-After`` on a refusal."""
        until_reset = max(0, self.reset - int(time.time()))
        headers = {
            "X-RateLimit-Limit": str(self.limit),
            "X-RateLimit-Remaining": str(self.remaining),
            "X-RateLimit-Reset": str(self.reset),
            "RateLimit-Policy": f'"{POLICY}";q={self.limit};w={WINDOW_SECONDS}',
            "RateLimit": f'"{POLICY}";r={self.remaining};t={until_reset}',
        }
        if not self.allowed:
            headers["Retry-After"] = str(max(1, self.retry_after))
        return headers


class Budget(RateLimitItemPerMinute):
    """A per-minute limit whose storage key names the budget alone, not its amount.

    The library's keys include the amount (``.../50/1/minute``); requests of one user made with
    tokens of different limits must land in one moving window. A hit under limit L checks the L-th
    newest entry, so mixed limits stay exact: each request is allowed when fewer than L requests of
    the budget were allowed in the last minute.
    """

    def key_for(self, *identifiers: bytes | str | int | float) -> str:
        return "mw:" + "/".join(str(i) for i in identifiers)


def redact_url(url: str) -> str:
    """The URL without its password, for logs."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.rpartition("@")[2]
    user = f"{parts.username}:***@" if parts.username else ":***@"
    return urlunsplit(parts._replace(netloc=user + netloc))


def check_redis_url(url: str) -> str:
    """The URL, or ``ValueError`` naming what is wrong with it."""
    scheme = urlsplit(url.removeprefix("async+")).scheme
    if scheme not in REDIS_SCHEMES:
        raise ValueError(
            f"DEALBENCH_REDIS_URL must start with redis://, rediss:// or unix:// (got '{redact_url(url)}')."
        )
    return url


def _describe(exc: BaseException) -> str:
    cause = exc.__cause__ or exc
    return f"{type(cause).__name__}: {cause}".strip().rstrip(":")


@dataclass
class LimiterHealth:
    """What the readiness probe reports: is the shared storage answering?"""

    backend: str
    failure_mode: FailureMode
    healthy: bool = True
    error: str | None = None
    #: Unix time of the last change of ``healthy``.
    since: float = 0.0


class RateLimiter:
    def __init__(
        self,
        redis_url: str | None = None,
        *,
        failure_mode: FailureMode | str = FailureMode.LOCAL,
        key_prefix: str = "dealbench-rl",
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.url = redis_url
        self.clock = clock
        self.storage: Storage
        self._key_prefix = key_prefix
        self._script: Any = None
        if redis_url:
            uri = check_redis_url(redis_url)
            uri = uri if uri.startswith("async+") else f"async+{uri}"
            self.storage = RedisStorage(
                uri,
                implementation="redispy",
                key_prefix=key_prefix,
                wrap_exceptions=True,
                socket_connect_timeout=REDIS_TIMEOUT_SECONDS,
                socket_timeout=REDIS_TIMEOUT_SECONDS,
            )
        else:
            self.storage = MemoryStorage()
        self.backend = "redis" if redis_url else "memory"
        self.strategy = MovingWindowRateLimiter(self.storage)
        self.health = LimiterHealth(self.backend, FailureMode(failure_mode), since=clock())
        self._fallback: MovingWindowRateLimiter | None = None
        self._retry_at = 0.0

    @property
    def healthy(self) -> bool:
        return self.health.healthy

    def status(self) -> dict[str, Any]:
        h = self.health
        return {
            "backend": h.backend,
            "healthy": h.healthy,
            "failureMode": h.failure_mode.value,
            "error": h.error,
            "since": h.since,
        }

    def describe(self) -> str:
        """One line for the start of the server: where limits live, and whether it answers."""
        if self.backend == "memory":
            return "Rate limits: in this process (set DEALBENCH_REDIS_URL to share them between processes)"
        where = f"Redis at {redact_url(self.url or '')}"
        if self.healthy:
            return f"Rate limits: {where} (moving one-minute window, shared by every process)"
        return (
            f"Rate limits: {where} is UNREACHABLE ({self.health.error}); until it answers, "
            f"{self._mode_words()} (DEALBENCH_RATE_LIMIT_FAILURE={self.health.failure_mode.value})"
        )

    def _mode_words(self) -> str:
        return {
            FailureMode.LOCAL: "each process limits requests on its own",
            FailureMode.OPEN: "requests are NOT rate limited",
            FailureMode.CLOSED: "every API request is refused with 503",
        }[self.health.failure_mode]

    async def close(self) -> None:
        if self._script is not None:
            await self._script.registered_client.aclose()
            self._script = None

    async def probe(self) -> bool:
        """Ask the storage whether it answers (at start); updates the status without logging."""
        if self.backend == "memory":
            return True
        try:
            # A read of the moving window: the call every request makes, minus the write.
            await self.strategy.get_window_stats(Budget(1), "probe")
        except Exception as exc:
            self._mark_failed(_describe(exc), quiet=True)
            return False
        self._mark_healthy(quiet=True)
        return True

    def _mark_failed(self, error: str, *, quiet: bool = False) -> None:
        now = self.clock()
        self._retry_at = now + RETRY_SECONDS
        if self.health.healthy:
            self.health.healthy, self.health.error, self.health.since = False, error, now
            if not quiet:
                log.error(
                    "rate limiter: %s failed (%s); until it answers, %s",
                    self.backend,
                    error,
                    self._mode_words(),
                )

    def _mark_healthy(self, *, quiet: bool = False) -> None:
        if not self.health.healthy:
            self.health.healthy, self.health.error, self.health.since = True, None, self.clock()
            if not quiet:
                log.warning("rate limiter: %s answers again; limits are shared again", self.backend)

    def _verdict(
        self, allowed: bool, limit: int, remaining: int, reset_time: float, now: float
    ) -> RateVerdict:
        reset = math.ceil(reset_time) if remaining < limit else math.ceil(now + WINDOW_SECONDS)
        retry_after = 0 if allowed else max(1, math.ceil(reset_time - now))
        return RateVerdict(allowed, limit, max(0, remaining), reset, retry_after)

    async def _measure(self, strategy: MovingWindowRateLimiter, key: str, limit: int) -> RateVerdict:
        if strategy is self.strategy and self.backend == "redis":
            return (await self._run_script(key, limit, None))[0]
        item = Budget(limit)
        allowed = await strategy.hit(item, key)
        stats = await strategy.get_window_stats(item, key)
        return self._verdict(allowed, limit, stats.remaining, stats.reset_time, self.clock())

    async def _run_script(
        self, key: str, limit: int, extra_key: str | None
    ) -> tuple[RateVerdict, bytes | None]:
        """One round trip: count one request of ``key`` under ``limit``, read the window and,
        with ``extra_key``, that key's value."""
        if self._script is None:
            from redis.asyncio import Redis

            client = Redis.from_url(
                (self.url or "").removeprefix("async+"),
                socket_connect_timeout=REDIS_TIMEOUT_SECONDS,
                socket_timeout=REDIS_TIMEOUT_SECONDS,
            )
            self._script = client.register_script(HIT_SCRIPT)
        window = f"{self._key_prefix}:{Budget(limit).key_for(key)}"
        keys = [window] if extra_key is None else [window, extra_key]
        now = self.clock()
        allowed, oldest, count, extra = await self._script(keys=keys, args=[now, limit, WINDOW_SECONDS])
        start = float(oldest) if oldest else now
        verdict = self._verdict(bool(allowed), limit, limit - int(count), start + WINDOW_SECONDS, now)
        return verdict, extra

    def shares_redis_with(self, url: str | None) -> bool:
        """Whether this limiter's Redis is the one at ``url`` and answers (as far as it knows)."""
        return (
            self.backend == "redis"
            and url is not None
            and (self.url or "").removeprefix("async+") == url.removeprefix("async+")
            and (self.health.healthy or self.clock() >= self._retry_at)
        )

    async def hit_and_get(
        self, key: str, limit: int, extra_key: str
    ) -> tuple[RateVerdict, bytes | None] | None:
        """:meth:`hit` and a ``GET`` of ``extra_key`` in one round trip (Redis only; see
        :meth:`shares_redis_with`). ``None`` when Redis failed: then the caller knows nothing and
        proceeds as without this method (the failure is recorded as by :meth:`hit`)."""
        try:
            answer = await self._run_script(key, limit, extra_key)
        except Exception as exc:
            self._mark_failed(_describe(exc))
            return None
        self._mark_healthy()
        return answer

    async def hit(self, key: str, limit: int) -> RateVerdict:
        """Count one request of budget ``key`` under ``limit`` per minute."""
        if self.health.healthy or self.clock() >= self._retry_at:
            try:
                verdict = await self._measure(self.strategy, key, limit)
            except Exception as exc:  # the limiter must never take the API down with it
                self._mark_failed(_describe(exc))
            else:
                self._mark_healthy()
                return verdict
        return await self._degraded(key, limit)

    async def _degraded(self, key: str, limit: int) -> RateVerdict:
        mode = self.health.failure_mode
        if mode is FailureMode.CLOSED:
            wait = max(1, math.ceil(self._retry_at - self.clock()))
            raise ServiceUnavailable(
                "Rate limiting is unavailable, so requests are refused; try again shortly.",
                headers={"Retry-After": str(wait)},
            )
        if mode is FailureMode.OPEN:
            return RateVerdict(True, limit, limit, math.ceil(self.clock() + WINDOW_SECONDS))
        if self._fallback is None:
            self._fallback = MovingWindowRateLimiter(MemoryStorage())
        return await self._measure(self._fallback, key, limit)
