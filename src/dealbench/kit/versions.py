"""A version number that every process of one deployment sees change at once: what a per-process
cache compares its entries against (see :mod:`dealbench.auth.cache`).

- With Redis: one key, read with one ``GET`` and raised with ``INCR``.
- Without Redis, on the embedded default (SQLite, one server process): the size of a file beside
  the database file, raised by appending a byte, so the command line — another process using the
  same database — is seen too.
- Otherwise (several server processes, or PostgreSQL, without Redis) there is no version a
  process could trust: :attr:`VersionCounter.enabled` is false and callers do not cache.

:meth:`bump` is synchronous: it runs from SQLAlchemy's ``after_commit`` event, whatever committed
(a request, the command line, a test), before the request that changed something answers.
"""

from __future__ import annotations

import logging
import os
import time
from pathlib import Path
from typing import Any

from sqlalchemy.engine import make_url

log = logging.getLogger("dealbench.versions")
#: After Redis failed to answer, how long the counter answers ``None`` without asking again.
RETRY_SECONDS = 5.0


class VersionCounter:
    def __init__(self, *, redis_url: str | None, key: str, path: Path | None) -> None:
        self.key = key
        self.path = path
        self._redis_url = redis_url
        self._async: Any = None
        self._sync: Any = None
        self.mode = "redis" if redis_url else "file" if path is not None else "off"
        self._down_until = 0.0
        self._unwritable = False

    @classmethod
    def for_deployment(cls, settings: Any, name: str) -> VersionCounter:
        """The counter ``name`` of the deployment described by ``settings`` (see the module)."""
        if settings.redis_url:
            return cls(
                redis_url=settings.redis_url, key=f"{settings.redis_key_prefix}:version:{name}", path=None
            )
        url = make_url(settings.effective_database_url)
        path = None
        if (
            url.get_backend_name() == "sqlite"
            and url.database not in (None, "", ":memory:")
            and settings.workers == 1
        ):
            path = Path(
                f"{url.database}.{name}-version"
            )  # beside the database: every process using it sees it
        return cls(redis_url=None, key=name, path=path)

    @property
    def enabled(self) -> bool:
        return self.mode != "off"

    @property
    def redis_url(self) -> str | None:
        return self._redis_url

    def answering(self) -> bool:
        """With Redis: whether it is worth asking (it did not just fail to answer)."""
        return self.mode == "redis" and time.monotonic() >= self._down_until

    def mark_down(self) -> None:
        """Redis failed to answer a read of the version made elsewhere (in the rate limiter's
        round trip): answer ``None`` for a few seconds, as :meth:`current` does."""
        self._down_until = time.monotonic() + RETRY_SECONDS
        log.warning("Redis does not answer: the principal cache is off for %s s", RETRY_SECONDS)

    async def current(self) -> int | None:
        """The version now (one ``GET`` with Redis, one ``stat`` with the file); ``None`` when it
        cannot be known (Redis does not answer: then for a few seconds without asking)."""
        if self.mode == "redis":
            if time.monotonic() < self._down_until:
                return None
            if self._async is None:
                from redis.asyncio import Redis

                self._async = Redis.from_url(self._redis_url, socket_timeout=1, socket_connect_timeout=1)  # type: ignore[arg-type]
            try:
                raw = await self._async.get(self.key)
            except Exception:
                self._down_until = time.monotonic() + RETRY_SECONDS
                log.warning("Redis does not answer: the principal cache is off for %s s", RETRY_SECONDS)
                return None
            return int(raw or 0)
        if self.mode == "file":
            assert self.path is not None
            if self._unwritable:
                return None
            try:
                return os.stat(self.path).st_size
            except FileNotFoundError:
                return 0
            except OSError:
                return None  # a folder that cannot hold it (the database is out of reach too)
        return 0

    def bump(self) -> None:
        """Raise the version: every entry a cache keeps against an older one is stale."""
        if self.mode == "redis":
            if self._sync is None:
                from redis import Redis

                self._sync = Redis.from_url(self._redis_url, socket_timeout=1, socket_connect_timeout=1)  # type: ignore[arg-type]
            try:
                self._sync.incr(self.key)
            except Exception:
                # The other processes cannot be told; while Redis is down they cannot read the
                # version either, and so do not use their caches (see current()).
                self._down_until = time.monotonic() + RETRY_SECONDS
                log.error("Redis does not answer: could not raise the version %s", self.key)
        elif self.mode == "file":
            assert self.path is not None
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                with open(self.path, "ab") as f:
                    f.write(b".")
            except OSError as exc:
                # The change cannot be announced: this process stops trusting its cache.
                self._unwritable = True
                log.error("could not raise the version in %s: %s", self.path, exc)

    async def close(self) -> None:
        if self._async is not None:
            await self._async.aclose()
        if self._sync is not None:
            self._sync.close()
