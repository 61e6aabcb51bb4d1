"""Per-token rate limits over the ``limits`` library's storage: in-process, or Redis when configured.

Fixed one-minute windows aligned on the clock: the key names the window, so one ``INCR``+``EXPIRE``
(a single Lua call, one Redis round trip) gives both the verdict and the headers.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

from limits.aio.storage import MemoryStorage, RedisStorage, Storage

log = logging.getLogger("dealbench.ratelimit")
WINDOW_SECONDS = 60


@dataclass(frozen=True, slots=True)
class RateVerdict:
    allowed: bool
    limit: int
    remaining: int
    reset: int

    def headers(self) -> dict[str, str]:
        headers = {
            "X-RateLimit-Limit": str(self.limit),
            "X-RateLimit-Remaining": str(self.remaining),
            "X-RateLimit-Reset": str(self.reset),
        }
        if not self.allowed:
            headers["Retry-After"] = str(max(1, self.reset - int(time.time())))
        return headers


class RateLimiter:
    def __init__(self, redis_url: str | None = None) -> None:
        self.storage: Storage
        if redis_url:
            uri = redis_url if redis_url.startswith("async+") else f"async+{redis_url}"
            self.storage = RedisStorage(uri, implementation="redispy", key_prefix="dealbench-rl")
        else:
            self.storage = MemoryStorage()
        self.backend = "redis" if redis_url else "memory"

    async def hit(self, key: str, limit: int) -> RateVerdict:
        now = time.time()
        window = int(now // WINDOW_SECONDS)
        reset = (window + 1) * WINDOW_SECONDS
        try:
            count = await self.storage.incr(f"{key}:{window}", WINDOW_SECONDS + 1)
        except Exception:  # the limiter must never take the API down with it
            log.warning("rate limiter storage failed; letting the request through", exc_info=True)
            return RateVerdict(True, limit, limit, reset)
        return RateVerdict(count <= limit, limit, max(0, limit - count), reset)
