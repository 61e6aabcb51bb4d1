"""Ids carried in request bodies, proven from both sides on every write route: another
organization's id is a 400 with an issue at that body path and nothing is written; the tenant's own
id succeeds. The table is ``tests/cross_tenant/body_ids.py``; a new reference field in a body
schema that the table does not list fails here."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.cross_tenant import Ctx
from tests.cross_tenant.body_ids import ENTRIES, NOT_REFERENCES, Entry
from tests.factories import Factory, Tenant
from tests.test_auth_matrix import _SPEC, fill

_COMPONENTS = _SPEC["components"]["schemas"]


def _id_fields(
    schema: dict[str, Any], path: tuple[str, ...] = (), seen: tuple[str, ...] = ()
) -> set[tuple[str, ...]]:
    """Every property path of a body schema whose name says it holds ids (arrays as ``[]``)."""
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        return set() if name in seen else _id_fields(_COMPONENTS[name], path, (*seen, name))
    found: set[tuple[str, ...]] = set()
    for key in ("anyOf", "oneOf", "allOf"):
        for sub in schema.get(key, []):
            found |= _id_fields(sub, path, seen)
    if schema.get("type") == "array" and "items" in schema:
        found |= _id_fields(schema["items"], (*path, "[]"), seen)
    for name, sub in schema.get("properties", {}).items():
        if re.search(r"(Id|Ids)$", name) or name in {"id", "ids"}:
            found.add((*path, name))
        found |= _id_fields(sub, (*path, name), seen)
    return found


def _pattern(field: tuple[str | int, ...]) -> tuple[str, ...]:
    """``("deals", 0, "id")`` -> ``("deals", "[]", "id")``; an element of a list of ids
    (``("ids", 1)``) is the list's field."""
    if isinstance(field[-1], int):
        field = field[:-1]
    return tuple("[]" if isinstance(p, int) else p for p in field)


def test_every_id_in_a_request_body_is_in_the_table() -> None:
    listed = {(route, _pattern(e.field)) for e in ENTRIES for route in e.routes}
    unlisted = []
    for path, item in _SPEC["paths"].items():
        for method, op in item.items():
            content = op.get("requestBody", {}).get("content", {}).get("application/json")
            if not content:
                continue
            for fld in _id_fields(content["schema"]):
                if fld[-1] in NOT_REFERENCES:
                    continue
                if (f"{method.upper()} {path}", fld) not in listed:
                    unlisted.append(f"{method.upper()} {path} {'.'.join(fld)}")
    assert not unlisted, f"describe these body ids in tests/cross_tenant/body_ids.py: {sorted(unlisted)}"


CASES = [(route, entry) for entry in ENTRIES for route in entry.routes]


def _case_id(case: tuple[str, Entry]) -> str:
    route, entry = case
    return f"{route} {'.'.join(str(p) for p in entry.field)}"


_TENANTS: list[Tenant] = []


async def _tenants(factory: Factory) -> tuple[Tenant, Tenant]:
    while len(_TENANTS) < 2:
        _TENANTS.append(await factory.tenant())
    return _TENANTS[0], _TENANTS[1]


async def _read(client: Any, tenant: Tenant, path: str) -> Any:
    response = await client.get(path, headers=tenant.headers, params={"limit": 1000})
    assert response.status_code == 200, response.text
    body = response.json()
    if isinstance(body, dict) and "totalCount" in body:
        return body["totalCount"], [item.get("id") for item in body["items"]]
    return body


@pytest.mark.parametrize("case", CASES, ids=[_case_id(c) for c in CASES])
async def test_body_id_of_another_tenant_is_400_and_writes_nothing(
    client: Any, factory: Factory, case: tuple[str, Entry]
) -> None:
    route, entry = case
    method, path = route.split(" ", 1)
    mine, other = await _tenants(factory)
    ctx = Ctx(client, factory, mine)
    setup = await entry.setup(ctx)
    theirs = await entry.ref(Ctx(client, factory, other))
    own = setup.mine if setup.mine is not None else await entry.ref(ctx)
    url = fill(path, setup.path)

    def request(value: Any) -> dict[str, Any]:
        body = setup.body(value)
        if entry.form:
            return {"files": setup.files, "data": body}
        return {"json": body}

    before = await _read(client, mine, setup.read)
    refused = await client.request(method, url, headers=mine.headers, **request(theirs))
    assert refused.status_code == 400, refused.text
    paths = [issue["path"] for issue in refused.json().get("issues", [])]
    assert list(entry.field) in paths, refused.text
    assert await _read(client, mine, setup.read) == before

    accepted = await client.request(method, url, headers=mine.headers, **request(own))
    assert 200 <= accepted.status_code < 300, accepted.text
