"""Every error status in every dialect, one exact status and shape per case: Opine (``/v1``:
``{"error", "issues"?}``), JSend (``/api/v1``: ``fail`` with ``data`` for 4xx, ``error`` with
``message`` and ``code`` for 5xx) and GraphQL (``errors[].extensions.code``). Every answer carries
``X-Request-Id``; a 500 names it and shows nothing of the failure."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from dealbench.app import create_app
from dealbench.kit.dialects import render_error
from dealbench.kit.errors import Conflict
from dealbench.kit.services import Services
from tests.factories import Factory, Tenant, unique

SECRET = "secret internals of the failure"
LIMIT = 4096  # the small apps' body and import limits


@dataclass
class World:
    tenant: Tenant
    lacking: str
    client: httpx.AsyncClient  # the session's app
    small: httpx.AsyncClient  # body and import limits of LIMIT bytes, anonymous GraphQL limit of 2
    down: httpx.AsyncClient  # maintenance mode
    factory: Factory


def _client(app: Any) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    return httpx.AsyncClient(transport=transport, base_url="http://testserver")


@pytest.fixture
async def world(app: Any, settings: Any, services: Any, factory: Factory) -> AsyncIterator[World]:
    tenant = await factory.tenant()
    lacking = await factory.token(tenant, scopes=["users:read"])
    small_settings = settings.model_copy(
        update={"max_request_body_bytes": LIMIT, "import_max_bytes": LIMIT, "rate_limit_per_minute": 2}
    )
    small_services = Services.build(small_settings)  # its own limiter: the anonymous budget is its own
    clients = [
        _client(app),
        _client(create_app(small_settings, small_services)),
        _client(create_app(settings.model_copy(update={"maintenance": True}), services)),
    ]
    try:
        yield World(tenant, lacking, *clients, factory=factory)
    finally:
        for c in clients:
            await c.aclose()
        await small_services.close()


Case = Callable[[World, pytest.MonkeyPatch], Awaitable[httpx.Response]]


def _gql(query: str, token: str | None = None) -> dict[str, Any]:
    return {"json": {"query": query}, "headers": {"Authorization": f"Bearer {token}"} if token else {}}


async def _limited(w: World, path: str, **kwargs: Any) -> httpx.Response:
    token = await w.factory.token(w.tenant, rate_limit_per_minute=1)
    first = await w.client.get(path, headers={"X-API-Key": token}, **kwargs)
    assert first.status_code == 200, first.text
    return await w.client.get(path, headers={"X-API-Key": token}, **kwargs)


def _boom(*_: Any, **__: Any) -> Any:
    raise RuntimeError(SECRET)


# --------------------------------------------------------------------------- Opine (/v1)


async def opine_400(w: World, _: pytest.MonkeyPatch) -> httpx.Response:
    return await w.client.post("/v1/teams", json={"name": ""}, headers=w.tenant.headers)


async def opine_401(w: World, _: pytest.MonkeyPatch) -> httpx.Response:
    return await w.client.get("/v1/teams")


async def opine_403(w: World, _: pytest.MonkeyPatch) -> httpx.Response:
    return await w.client.get("/v1/teams", headers={"X-API-Key": w.lacking})


async def opine_404(w: World, _: pytest.MonkeyPatch) -> httpx.Response:
    return await w.client.get("/v1/deals/2000000000", headers=w.tenant.headers)


async def opine_409(w: World, _: pytest.MonkeyPatch) -> httpx.Response:
    name = unique("team ")
    await w.client.post("/v1/teams", json={"name": name}, headers=w.tenant.headers)
    return await w.client.post("/v1/teams", json={"name": name}, headers=w.tenant.headers)


async def opine_413(w: World, _: pytest.MonkeyPatch) -> httpx.Response:
    return await w.small.post("/v1/teams", json={"name": "x" * LIMIT}, headers=w.tenant.headers)


async def opine_415(w: World, _: pytest.MonkeyPatch) -> httpx.Response:
    headers = {**w.tenant.headers, "Content-Type": "text/plain"}
    return await w.client.post("/v1/teams", content=b"name=x", headers=headers)


async def opine_429(w: World, _: pytest.MonkeyPatch) -> httpx.Response:
    return await _limited(w, "/v1/teams")


async def opine_500(w: World, monkeypatch: pytest.MonkeyPatch) -> httpx.Response:
    monkeypatch.setattr("dealbench.teams.service.list_teams", _boom)
    return await w.client.get("/v1/teams", headers=w.tenant.headers)


async def opine_503(w: World, _: pytest.MonkeyPatch) -> httpx.Response:
    return await w.down.get("/v1/teams", headers=w.tenant.headers)


# --------------------------------------------------------------------------- JSend (/api/v1)

MY = "/api/v1/opportunities/my"
UPLOAD = "/api/v1/admin/opportunities/upload"


async def jsend_400(w: World, _: pytest.MonkeyPatch) -> httpx.Response:
    return await w.client.post(UPLOAD, files={"file": ("a.csv", b"Amount\n1\n")}, headers=w.tenant.headers)


async def jsend_401(w: World, _: pytest.MonkeyPatch) -> httpx.Response:
    return await w.client.get(MY)


async def jsend_403(w: World, _: pytest.MonkeyPatch) -> httpx.Response:
    return await w.client.get(MY, headers={"Authorization": w.lacking})


async def jsend_404(w: World, _: pytest.MonkeyPatch) -> httpx.Response:
    path = "/api/v1/admin/imports/00000000-0000-4000-8000-000000000000/error-file"
    return await w.client.get(path, headers=w.tenant.headers)


async def jsend_413(w: World, _: pytest.MonkeyPatch) -> httpx.Response:
    big = b"opp_id,opp_name\n" + b"X,y\n" * LIMIT
    return await w.small.post(UPLOAD, files={"file": ("a.csv", big)}, headers=w.tenant.headers)


async def jsend_415(w: World, _: pytest.MonkeyPatch) -> httpx.Response:
    headers = {**w.tenant.headers, "Content-Type": "text/plain"}
    return await w.client.post(UPLOAD, content=b"opp_id,opp_name\n", headers=headers)


async def jsend_429(w: World, _: pytest.MonkeyPatch) -> httpx.Response:
    return await _limited(w, MY)


async def jsend_500(w: World, monkeypatch: pytest.MonkeyPatch) -> httpx.Response:
    monkeypatch.setattr("dealbench.deals.service.my_opportunities", _boom)
    return await w.client.get(MY, headers=w.tenant.headers)


async def jsend_503(w: World, _: pytest.MonkeyPatch) -> httpx.Response:
    return await w.down.get(MY, headers=w.tenant.headers)


# --------------------------------------------------------------------------- GraphQL


async def graphql_400(w: World, _: pytest.MonkeyPatch) -> httpx.Response:
    return await w.client.post("/graphql", **_gql("{ deals { ", w.tenant.token))


async def graphql_401(w: World, _: pytest.MonkeyPatch) -> httpx.Response:
    """GraphQL never answers 401: an anonymous caller gets the public schema, and asking it for more
    is refused before execution (HTTP 400) with UNAUTHENTICATED saying why."""
    return await w.client.post("/graphql", **_gql("{ deals { total } }", "dbk_not_a_token"))


async def graphql_403(w: World, _: pytest.MonkeyPatch) -> httpx.Response:
    return await w.client.post("/graphql", **_gql("{ teams { total } }", w.lacking))


async def graphql_404(w: World, _: pytest.MonkeyPatch) -> httpx.Response:
    return await w.client.post("/graphql", **_gql('{ deal(id: "2000000000") { id } }', w.tenant.token))


async def graphql_409(w: World, _: pytest.MonkeyPatch) -> httpx.Response:
    eid = unique("006")
    query = f'mutation {{ createDeal(input: {{name: "d", vendorEntityId: "{eid}"}}) {{ id }} }}'
    first = await w.client.post("/graphql", **_gql(query, w.tenant.token))
    assert "errors" not in first.json(), first.text
    return await w.client.post("/graphql", **_gql(query, w.tenant.token))


async def graphql_413(w: World, _: pytest.MonkeyPatch) -> httpx.Response:
    return await w.small.post("/graphql", **_gql("{ apiVersion }" + " " * LIMIT, w.tenant.token))


async def graphql_415(w: World, _: pytest.MonkeyPatch) -> httpx.Response:
    headers = {"Authorization": f"Bearer {w.tenant.token}", "Content-Type": "text/plain"}
    return await w.client.post("/graphql", content=b"{ apiVersion }", headers=headers)


async def graphql_429(w: World, _: pytest.MonkeyPatch) -> httpx.Response:
    """The anonymous limit (per client address) of the small app: 2 a minute."""
    for _ in range(2):
        ok = await w.small.post("/graphql", **_gql("{ apiVersion }"))
        assert ok.status_code == 200, ok.text
    return await w.small.post("/graphql", **_gql("{ apiVersion }"))


async def graphql_500(w: World, monkeypatch: pytest.MonkeyPatch) -> httpx.Response:
    """A resolver failing: the other fields answer, the failed one is INTERNAL_SERVER_ERROR."""
    monkeypatch.setattr("dealbench.teams.service.list_teams", _boom)
    return await w.client.post("/graphql", **_gql("{ apiVersion teams { total } }", w.tenant.token))


async def graphql_500_endpoint(w: World, monkeypatch: pytest.MonkeyPatch) -> httpx.Response:
    """The endpoint itself failing (outside any resolver): HTTP 500 in the GraphQL shape."""
    monkeypatch.setattr("dealbench.graphql.router.get_schema", _boom)
    return await w.client.post("/graphql", **_gql("{ apiVersion }", w.tenant.token))


async def graphql_503(w: World, _: pytest.MonkeyPatch) -> httpx.Response:
    return await w.down.post("/graphql", **_gql("{ apiVersion }", w.tenant.token))


#: (case, HTTP status, GraphQL extensions.code)
CASES: list[Any] = [
    (opine_400, 400, None),
    (opine_401, 401, None),
    (opine_403, 403, None),
    (opine_404, 404, None),
    (opine_409, 409, None),
    (opine_413, 413, None),
    (opine_415, 415, None),
    (opine_429, 429, None),
    (opine_500, 500, None),
    (opine_503, 503, None),
    (jsend_400, 400, None),
    (jsend_401, 401, None),
    (jsend_403, 403, None),
    (jsend_404, 404, None),
    (jsend_413, 413, None),
    (jsend_415, 415, None),
    (jsend_429, 429, None),
    (jsend_500, 500, None),
    (jsend_503, 503, None),
    (graphql_400, 400, "GRAPHQL_PARSE_FAILED"),
    (graphql_401, 400, "UNAUTHENTICATED"),
    (graphql_403, 200, "FORBIDDEN"),
    (graphql_404, 200, "NOT_FOUND"),
    (graphql_409, 200, "CONFLICT"),
    (graphql_413, 413, "PAYLOAD_TOO_LARGE"),
    (graphql_415, 415, "UNSUPPORTED_MEDIA_TYPE"),
    (graphql_429, 429, "RATE_LIMITED"),
    (graphql_500, 200, "INTERNAL_SERVER_ERROR"),
    (graphql_500_endpoint, 500, "INTERNAL_SERVER_ERROR"),
    (graphql_503, 503, "SERVICE_UNAVAILABLE"),
]


def _id(case: Any) -> str:
    return case.__name__ if callable(case) else str(case)


@pytest.mark.parametrize(("case", "status", "code"), CASES, ids=_id)
async def test_error_shape(
    world: World, monkeypatch: pytest.MonkeyPatch, case: Case, status: int, code: str | None
) -> None:
    response = await case(world, monkeypatch)
    assert response.status_code == status, response.text
    request_id = response.headers["x-request-id"]
    assert request_id
    body = response.json()
    dialect = case.__name__.split("_")[0]
    failed = status == 500 or code == "INTERNAL_SERVER_ERROR"
    if dialect == "opine":
        assert isinstance(body["error"], str) and body["error"], body
        assert ("issues" in body) is (status == 400), body
        if status == 400:
            assert body["issues"][0]["path"] == ["name"] and body["issues"][0]["code"] == "too_small"
    elif dialect == "jsend":
        if status >= 500:
            assert body["status"] == "error" and body["code"] == status and body["message"], body
        else:
            assert body["status"] == "fail" and isinstance(body["data"], dict) and body["data"], body
        if status in {400, 413}:
            assert body["data"]["file"], body
    else:
        codes = [e["extensions"]["code"] for e in body["errors"]]
        if code is None:
            assert len(codes) == 1 and codes[0] and codes[0] != "INTERNAL_SERVER_ERROR", body
        else:
            assert codes == [code], body
        assert all(e["message"] for e in body["errors"]), body
        if status == 200:
            assert body["data"] is not None  # the other fields of the request still answer
    if failed:
        assert SECRET not in response.text and "Traceback" not in response.text
        assert request_id in response.text
    if status in {429, 503}:
        assert int(response.headers["retry-after"]) >= 1


def test_the_jsend_conflict_shape() -> None:
    """No /api/v1 route answers 409 today; the renderer every /api/v1 route shares is checked here."""
    response = render_error(Conflict("Already there."), "/api/v1/anything")
    assert response.status_code == 409
    assert response.body == b'{"status":"fail","data":{"message":"Already there."}}'


async def test_a_chunked_body_over_the_limit_is_413(world: World) -> None:
    async def chunks() -> AsyncIterator[bytes]:
        yield b'{"name": "'
        for _ in range(LIMIT // 512 + 1):
            yield b"x" * 512
        yield b'"}'

    response = await world.small.post(
        "/v1/teams", content=chunks(), headers={**world.tenant.headers, "Content-Type": "application/json"}
    )
    assert response.request.headers.get("transfer-encoding") == "chunked"
    assert response.status_code == 413, response.text
    assert response.json()["error"]


async def test_a_database_error_is_a_500_and_a_value_it_cannot_hold_a_400(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Database errors reach the app's handler: a statement the database refuses is a bug (500 with the
    request id, nothing of the statement shown); a value it cannot hold, found anywhere in the chain
    of causes, is the caller's bad input (400), in every dialect."""
    from sqlalchemy.exc import ProgrammingError, StatementError

    def refused(*_: Any, **__: Any) -> Any:
        raise ProgrammingError("SELECT secret_column", {}, Exception(SECRET))

    monkeypatch.setattr("dealbench.teams.service.list_teams", refused)
    failed = await world.client.get("/v1/teams", headers=world.tenant.headers)
    assert failed.status_code == 500
    assert failed.headers["x-request-id"] in failed.json()["error"]
    assert SECRET not in failed.text and "secret_column" not in failed.text

    def too_big(*_: Any, **__: Any) -> Any:
        try:
            raise OverflowError("Python int too large to convert to C long")
        except OverflowError as exc:
            raise StatementError("bind failed", "SELECT", {}, RuntimeError("wrapped")) from exc

    monkeypatch.setattr("dealbench.teams.service.list_teams", too_big)
    monkeypatch.setattr("dealbench.deals.service.my_opportunities", too_big)
    bad = await world.client.get("/v1/teams", headers=world.tenant.headers)
    assert bad.status_code == 400 and "out of range" in bad.json()["error"]
    jsend = await world.client.get(MY, headers=world.tenant.headers)
    assert jsend.status_code == 400 and jsend.json()["status"] == "fail"
