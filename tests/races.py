"""Helpers of the race tests: many requests at once through the app, each on its own connection."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Awaitable
from typing import Any

import httpx

#: Concurrent requests per race: enough to overlap on PostgreSQL's pool, few enough to stay quick.
N = 8


async def together(*calls: Awaitable[httpx.Response]) -> list[httpx.Response]:
    return list(await asyncio.gather(*calls))


def statuses(responses: list[httpx.Response]) -> Counter[int]:
    seen = Counter(r.status_code for r in responses)
    assert 500 not in seen, [r.text for r in responses if r.status_code >= 500]
    return seen


def bodies(responses: list[httpx.Response], status: int) -> list[Any]:
    return [r.json() for r in responses if r.status_code == status]


def no_server_error(responses: list[httpx.Response]) -> None:
    """Every request answered (concurrent writes may lose with a 4xx, never with a 5xx)."""
    errors = [(r.status_code, r.text[:200]) for r in responses if r.status_code >= 500]
    assert not errors, errors
