"""Prometheus metrics: what is counted, where, and how ``/metrics`` reads it.

Every metric is defined here, once, so the whole list reads in one place:

- ``dealbench_http_requests_total{route, method, status}``: answers, by the route's path template
  (``/v1/deals/{id}``, never the raw path, so ids do not multiply the series; ``unmatched`` when
  no route answered: no such route, or a refusal before routing such as maintenance mode).
- ``dealbench_http_request_duration_seconds{route, method}``: latency histogram of the same.
- ``dealbench_db_pool_checked_out`` and ``dealbench_db_pool_size``: connections in use and the
  configured pool size (SQLAlchemy's pool; SQLite opens one connection per use and has no size).
- ``dealbench_rate_limit_refusals_total{limit}``: 429s, by which limit refused (``token``,
  ``anonymous``).
- ``dealbench_imports_total{kind, outcome}`` and ``dealbench_import_rows_total{kind, result}``:
  CSV imports that completed or failed, and their rows imported or rejected.
- ``dealbench_server_processes``: server processes serving the API (one per worker).
- ``dealbench_webhook_deliveries_total{outcome}``: webhook deliveries (``delivered``, ``failed``).
  The delivery worker calls :func:`webhook_delivered` / :func:`webhook_failed`
  once per attempt.

With several server processes (``dealbench serve --workers N``) the values live in per-process
files under ``PROMETHEUS_MULTIPROC_DIR`` (prometheus-client's multiprocess mode): ``serve`` points
it at ``<var_dir>/prometheus`` and empties it before the workers start, and whichever worker answers
``/metrics`` adds up every process's files. The variable must be set before this module is imported,
which ``serve`` does in the parent of the workers.
"""

from __future__ import annotations

import contextlib
import glob
import os
import re
import weakref
from pathlib import Path
from typing import Any

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    disable_created_metrics,
    generate_latest,
)
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
CONTENT_TYPE = CONTENT_TYPE_LATEST
UNMATCHED = "unmatched"
#: Methods that get their own label value; anything else is counted as ``other``, so a client
#: cannot create series at will.
_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})

disable_created_metrics()  # no ``*_created`` series beside every counter and histogram

REQUESTS = Counter(
    "dealbench_http_requests_total",
    "HTTP requests answered, by route template, method and status.",
    ["route", "method", "status"],
)
LATENCY = Histogram(
    "dealbench_http_request_duration_seconds",
    "Time from the request's arrival to the end of its answer, by route template and method.",
    ["route", "method"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0),
)
DB_POOL_CHECKED_OUT = Gauge(
    "dealbench_db_pool_checked_out",
    "Database connections currently in use (checked out of the pool).",
    multiprocess_mode="livesum",
)
DB_POOL_SIZE = Gauge(
    "dealbench_db_pool_size",
    "Configured size of the database connection pool (beyond it, up to as many overflow connections).",
    multiprocess_mode="livesum",
)
SERVER_PROCESSES = Gauge(
    "dealbench_server_processes",
    "Server processes serving the API (one per worker of `dealbench serve --workers N`).",
    multiprocess_mode="livesum",
)
RATE_LIMIT_REFUSALS = Counter(
    "dealbench_rate_limit_refusals_total",
    "Requests refused with 429, by the limit that refused them (token, anonymous).",
    ["limit"],
)
IMPORTS = Counter(
    "dealbench_imports_total",
    "CSV imports, by kind and outcome (completed, failed: the file was rejected or the import broke).",
    ["kind", "outcome"],
)
IMPORT_ROWS = Counter(
    "dealbench_import_rows_total",
    "Rows of completed CSV imports, by kind and result (imported, rejected).",
    ["kind", "result"],
)
WEBHOOK_DELIVERIES = Counter(
    "dealbench_webhook_deliveries_total",
    "Webhook delivery attempts, by outcome (delivered, failed).",
    ["outcome"],
)


def observe_request(route: str, method: str, status: int, seconds: float) -> None:
    method = method if method in _METHODS else "other"
    REQUESTS.labels(route, method, str(status)).inc()
    LATENCY.labels(route, method).observe(seconds)


def rate_limit_refused(limit: str) -> None:
    RATE_LIMIT_REFUSALS.labels(limit).inc()


def import_completed(kind: str, imported: int, rejected: int) -> None:
    IMPORTS.labels(kind, "completed").inc()
    IMPORT_ROWS.labels(kind, "imported").inc(imported)
    IMPORT_ROWS.labels(kind, "rejected").inc(rejected)


def import_failed(kind: str) -> None:
    IMPORTS.labels(kind, "failed").inc()


def webhook_delivered() -> None:
    WEBHOOK_DELIVERIES.labels("delivered").inc()


def webhook_failed() -> None:
    WEBHOOK_DELIVERIES.labels("failed").inc()


_instrumented: weakref.WeakSet[Any] = weakref.WeakSet()


def server_started() -> None:
    SERVER_PROCESSES.inc()


def instrument_engine(engine: AsyncEngine) -> None:
    """Count the engine's checked-out connections and record its pool size (once per engine)."""
    sync_engine = engine.sync_engine
    if sync_engine in _instrumented:
        return
    _instrumented.add(sync_engine)
    size = getattr(sync_engine.pool, "size", None)
    if callable(size):
        DB_POOL_SIZE.inc(size())

    @event.listens_for(sync_engine, "checkout")
    def _checkout(*_args: Any) -> None:
        DB_POOL_CHECKED_OUT.inc()

    @event.listens_for(sync_engine, "checkin")
    def _checkin(*_args: Any) -> None:
        DB_POOL_CHECKED_OUT.dec()


def multiprocess_dir() -> str | None:
    return os.environ.get(MULTIPROC_ENV) or None


def prepare_multiprocess_dir(var_dir: Path) -> Path:
    """Point ``PROMETHEUS_MULTIPROC_DIR`` at ``var_dir/prometheus`` and empty it (the parent of the
    workers calls this before they start: stale files of an earlier run would add to the counts)."""
    path = (var_dir / "prometheus").resolve()
    path.mkdir(parents=True, exist_ok=True)
    for stale in path.glob("*.db"):
        stale.unlink(missing_ok=True)
    os.environ[MULTIPROC_ENV] = str(path)
    return path


_LIVE_FILE = re.compile(r"^gauge_live\w*?_(\d+)\.db$")


def _forget_dead_processes(path: str) -> None:
    """Drop the live gauges (pool use, processes) of workers that are gone, at each scrape: a worker
    stopped by a signal runs no exit hook, and one that crashed is replaced under a new pid. Their
    counters and histograms stay: what they counted happened."""
    from prometheus_client import multiprocess

    for name in {os.path.basename(f) for f in glob.glob(os.path.join(path, "gauge_live*_*.db"))}:
        match = _LIVE_FILE.match(name)
        if match is None:
            continue
        pid = int(match.group(1))
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            multiprocess.mark_process_dead(pid, path)
        except PermissionError:
            pass  # alive, another user's


def exposition() -> bytes:
    """The text format of every metric: this process's, or every worker's in multiprocess mode."""
    path = multiprocess_dir()
    if path is None:
        return generate_latest(REGISTRY)
    from prometheus_client import multiprocess

    with contextlib.suppress(OSError):
        _forget_dead_processes(path)
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry, path=path)
    return generate_latest(registry)
