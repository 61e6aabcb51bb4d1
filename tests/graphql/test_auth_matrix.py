"""The GraphQL schema under the same matrix as the REST routes (``tests/test_auth_matrix.py``):

- the scope of every field that declares one is pinned in ``tests/scopes.py`` (``GRAPHQL_SCOPES``)
  and compared with what the schema declares, both ways, and with the REST route doing the same;
- every root field and mutation taking an id, found by introspection, is sent twice for both kinds
  of token on the same real objects (made by ``tests/cross_tenant/graphql.py``): as another
  organization it answers ``NOT_FOUND`` (the code of REST's 404) and writes nothing; as the owner
  it succeeds. A token lacking the field's scope, and a VIEWER's token on a mutation, get FORBIDDEN.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from dealbench.graphql.schema import get_schema
from dealbench.kit.graphql.context import SchemaKind
from dealbench.kit.graphql.fields import declared_scope
from dealbench.models import Role
from tests.cross_tenant import Ctx
from tests.cross_tenant.graphql import FIELDS
from tests.factories import Factory, Tenant
from tests.graphql.helpers import codes, gql
from tests.scopes import GRAPHQL_REST_TWINS, GRAPHQL_SCOPES, SCOPES

KINDS = (SchemaKind.ORGANIZATION, SchemaKind.PERSONAL)


def declared(kind: SchemaKind) -> dict[str, str]:
    """``{"Type.field": scope}`` of every field of the schema declaring a scope (or public)."""
    schema = get_schema(kind)
    found = {}
    for name in schema._schema.type_map:
        if name.startswith("__"):
            continue
        definition = schema.get_type_by_name(name)
        for f in getattr(definition, "fields", None) or []:
            scope = declared_scope(f) if hasattr(f, "extensions") else None
            if scope is not None:
                graphql_name = f.graphql_name or schema.config.name_converter.get_graphql_name(f)
                found[f"{name}.{graphql_name}"] = scope
    return found


@pytest.mark.parametrize("kind", list(SchemaKind))
def test_the_graphql_scope_table_is_what_the_schema_declares(kind: SchemaKind) -> None:
    found = declared(kind)
    missing = sorted(set(found) - set(GRAPHQL_SCOPES))
    assert not missing, f"GraphQL fields missing from tests/scopes.py: {missing}"
    differ = {f: (GRAPHQL_SCOPES[f], found[f]) for f in found if GRAPHQL_SCOPES[f] != found[f]}
    assert not differ, f"declared scope differs from tests/scopes.py (pinned, declared): {differ}"
    if kind is not SchemaKind.PUBLIC:
        gone = sorted(set(GRAPHQL_SCOPES) - set(found))
        assert not gone, f"tests/scopes.py lists GraphQL fields the schema does not have: {gone}"
    roots = {f for f in _root_fields(kind)}
    assert roots <= set(found), f"root fields declaring no scope: {sorted(roots - set(found))}"


def test_graphql_fields_ask_for_the_scope_of_their_rest_twin() -> None:
    differ = {
        f: (GRAPHQL_SCOPES[f], SCOPES[r])
        for f, r in GRAPHQL_REST_TWINS.items()
        if GRAPHQL_SCOPES[f] != SCOPES[r]
    }
    assert not differ, differ


def _root_fields(kind: SchemaKind) -> list[str]:
    schema = get_schema(kind)._schema
    roots = [t for t in (schema.query_type, schema.mutation_type) if t is not None]
    return [f"{t.name}.{name}" for t in roots for name in t.fields]


def _takes_an_id(kind: SchemaKind) -> list[str]:
    """Root fields with an argument naming an object: ``id`` or ``...Id``."""
    schema = get_schema(kind)._schema
    roots = [t for t in (schema.query_type, schema.mutation_type) if t is not None]
    return [
        f"{t.name}.{name}"
        for t in roots
        for name, f in t.fields.items()
        if any(arg == "id" or arg.endswith("Id") for arg in f.args)
    ]


WITH_IDS = sorted(set(_takes_an_id(SchemaKind.ORGANIZATION)) | set(_takes_an_id(SchemaKind.PERSONAL)))


def test_every_field_taking_an_id_has_a_cross_tenant_maker() -> None:
    missing = [f for f in WITH_IDS if f not in FIELDS]
    assert not missing, f"describe these fields in tests/cross_tenant/graphql.py: {missing}"
    stale = [f for f in FIELDS if f not in WITH_IDS]
    assert not stale, f"makers of fields the schema does not have (or that take no id): {stale}"


@dataclass
class Cast:
    """Two organizations, each with an organization token and an ADMIN's personal token, and the
    owner's tokens lacking a scope or with a VIEWER's role."""

    owner: Tenant
    other: Tenant
    tokens: dict[tuple[str, SchemaKind], str]
    viewer: str
    lacking: dict[str, str]


_CAST: list[Cast] = []


@pytest.fixture
async def cast(factory: Factory) -> Cast:
    if not _CAST:
        owner, other = await factory.tenant(), await factory.tenant()
        _, owner_personal = await factory.personal(owner, Role.ADMIN)
        _, other_personal = await factory.personal(other, Role.ADMIN)
        _, viewer = await factory.personal(owner, Role.VIEWER, scopes=["*"])
        tokens = {
            ("owner", SchemaKind.ORGANIZATION): owner.token,
            ("owner", SchemaKind.PERSONAL): owner_personal,
            ("other", SchemaKind.ORGANIZATION): other.token,
            ("other", SchemaKind.PERSONAL): other_personal,
        }
        _CAST.append(Cast(owner, other, tokens, viewer, {}))
    return _CAST[0]


def _lacking(scope: str) -> list[str]:
    resource, _, action = scope.partition(":")
    if action == "write":
        return [f"{resource}:read"]
    return ["users:read"] if resource != "users" else ["deals:read"]


async def _read(client: Any, cast: Cast, made: dict[str, Any]) -> Any:
    """What the owner sees of the objects a mutation would change."""
    read = made["read"]
    if read.startswith("/"):
        variables = made["variables"]
        response = await client.get(read.format(**variables), headers=cast.owner.headers)
        assert response.status_code == 200, response.text
        return response.json()
    body = await gql(client, read, cast.owner.token, made.get("read_variables", made["variables"]))
    assert "errors" not in body, body
    return body["data"]


@pytest.mark.parametrize("kind", KINDS, ids=[k.value for k in KINDS])
@pytest.mark.parametrize("field", WITH_IDS)
async def test_tenancy_from_both_sides(
    client: Any, factory: Factory, cast: Cast, field: str, kind: SchemaKind
) -> None:
    made = await FIELDS[field](Ctx(client, factory, cast.owner))
    root, name = field.split(".")
    query, variables = made["query"], made["variables"]
    is_mutation = root == "Mutation"
    before = await _read(client, cast, made) if is_mutation else None

    foreign = await gql(client, query, cast.tokens[("other", kind)], variables)
    if made.get("filter"):
        assert "errors" not in foreign, foreign
        assert foreign["data"][name]["total"] == 0, foreign
        assert foreign["data"][name]["data"] == [], foreign
    else:
        assert codes(foreign) == ["NOT_FOUND"], foreign
        assert foreign["data"] in ({name: None}, None), foreign
    if is_mutation:
        assert await _read(client, cast, made) == before, "another organization's mutation wrote"

    scope = GRAPHQL_SCOPES[field]
    if scope not in cast.lacking:
        cast.lacking[scope] = await factory.token(cast.owner, scopes=_lacking(scope))
    refused = await gql(client, query, cast.lacking[scope], variables)
    assert codes(refused) == ["FORBIDDEN"], refused
    assert scope in refused["errors"][0]["message"]
    if is_mutation:
        viewer = await gql(client, query, cast.viewer, variables)
        assert codes(viewer) == ["FORBIDDEN"], viewer
        assert "VIEWER" in viewer["errors"][0]["message"]
        assert await _read(client, cast, made) == before, "a refused mutation wrote"

    owned = await gql(client, query, cast.tokens[("owner", kind)], variables)
    assert "errors" not in owned, owned
    assert owned["data"][name] is not None, owned
    if made.get("filter"):
        assert owned["data"][name]["total"] >= 1, owned
    if is_mutation and not name.startswith("delete"):
        assert await _read(client, cast, made) != before, "the owner's mutation changed nothing"
