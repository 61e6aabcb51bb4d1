"""The ASGI application: one app, every dialect (``/v1``, ``/api/v1``, ``/graphql``)."""

from __future__ import annotations

import asyncio
import gc
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

import anyio.to_thread
import swagger_ui_bundle
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.routing import APIRoute
from fastapi.staticfiles import StaticFiles
from sqlalchemy.exc import DataError, StatementError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

from dealbench import __version__, idempotency
from dealbench.idempotency import IdempotencyMiddleware
from dealbench.kit.clientinfo import ClientInfoMiddleware, TrustedProxies
from dealbench.kit.db import unavailable
from dealbench.kit.dialects import render_error
from dealbench.kit.errors import (
    BadRequest,
    DealbenchError,
    InternalError,
    MethodNotAllowed,
    NotFound,
    ValidationFailed,
)
from dealbench.kit.middleware import DealbenchMiddleware, loggable
from dealbench.kit.observe import ObserveMiddleware, RouteRecorder
from dealbench.kit.openapi import document
from dealbench.kit.services import Services
from dealbench.kit.zod import issues_from_pydantic, name_required_options
from dealbench.operations import install as install_operations
from dealbench.routers import include_routers
from dealbench.settings import Settings, get_settings
from dealbench.web import install as install_web
from dealbench.web.errors import is_page, page_error

log = logging.getLogger("dealbench")

DESCRIPTION = """\
Dealbench holds deals, evaluation plans, buyer requests (tickets), documents, people, teams and tokens.

Send a token in `X-API-Key` (or `X-API-Token`, `X-Tenant-Token`, `Authorization: Bearer`, `Authorization`,
`access_token`). Each operation lists the scope it needs under *Authorizations*.
"""


def _unique_id(route: APIRoute) -> str:
    method = sorted(route.methods)[0].lower() if route.methods else "any"
    return f"{route.name}_{method}"


def create_app(settings: Settings | None = None, services: Services | None = None) -> FastAPI:
    settings = settings or get_settings()
    services = services or Services.build(settings)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        # Temporary files that killed processes left behind (spooled uploads, imports): only those
        # whose process is gone, so a worker starting next to running ones takes nothing from them.
        from dealbench.documents.storage import get_storage

        await anyio.to_thread.run_sync(services.scratch.clear_leftovers)
        try:
            storage = get_storage(services)
        except ValueError as exc:  # a bad DEALBENCH_STORAGE_URL: document routes will say so
            log.warning("document storage unavailable: %s", exc)
        else:
            await anyio.to_thread.run_sync(storage.clear_leftovers)
        # Everything built so far (schemas, mappers, routes) lives as long as the process: move it out
        # of the collector's reach so full collections stop rescanning it (they caused p99 stalls).
        gc.collect()
        gc.freeze()
        await services.rate_limiter.probe()  # the status starts true to the storage (logged by `serve`)
        delivery = await _start_delivery(services) if settings.webhook_delivery == "embedded" else None
        yield
        if delivery is not None:
            await delivery()
        await services.close()

    app = FastAPI(
        title="Dealbench API",
        version=__version__,
        description=DESCRIPTION,
        docs_url=None,
        redoc_url=None,
        lifespan=lifespan,
        generate_unique_id_function=_unique_id,
    )
    app.state.services = services
    app.add_middleware(RouteRecorder)  # innermost: notes the matched route for the layers above
    app.add_middleware(IdempotencyMiddleware)  # inside the body limits and checks
    app.add_middleware(
        DealbenchMiddleware,
        maintenance=settings.maintenance,
        max_body_bytes=settings.max_request_body_bytes,
    )
    app.add_middleware(ClientInfoMiddleware, trusted_proxies=TrustedProxies.parse(settings.trusted_proxies))
    app.add_middleware(ObserveMiddleware)  # outermost: log context and metrics of every answer
    _install_error_handlers(app)
    _install_docs(app)
    app.openapi = lambda: document(app, extend=idempotency.document)  # type: ignore[method-assign]
    include_routers(app)
    from dealbench.graphql.router import install as install_graphql

    install_graphql(app)  # /graphql, /graphql/voyager, /graphql/static
    install_operations(app)  # /healthz, /readyz, /metrics
    install_web(app)  # the web app's pages and /static/web
    return app


async def _start_delivery(services: Services) -> Callable[[], Awaitable[None]]:
    """Deliver webhooks from this process (the embedded default): a task beside the server's; the
    function it answers stops it."""
    from dealbench.evaluations.mailing import run_forever as buyer_mail
    from dealbench.webhooks.delivery import Worker

    stop = asyncio.Event()
    worker = await Worker(services.sessionmaker, services.settings, services.secret_key).__aenter__()
    task = asyncio.create_task(worker.run_forever(stop), name="webhook-delivery")
    # Mail to buyers (portal sign-in links, notifications) goes out beside the webhooks.
    mail = asyncio.create_task(buyer_mail(services.sessionmaker, services.settings, stop), name="buyer-mail")

    async def halt() -> None:
        stop.set()
        try:
            await asyncio.wait_for(
                asyncio.gather(task, mail), timeout=services.settings.webhook_timeout * 2 + 20
            )
        except TimeoutError:
            log.warning("webhook delivery did not stop in time; its attempts will be retried")
        await worker.__aexit__(None, None, None)

    return halt


def _is_bad_value(exc: BaseException) -> bool:
    """Whether a database error comes from a value the column cannot hold (the driver's DataError,
    or an OverflowError raised while binding), anywhere in its chain of causes."""
    seen: list[BaseException] = []
    pending: list[BaseException | None] = [exc]
    while pending and len(seen) < 10:
        current = pending.pop()
        if current is None or current in seen:
            continue
        seen.append(current)
        if isinstance(current, DataError | OverflowError) or type(current).__name__ == "DataError":
            return True
        pending += [getattr(current, "orig", None), current.__cause__, current.__context__]
    return False


def _install_error_handlers(app: FastAPI) -> None:
    async def domain_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, DealbenchError)
        if is_page(request):
            return page_error(request, exc)
        return render_error(exc, request.url.path)

    async def validation_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestValidationError)
        route = request.scope.get("route")
        body = getattr(route, "body_field", None)
        model = body.field_info.annotation if body is not None else None
        err = ValidationFailed(name_required_options(issues_from_pydantic(exc.errors()), model))
        if is_page(request):
            return page_error(request, err)
        return render_error(err, request.url.path)

    async def http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        err: DealbenchError
        if exc.status_code == 404:
            err = NotFound("No such route." if exc.detail == "Not Found" else str(exc.detail))
        elif exc.status_code == 405:
            err = MethodNotAllowed(f"Method {request.method} is not allowed on this route.")
        else:
            err = DealbenchError(str(exc.detail))
            err.status_code = exc.status_code
        err.headers.update(exc.headers or {})
        if is_page(request):
            return page_error(request, err)
        return render_error(err, request.url.path)

    async def database_value_error(request: Request, exc: Exception) -> Response:
        """A value the database cannot hold (an id past 2^31 on PostgreSQL, past 2^63 on SQLite) is
        bad input in every domain, never a 500; a lost connection is a 503."""
        down = unavailable(exc)
        if down is not None:
            return render_error(down, request.url.path)
        if _is_bad_value(exc):
            err: DealbenchError = BadRequest("A value in the request is out of range for this field.")
        else:
            request_id = getattr(request.state, "request_id", "?")
            log.error(
                "request %s failed: %s %s",
                request_id,
                request.method,
                loggable(request.url.path),
                exc_info=exc,
            )
            err = InternalError(request_id)
        return render_error(err, request.url.path)

    app.add_exception_handler(DealbenchError, domain_error)
    app.add_exception_handler(StatementError, database_value_error)
    app.add_exception_handler(OverflowError, database_value_error)
    app.add_exception_handler(RequestValidationError, validation_error)
    app.add_exception_handler(StarletteHTTPException, http_error)


def _install_docs(app: FastAPI) -> None:
    app.mount("/docs-static", StaticFiles(directory=swagger_ui_bundle.swagger_ui_path), name="docs-static")

    @app.get("/docs", include_in_schema=False)
    async def docs() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url="/openapi.json",
            title="Dealbench API",
            swagger_js_url="/docs-static/swagger-ui-bundle.js",
            swagger_css_url="/docs-static/swagger-ui.css",
            swagger_favicon_url="/docs-static/favicon-32x32.png",
            swagger_ui_parameters={"persistAuthorization": True},
        )
