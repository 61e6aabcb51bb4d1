"""Browser sessions kept in Redis (``DEALBENCH_REDIS_URL``), for the web app's sessions when a
deployment has Redis: every process sees them, and Redis forgets them by itself at their end.

A session is a hash ``<prefix>:ws:<digest>`` (the HMAC of the cookie's random id: the id itself
is never stored) whose time to live is the nearer of its idle end and its absolute end, moved on
by :meth:`touch`; the digests of a user's sessions are a set ``<prefix>:wsu:<user id>`` (signing
out everywhere, a new password). What the fields mean is the caller's business.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from typing import Any, ParamSpec, TypeVar

from dealbench.kit.errors import ServiceUnavailable
from dealbench.kit.ratelimit import check_redis_url

#: How long a Redis call may take before the request fails (a session cannot be checked without it).
TIMEOUT_SECONDS = 2.0


P = ParamSpec("P")
R = TypeVar("R")


def _answering(method: Callable[P, Awaitable[R]]) -> Callable[P, Awaitable[R]]:
    """Redis not answering is a 503 (``Retry-After``), as a database out of reach is: a session
    cannot be checked without it."""

    @functools.wraps(method)
    async def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        from redis.exceptions import RedisError

        try:
            return await method(*args, **kwargs)
        except (RedisError, OSError) as exc:
            raise ServiceUnavailable(
                "The session store (Redis) does not answer; try again shortly.", headers={"Retry-After": "5"}
            ) from exc

    return wrapper


class RedisSessionStore:
    def __init__(self, url: str, prefix: str) -> None:
        self.url = check_redis_url(url)
        self.prefix = prefix
        self._client: Any = None

    @property
    def client(self) -> Any:
        if self._client is None:
            from redis.asyncio import Redis

            self._client = Redis.from_url(
                self.url,
                socket_timeout=TIMEOUT_SECONDS,
                socket_connect_timeout=TIMEOUT_SECONDS,
                decode_responses=True,
            )
        return self._client

    def _key(self, digest: str) -> str:
        return f"{self.prefix}:ws:{digest}"

    def _user_key(self, user_id: int) -> str:
        return f"{self.prefix}:wsu:{user_id}"

    @_answering
    async def create(
        self, digest: str, user_id: int, fields: dict[str, str], ttl: int, user_ttl: int
    ) -> None:
        """Keep a new session for ``ttl`` seconds; the user's set lives at least ``user_ttl``."""
        async with self.client.pipeline(transaction=True) as pipe:
            pipe.hset(self._key(digest), mapping=fields)
            pipe.expire(self._key(digest), max(1, ttl))
            pipe.sadd(self._user_key(user_id), digest)
            pipe.expire(self._user_key(user_id), max(1, user_ttl), gt=True)
            pipe.expire(self._user_key(user_id), max(1, user_ttl), nx=True)
            await pipe.execute()

    @_answering
    async def get(self, digest: str) -> dict[str, str] | None:
        found = await self.client.hgetall(self._key(digest))
        return found or None

    @_answering
    async def touch(self, digest: str, fields: dict[str, str], ttl: int) -> None:
        """Change fields of a live session (not of one that ended meanwhile) and its time to live."""
        key = self._key(digest)
        async with self.client.pipeline(transaction=True) as pipe:
            pipe.exists(key)
            pipe.hset(key, mapping=fields)
            pipe.expire(key, max(1, ttl))
            existed, *_ = await pipe.execute()
        if not existed:  # it ended between the read and this write: do not bring it back
            await self.client.delete(key)

    @_answering
    async def end(self, digest: str, user_id: int) -> None:
        async with self.client.pipeline(transaction=True) as pipe:
            pipe.delete(self._key(digest))
            pipe.srem(self._user_key(user_id), digest)
            await pipe.execute()

    @_answering
    async def end_user(self, user_id: int) -> None:
        """End every session of a user."""
        digests = await self.client.smembers(self._user_key(user_id))
        async with self.client.pipeline(transaction=True) as pipe:
            for digest in digests:
                pipe.delete(self._key(digest))
            pipe.delete(self._user_key(user_id))
            await pipe.execute()

    @_answering
    async def prune_user(self, user_id: int) -> None:
        """Forget the ended sessions of a user's set (Redis expired their hashes already)."""
        digests = list(await self.client.smembers(self._user_key(user_id)))
        if not digests:
            return
        async with self.client.pipeline(transaction=False) as pipe:
            for digest in digests:
                pipe.exists(self._key(digest))
            alive = await pipe.execute()
        gone = [d for d, live in zip(digests, alive, strict=True) if not live]
        if gone:
            await self.client.srem(self._user_key(user_id), *gone)

    async def close(self) -> None:
        if self._client is not None:
            await self._client.aclose()
