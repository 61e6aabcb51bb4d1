"""Every read of ``/v1`` answers what ``openapi.json`` documents: routes answer the presenters'
dicts straight to JSON (no response-model validation at run time), so the suite validates each
answer against the route's documented schema — and strictly: an object carries exactly the
documented properties, none missing, none extra."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi import FastAPI
from jsonschema import Draft202012Validator

from tests.cross_tenant import Ctx
from tests.factories import Factory
from tests.test_statement_counts import BUILDERS, EXTRA, READS


def _schema(spec: dict[str, Any], path: str) -> dict[str, Any] | None:
    content = spec["paths"][path]["get"]["responses"]["200"].get("content", {})
    json = content.get("application/json")
    return None if json is None else json["schema"]  # type: ignore[no-any-return]


def _resolve(spec: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return schema


def _exact(spec: dict[str, Any], schema: dict[str, Any], body: Any, where: str) -> None:
    """Objects carry exactly their documented properties (for the object branches of the schema)."""
    schema = _resolve(spec, schema)
    for branch in schema.get("anyOf", []):
        if body is not None and _resolve(spec, branch).get("type") in ("object", "array"):
            _exact(spec, branch, body, where)
    if isinstance(body, dict) and "properties" in schema:
        documented = set(schema["properties"])
        assert set(body) == documented, f"{where}: differs in {sorted(set(body) ^ documented)}"
        for key, value in body.items():
            _exact(spec, schema["properties"][key], value, f"{where}.{key}")
    elif isinstance(body, list) and "items" in schema:
        for item in body:
            _exact(spec, schema["items"], item, f"{where}[]")


@pytest.mark.parametrize("route", [*READS, *EXTRA])
async def test_the_answer_validates_against_the_documented_schema(
    client: Any, app: FastAPI, factory: Factory, route: str
) -> None:
    spec = app.openapi()
    schema = _schema(spec, "/v1/deals/{id}" if route in EXTRA else route)
    if schema is None:
        pytest.skip("answers a file, not JSON")
    ctx = Ctx(client, factory, await factory.tenant())
    url = await (BUILDERS.get(route) or EXTRA[route])(ctx, 2)
    response = await client.get(url, headers=ctx.tenant.headers)
    assert response.status_code == 200, response.text
    body = response.json()
    Draft202012Validator({**schema, "components": spec["components"]}).validate(body)
    _exact(spec, schema, body, route)
