"""Log output: readable lines (``DEALBENCH_LOG_FORMAT=text``, the default) or one JSON object a line
(``json``), for log shippers.

A JSON line has ``time`` (UTC, ISO 8601), ``level``, ``logger`` and ``message``; inside a request
also ``request_id``, ``method``, ``route`` (the route's path template, once routed),
``organization_id`` and ``token_id`` (once the token is known); the access log's line adds
``status`` and ``duration_ms``. These come from the request's context (:data:`request_log`, set by
:class:`dealbench.kit.observe.ObserveMiddleware`), never from headers: no token, password or cookie
is ever written (the access log's message redacts secrets from the query string itself).
"""

from __future__ import annotations

import copy
import logging
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import orjson

#: Keys of the request scope's ``state`` that the log context reads.
ROUTE_KEY = "route_template"
ORGANIZATION_KEY = "organization_id"
TOKEN_KEY = "token_id"
ACCESS_LOGGER = "dealbench.access"


@dataclass(slots=True)
class RequestLog:
    """What the log lines of one request share. ``state`` is the request scope's state, where the
    request id, the route template and the principal's ids are written as they become known."""

    method: str
    started: float
    state: dict[str, Any] = field(default_factory=dict)
    status: int = 0


request_log: ContextVar[RequestLog | None] = ContextVar("dealbench_request_log", default=None)


def request_fields(ctx: RequestLog, *, access: bool, at: float) -> dict[str, Any]:
    state = ctx.state
    out: dict[str, Any] = {}
    if state.get("request_id"):
        out["request_id"] = state["request_id"]
    out["method"] = ctx.method
    if state.get(ROUTE_KEY):
        out["route"] = state[ROUTE_KEY]
    if access:
        out["status"] = ctx.status
        out["duration_ms"] = round(max(0.0, at - ctx.started) * 1000, 2)
    if state.get(ORGANIZATION_KEY) is not None:
        out["organization_id"] = state[ORGANIZATION_KEY]
    if state.get(TOKEN_KEY) is not None:
        out["token_id"] = state[TOKEN_KEY]
    return out


class JsonFormatter(logging.Formatter):
    """One JSON object a line (orjson: control characters in messages come out escaped)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__()

    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        ctx = request_log.get()
        if ctx is not None:
            out.update(request_fields(ctx, access=record.name == ACCESS_LOGGER, at=record.created))
        if record.exc_info:
            out["exception"] = self.formatException(record.exc_info)
        elif record.stack_info:
            out["stack"] = self.formatStack(record.stack_info)
        return orjson.dumps(out, default=str).decode()


def log_config(level: str, fmt: str = "text") -> dict[str, Any]:
    """Uvicorn's logging, plus Dealbench's loggers (access log, errors with request ids) on stderr;
    ``json`` formats every line, Uvicorn's own included, as one JSON object."""
    from uvicorn.config import LOGGING_CONFIG

    config: dict[str, Any] = copy.deepcopy(LOGGING_CONFIG)
    config["loggers"]["dealbench"] = {"handlers": ["default"], "level": level.upper(), "propagate": False}
    if fmt == "json":
        for name in list(config["formatters"]):
            config["formatters"][name] = {"()": f"{__name__}.JsonFormatter"}
    return config
