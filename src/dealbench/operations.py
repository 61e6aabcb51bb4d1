"""What the people who run Dealbench look at: the probes and the metrics.

- ``GET /healthz``: the process answers (liveness). Always 200 while the event loop runs.
- ``GET /readyz``: the database answers ``SELECT 1``, Redis answers ``PING`` (when configured) and
  the document storage answers a cheap call (readiness): 200 ``{"status": "ok", "checks": {...}}``,
  else 503 ``{"status": "unavailable", "checks": {"database": "ok", "redis": "failed", ...}}``.
  Each check has a short timeout and they run at once, so the probe answers within
  :data:`CHECK_TIMEOUT_SECONDS` whatever hangs. Why a check failed goes to the log, never to the
  answer: probes need no token, so they reveal no configuration (no URLs, hosts, paths or errors).
- ``GET /metrics``: Prometheus text format (see :mod:`dealbench.kit.metrics`);
  ``DEALBENCH_METRICS_TOKEN``, when set, must come as ``Authorization: Bearer <token>``.
"""

from __future__ import annotations

import asyncio
import hmac
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import anyio.to_thread
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from sqlalchemy import literal, select
from starlette.responses import Response

from dealbench import __version__
from dealbench.kit import metrics
from dealbench.kit.db import write_intent
from dealbench.kit.errors import Unauthorized
from dealbench.kit.services import Services

log = logging.getLogger("dealbench.probes")

CHECK_TIMEOUT_SECONDS = 2.0
_NO_STORE = {"Cache-Control": "no-store"}


async def _database(services: Services) -> None:
    reset = write_intent.set(False)  # SQLite: a plain BEGIN, never queued behind a writer's lock
    try:
        async with services.engine.connect() as conn:
            await conn.execute(select(literal(1)))
    finally:
        write_intent.reset(reset)


async def _redis(services: Services) -> None:
    from redis.asyncio import Redis

    url = services.settings.redis_url or ""
    client = Redis.from_url(
        url.removeprefix("async+"),
        socket_connect_timeout=CHECK_TIMEOUT_SECONDS,
        socket_timeout=CHECK_TIMEOUT_SECONDS,
        retry_on_timeout=False,
    )
    try:
        if not await client.ping():
            raise ConnectionError("no PONG")
    finally:
        await client.aclose()


async def _storage(services: Services) -> None:
    from dealbench.documents.storage import get_storage

    await get_storage(services).check()


async def _run(name: str, check: Callable[[], Awaitable[None]]) -> str:
    try:
        await asyncio.wait_for(check(), CHECK_TIMEOUT_SECONDS)
    except TimeoutError:
        log.warning("readiness: %s did not answer within %.0fs", name, CHECK_TIMEOUT_SECONDS)
        return "failed"
    except Exception as exc:
        log.warning("readiness: %s failed: %s: %s", name, type(exc).__name__, exc)
        return "failed"
    return "ok"


async def readiness(services: Services) -> dict[str, str]:
    """``{"database": "ok" | "failed", "redis": ..., "storage": ...}`` (redis only when configured)."""
    checks: dict[str, Callable[[], Awaitable[None]]] = {"database": lambda: _database(services)}
    if services.settings.redis_url:
        checks["redis"] = lambda: _redis(services)
    checks["storage"] = lambda: _storage(services)
    results = await asyncio.gather(*(_run(name, check) for name, check in checks.items()))
    return dict(zip(checks, results, strict=True))


def _metrics_allowed(request: Request, token: str | None) -> bool:
    if not token:
        return True
    scheme, _, value = request.headers.get("authorization", "").strip().partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(value.strip().encode(), token.encode())


def install(app: FastAPI) -> None:
    """The probes and ``/metrics`` (outside the API: no token, no rate limit, not in OpenAPI)."""
    services: Services = app.state.services
    metrics.instrument_engine(services.engine)
    metrics.server_started()

    @app.get("/healthz", include_in_schema=False)
    async def healthz() -> JSONResponse:
        return JSONResponse({"status": "ok", "version": __version__}, headers=_NO_STORE)

    @app.get("/readyz", include_in_schema=False)
    async def readyz() -> JSONResponse:
        checks = await readiness(services)
        ready = all(v == "ok" for v in checks.values())
        body: dict[str, Any] = {"status": "ok" if ready else "unavailable", "checks": checks}
        return JSONResponse(body, status_code=200 if ready else 503, headers=_NO_STORE)

    @app.get("/metrics", include_in_schema=False)
    async def metrics_endpoint(request: Request) -> Response:
        if not _metrics_allowed(request, services.settings.metrics_token):
            raise Unauthorized(
                "Send the metrics token as 'Authorization: Bearer <token>'.",
                headers={"WWW-Authenticate": "Bearer"},
            )
        body = await anyio.to_thread.run_sync(metrics.exposition)
        return Response(body, media_type=metrics.CONTENT_TYPE, headers=_NO_STORE)
