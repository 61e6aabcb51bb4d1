"""Every route of the app, enumerated from the app itself: no token 401, missing scope 403,
another tenant's object 404. A route added later is covered the day it is added."""

from __future__ import annotations

import re
from typing import Any

import pytest

from dealbench.app import create_app
from dealbench.settings import Settings
from tests import cross_tenant

_APP = create_app(Settings(secret_key="route-listing", database_url="sqlite:///:memory:"))
_SPEC = _APP.openapi()
MAKERS, PUBLIC = cross_tenant.load()
API_PREFIXES = ("/v1/", "/api/v1/", "/graphql")


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


def _fill(path: str, values: dict[str, Any] | None = None) -> str:
    values = values or {}
    return re.sub(r"\{([^}:]+)(?::[^}]*)?\}", lambda m: str(values.get(m.group(1), 1)), path)


def _maker(method: str, path: str) -> Any:
    return MAKERS.get(f"{method} {path}") or MAKERS.get(f"* {path}")


def test_public_routes_are_exactly_the_declared_ones() -> None:
    undeclared = [f"{m} {p}" for m, p, scopes in OPERATIONS if not scopes and f"{m} {p}" not in PUBLIC]
    assert not undeclared, f"routes without a declared scope: {undeclared}"


def test_every_route_with_path_parameters_has_a_cross_tenant_maker() -> None:
    missing = [f"{m} {p}" for m, p, _ in PROTECTED if "{" in p and _maker(m, p) is None]
    assert not missing, f"describe these routes in tests/cross_tenant/: {missing}"


def _assert_dialect(path: str, response: Any) -> None:
    body = response.json()
    if path.startswith("/api/v1/"):
        assert body["status"] in {"fail", "error"}, body
    elif path.startswith("/graphql"):
        assert body.get("errors"), body
    else:
        assert isinstance(body.get("error"), str) and body["error"], body


@pytest.mark.parametrize(("method", "path", "scopes"), PROTECTED, ids=_ids(PROTECTED))
async def test_no_token_is_401(client: Any, method: str, path: str, scopes: list[str]) -> None:
    response = await client.request(
        method, _fill(path), json={} if method in {"POST", "PUT", "PATCH"} else None
    )
    assert response.status_code == 401, response.text
    _assert_dialect(path, response)


def _lacking(scope: str) -> list[str]:
    resource, _, action = scope.partition(":")
    if action == "write":
        return [f"{resource}:read"]
    return ["users:read"] if resource != "users" else ["deals:read"]


@pytest.mark.parametrize(
    ("method", "path", "scopes"),
    [op for op in PROTECTED if op[2]],
    ids=_ids([op for op in PROTECTED if op[2]]),
)
async def test_missing_scope_is_403(
    client: Any, factory: Any, method: str, path: str, scopes: list[str]
) -> None:
    tenant = await factory.tenant()
    for scope in scopes:
        token = await factory.token(tenant, scopes=_lacking(scope))
        response = await client.request(
            method,
            _fill(path),
            headers={"X-API-Key": token},
            json={} if method in {"POST", "PUT", "PATCH"} else None,
        )
        assert response.status_code == 403, response.text
        assert scope in response.text
        _assert_dialect(path, response)


WITH_PARAMS = [op for op in PROTECTED if "{" in op[1] and _maker(op[0], op[1]) is not None]


@pytest.mark.parametrize(("method", "path", "scopes"), WITH_PARAMS, ids=_ids(WITH_PARAMS))
async def test_other_tenants_object_is_404(
    client: Any, factory: Any, method: str, path: str, scopes: list[str]
) -> None:
    mine = await factory.tenant()
    other = await factory.tenant()
    made = await _maker(method, path)(factory, other)
    body = made.get("json", {} if method in {"POST", "PUT", "PATCH"} else None)
    response = await client.request(method, _fill(path, made["path"]), headers=mine.headers, json=body)
    assert response.status_code == 404, response.text
    _assert_dialect(path, response)
