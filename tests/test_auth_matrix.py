"""Every route of the app, enumerated from the app itself: no token 401, missing scope 403, role
bounds 403, and tenancy proven from both sides (another organization's token 404, the owner's 2xx,
on the same real objects). A route added later is covered the day it is added.

The scope of every route is pinned in ``tests/scopes.py``; the objects each route needs are made by
``tests/cross_tenant/<domain>.py``; the ids a request body can carry are in
``tests/cross_tenant/body_ids.py`` (checked by ``tests/test_body_ids.py``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from dealbench.app import create_app
from dealbench.auth.scopes import MEMBER_DENIED
from dealbench.models import Role
from dealbench.settings import Settings
from tests import cross_tenant
from tests.cross_tenant import Ctx
from tests.factories import Factory, Tenant
from tests.scopes import SCOPES

_APP = create_app(Settings(secret_key="route-listing", database_url="sqlite:///:memory:"))
_SPEC = _APP.openapi()
MAKERS, PUBLIC, NOT_OBJECTS = cross_tenant.load()
API_PREFIXES = ("/v1/", "/api/v1/", "/graphql")
_PARAM = re.compile(r"\{([^}:]+)(?::[^}]*)?\}")
WRITES = {"POST", "PUT", "PATCH", "DELETE"}


def _operations() -> list[tuple[str, str, list[str]]]:
    """Every operation of the OpenAPI document (every API route is documented there)."""
    ops = []
    for path, item in _SPEC["paths"].items():
        if not path.startswith(API_PREFIXES):
            continue
        for method, spec in item.items():
            if method not in {"get", "post", "put", "patch", "delete"}:
                continue
            scopes = [s for req in spec.get("security", []) for ss in req.values() for s in ss]
            ops.append((method.upper(), path, scopes))
    return ops


OPERATIONS = _operations()
PROTECTED = [op for op in OPERATIONS if f"{op[0]} {op[1]}" not in PUBLIC]


def _ids(ops: list[tuple[str, str, list[str]]]) -> list[str]:
    return [f"{m} {p}" for m, p, _ in ops]


def fill(path: str, values: dict[str, Any]) -> str:
    """The path with every parameter named by ``values``; a parameter left unnamed fails the test."""
    missing = [name for name in _PARAM.findall(path) if name not in values]
    if missing:
        pytest.fail(f"the maker of {path} does not name the path parameter(s) {missing}")
    return _PARAM.sub(lambda m: str(values[m.group(1)]), path)


def _placeholders(path: str) -> str:
    """For the 401 check only: without a token nothing is looked up, so any value does."""
    return _PARAM.sub("1", path)


def _maker(method: str, path: str) -> Any:
    return MAKERS.get(f"{method} {path}") or MAKERS.get(f"* {path}")


def test_public_routes_are_exactly_the_declared_ones() -> None:
    undeclared = [f"{m} {p}" for m, p, scopes in OPERATIONS if not scopes and f"{m} {p}" not in PUBLIC]
    assert not undeclared, f"routes without a declared scope: {undeclared}"
    unknown = PUBLIC - {f"{m} {p}" for m, p, _ in OPERATIONS}
    assert not unknown, f"declared public but not routes of the app: {unknown}"


def test_every_route_with_path_parameters_has_a_cross_tenant_maker() -> None:
    missing = [f"{m} {p}" for m, p, _ in PROTECTED if "{" in p and _maker(m, p) is None]
    assert not missing, f"describe these routes in tests/cross_tenant/: {missing}"
    routes = {f"{m} {p}" for m, p, _ in OPERATIONS}
    paths = {p for _, p, _ in OPERATIONS}
    stale = [
        k for k in MAKERS if (k.split(" ", 1)[1] not in paths if k.startswith("* ") else k not in routes)
    ]
    assert not stale, f"makers of routes the app does not have: {stale}"


def test_the_scope_table_is_what_the_app_declares() -> None:
    declared = {f"{m} {p}": scopes for m, p, scopes in PROTECTED}
    missing = sorted(set(declared) - set(SCOPES))
    assert not missing, f"routes missing from tests/scopes.py: {missing}"
    gone = sorted(set(SCOPES) - set(declared))
    assert not gone, f"tests/scopes.py lists routes the app does not have: {gone}"
    differ = {
        route: (SCOPES[route], declared[route]) for route in SCOPES if declared[route] != [SCOPES[route]]
    }
    assert not differ, f"declared scope differs from tests/scopes.py (pinned, declared): {differ}"


def assert_dialect(path: str, response: httpx.Response) -> None:
    body = response.json()
    if path.startswith("/api/v1/"):
        assert body["status"] == "fail", body
        assert isinstance(body["data"], dict) and body["data"], body
    elif path.startswith("/graphql"):
        assert body.get("errors"), body
    else:
        assert isinstance(body.get("error"), str) and body["error"], body


def _body(method: str, made: dict[str, Any] | None = None) -> dict[str, Any]:
    made = made or {}
    kwargs: dict[str, Any] = {k: made[k] for k in ("files", "data", "params") if k in made}
    if "json" in made:
        kwargs["json"] = made["json"]
    elif method in {"POST", "PUT", "PATCH"} and "files" not in made:
        kwargs["json"] = {}
    return kwargs


@pytest.mark.parametrize(("method", "path", "scopes"), PROTECTED, ids=_ids(PROTECTED))
async def test_no_token_is_401(client: Any, method: str, path: str, scopes: list[str]) -> None:
    response = await client.request(method, _placeholders(path), **_body(method))
    assert response.status_code == 401, response.text
    _assert_401_dialect(path, response)


def _assert_401_dialect(path: str, response: httpx.Response) -> None:
    body = response.json()
    if path.startswith("/api/v1/"):
        assert body["status"] == "fail", body
    else:
        assert isinstance(body.get("error"), str) and body["error"], body


def _lacking(scope: str) -> list[str]:
    resource, _, action = scope.partition(":")
    if action == "write":
        return [f"{resource}:read"]
    return ["users:read"] if resource != "users" else ["deals:read"]


@dataclass
class Cast:
    """The tenants and tokens the matrix shares (each test still makes its own objects)."""

    owner: Tenant
    other: Tenant
    viewer: str
    member: str
    lacking: dict[str, str]

    async def token_lacking(self, factory: Factory, scope: str) -> str:
        if scope not in self.lacking:
            self.lacking[scope] = await factory.token(self.owner, scopes=_lacking(scope))
        return self.lacking[scope]


_CAST: list[Cast] = []


@pytest.fixture
async def cast(factory: Factory) -> Cast:
    if not _CAST:
        owner, other = await factory.tenant(), await factory.tenant()
        _, viewer = await factory.personal(owner, Role.VIEWER, scopes=["*"])
        _, member = await factory.personal(owner, Role.MEMBER, scopes=["*"])
        _CAST.append(Cast(owner, other, viewer, member, {}))
    return _CAST[0]


async def _check_scope_and_roles(
    client: Any, factory: Factory, cast: Cast, method: str, path: str, url: str, made: dict[str, Any]
) -> None:
    scope = SCOPES[f"{method} {path}"]
    lacking = await cast.token_lacking(factory, scope)
    response = await client.request(method, url, headers={"X-API-Key": lacking}, **_body(method, made))
    assert response.status_code == 403, response.text
    assert scope in response.text
    assert_dialect(path, response)
    if method not in WRITES:
        return
    response = await client.request(method, url, headers={"X-API-Key": cast.viewer}, **_body(method, made))
    assert response.status_code == 403, response.text
    assert "VIEWER" in response.text
    assert_dialect(path, response)
    if scope in MEMBER_DENIED:
        response = await client.request(
            method, url, headers={"X-API-Key": cast.member}, **_body(method, made)
        )
        assert response.status_code == 403, response.text
        assert "MEMBER" in response.text
        assert_dialect(path, response)


WITHOUT_PARAMS = [op for op in PROTECTED if "{" not in op[1]]


@pytest.mark.parametrize(("method", "path", "scopes"), WITHOUT_PARAMS, ids=_ids(WITHOUT_PARAMS))
async def test_missing_scope_and_role_bounds_are_403(
    client: Any, factory: Factory, cast: Cast, method: str, path: str, scopes: list[str]
) -> None:
    await _check_scope_and_roles(client, factory, cast, method, path, path, {})


WITH_PARAMS = [op for op in PROTECTED if "{" in op[1] and _maker(op[0], op[1]) is not None]


@pytest.mark.parametrize(("method", "path", "scopes"), WITH_PARAMS, ids=_ids(WITH_PARAMS))
async def test_tenancy_from_both_sides(
    client: Any, factory: Factory, cast: Cast, method: str, path: str, scopes: list[str]
) -> None:
    """The same request on the owner's real objects: another organization's token 404 (first, so a
    leak cannot hide behind a deleted object), a token lacking the scope and the role bounds 403,
    then the owner's token 2xx."""
    made = await _maker(method, path)(Ctx(client, factory, cast.owner))
    url = fill(path, made["path"])
    if f"{method} {path}" not in NOT_OBJECTS:
        foreign = await client.request(method, url, headers=cast.other.headers, **_body(method, made))
        assert foreign.status_code == 404, foreign.text
        assert_dialect(path, foreign)
    await _check_scope_and_roles(client, factory, cast, method, path, url, made)
    owned = await client.request(method, url, headers=cast.owner.headers, **_body(method, made))
    assert 200 <= owned.status_code < 300, owned.text
