"""Ids carried in GraphQL mutation inputs, proven from both sides like the REST bodies
(``tests/test_body_ids.py``), from the same table (``tests/cross_tenant/body_ids.py``): for every
mutation whose REST twin has an entry there, another organization's id is BAD_USER_INPUT with an
issue at ``["input", ...that path]`` and nothing is written; the tenant's own id succeeds. Both
kinds of token."""

from __future__ import annotations

from typing import Any

import pytest

from dealbench.graphql.schema import get_schema
from dealbench.kit.graphql.context import SchemaKind
from dealbench.models import Role
from tests.cross_tenant import Ctx
from tests.cross_tenant.body_ids import ENTRIES, Entry
from tests.factories import Factory, Tenant
from tests.graphql.helpers import codes, gql
from tests.scopes import GRAPHQL_REST_TWINS

_MUTATION = get_schema(SchemaKind.ORGANIZATION)._schema.mutation_type
assert _MUTATION is not None

CASES = [
    (field, entry)
    for field, route in GRAPHQL_REST_TWINS.items()
    if field.startswith("Mutation.")
    for entry in ENTRIES
    if route in entry.routes
]


def test_every_mutation_taking_an_input_with_ids_is_covered() -> None:
    """Each mutation whose input carries a reference field is checked here (a new one is not missed)."""
    covered = {field for field, _ in CASES}
    with_refs = set()
    for name, f in _MUTATION.fields.items():
        if "input" not in f.args:
            continue
        text = str(f.args["input"].type).rstrip("!")
        schema = get_schema(SchemaKind.ORGANIZATION)._schema
        fields = schema.type_map[text].fields  # type: ignore[union-attr]
        if any(n.endswith("Id") or n in ("deals",) for n in fields):
            with_refs.add(f"Mutation.{name}")
    missing = sorted(with_refs - covered)
    assert not missing, (
        f"mutations whose input ids no entry of tests/cross_tenant/body_ids.py covers: {missing}"
    )


def _args(field: str, path: dict[str, Any]) -> str:
    name = field.split(".", 1)[1]
    if "itemId" in path:
        values = {"evaluationId": path["id"], "id": path["itemId"]}
    elif "evaluationId" in _MUTATION.fields[name].args and "id" not in _MUTATION.fields[name].args:
        values = {"evaluationId": path["id"]}
    elif "id" in path:
        values = {"id": path["id"]}
    else:
        values = {}
    return "".join(
        f", {k}: {v if isinstance(v, int) else f'{v!r}'.replace(chr(39), chr(34))}" for k, v in values.items()
    )


def _document(field: str, path: dict[str, Any]) -> str:
    name = field.split(".", 1)[1]
    input_type = str(_MUTATION.fields[name].args["input"].type)
    return f"mutation($input: {input_type}) {{ {name}(input: $input{_args(field, path)}) {{ __typename }} }}"


_TENANTS: list[tuple[Tenant, Tenant, str]] = []


async def _tenants(factory: Factory) -> tuple[Tenant, Tenant, str]:
    if not _TENANTS:
        mine, other = await factory.tenant(), await factory.tenant()
        _, personal = await factory.personal(mine, Role.ADMIN)
        _TENANTS.append((mine, other, personal))
    return _TENANTS[0]


async def _read(client: Any, tenant: Tenant, path: str) -> Any:
    response = await client.get(path, headers=tenant.headers, params={"limit": 1000})
    assert response.status_code == 200, response.text
    return response.json()


def _case_id(case: tuple[str, Entry]) -> str:
    field, entry = case
    return f"{field} {'.'.join(str(p) for p in entry.field)}"


@pytest.mark.parametrize("kind", ["organization", "personal"])
@pytest.mark.parametrize("case", CASES, ids=[_case_id(c) for c in CASES])
async def test_input_id_of_another_tenant_is_bad_user_input_and_writes_nothing(
    client: Any, factory: Factory, case: tuple[str, Entry], kind: str
) -> None:
    field, entry = case
    mine, other, personal = await _tenants(factory)
    token = mine.token if kind == "organization" else personal
    ctx = Ctx(client, factory, mine)
    setup = await entry.setup(ctx)
    theirs = await entry.ref(Ctx(client, factory, other))
    own = setup.mine if setup.mine is not None else await entry.ref(ctx)
    document = _document(field, setup.path)

    before = await _read(client, mine, setup.read)
    refused = await gql(client, document, token, {"input": setup.body(theirs)})
    assert codes(refused) == ["BAD_USER_INPUT"], refused
    paths = [issue["path"] for issue in refused["errors"][0]["extensions"].get("issues", [])]
    assert ["input", *entry.field] in paths, refused
    assert await _read(client, mine, setup.read) == before

    accepted = await gql(client, document, token, {"input": setup.body(own)})
    assert "errors" not in accepted, accepted
