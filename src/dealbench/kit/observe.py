"""Watching every request: its log context and its metrics.

Two pure-ASGI layers around the app:

- :class:`ObserveMiddleware`, outermost: opens the request's log context (:data:`kit.logs.request_log`,
  read by the JSON log lines), notes the status when the answer starts, and records the request's
  metrics when it ends — after every other layer, so answers made by the middleware itself
  (maintenance 503, body limits, the last-resort 500) count too.
- :class:`RouteRecorder`, innermost: after routing it writes the matched route's path template into
  the request state, where the outer layers read it (the scope they hold may be a copy: HEAD
  requests are routed as GET on a copy of the scope).
"""

from __future__ import annotations

import time
from typing import Any

from starlette.routing import Match, Mount
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from dealbench.kit import metrics
from dealbench.kit.logs import ROUTE_KEY, RequestLog, request_log


def template_of(route: Any) -> str | None:
    """A route's path template: ``/v1/deals/{id}``; a mount's ``/docs-static/{path}``."""
    path = getattr(route, "path", None)
    if not isinstance(path, str):
        return None
    return f"{path}/{{path}}" if isinstance(route, Mount) else path


def match_template(scope: Scope) -> str | None:
    """The template of the app's own top-level route or mount that a request reaches (static files
    under a mount, which the router does not name in the scope). Routes of included routers are
    named by the router itself (:class:`RouteRecorder`); a request answered before routing
    (maintenance, body limits) matches nothing here and counts as ``unmatched``."""
    app = scope.get("app")
    routes = getattr(getattr(app, "router", None), "routes", None) or []
    for route in routes:
        template = template_of(route)
        if template is None:
            continue  # an included router: its routes are recorded when they run
        try:
            match, _ = route.matches(scope)
        except Exception:  # a converter that rejects the value: not this route
            continue
        if match is Match.FULL:
            return template
    return None


class RouteRecorder:
    """Innermost: records the matched route's template in the request state."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await self.app(scope, receive, send)
        finally:
            if scope["type"] == "http" and "route" in scope:
                template = template_of(scope["route"])
                if template is not None:
                    scope.setdefault("state", {})[ROUTE_KEY] = template


class ObserveMiddleware:
    """Outermost: the request's log context, and its metrics once it is answered."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        state: dict[str, Any] = scope.setdefault("state", {})
        ctx = RequestLog(method=scope["method"], started=time.time(), state=state)
        reset = request_log.set(ctx)
        started = time.perf_counter()

        async def send_status(message: Message) -> None:
            if message["type"] == "http.response.start":
                ctx.status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_status)
        except Exception:
            if not ctx.status:
                ctx.status = 500
            raise
        finally:
            try:
                route = state.get(ROUTE_KEY)
                if route is None and ctx.status != 404:
                    route = match_template(scope)
                metrics.observe_request(
                    route or metrics.UNMATCHED, ctx.method, ctx.status, time.perf_counter() - started
                )
            finally:
                request_log.reset(reset)
