"""Every field of every type of the organization and personal schemas answered once without an
error, on real objects: queries built from the schema's own introspection, so a field added later
is covered the day it is added."""

from __future__ import annotations

from typing import Any

import pytest

from tests.cross_tenant import Ctx
from tests.factories import unique
from tests.graphql.helpers import gql
from tests.graphql.world import PUBLIC_URL, World, build_world

INTROSPECT = """
{ __schema {
    queryType { name }
    mutationType { name }
    types { name kind fields {
      name
      args { name type { kind name ofType { kind name ofType { kind name } } } }
      type { kind name ofType { kind name ofType { kind name ofType { kind name } } } }
    } }
} }
"""
#: Nested object fields are selected this deep (Deal -> tickets -> linkedDeals); every field of every
#: type must be reached within it, from some root field.
DEPTH = 3


def _named(t: dict[str, Any]) -> dict[str, Any]:
    while t.get("ofType"):
        t = t["ofType"]
    return t


class Walker:
    def __init__(self, schema: dict[str, Any]) -> None:
        self.types = {t["name"]: t for t in schema["types"]}
        self.query = schema["queryType"]["name"]
        self.mutation = (schema.get("mutationType") or {}).get("name")
        self.seen: set[tuple[str, str]] = set()

    def selection(self, type_name: str, depth: int) -> str:
        t = self.types[type_name]
        parts = []
        for f in t["fields"]:
            if any(a["type"]["kind"] == "NON_NULL" for a in f["args"]):
                continue  # a nested field with required arguments: none today
            inner = _named(f["type"])
            if inner["kind"] in ("OBJECT", "INTERFACE"):
                if depth == 0:
                    continue
                parts.append(f"{f['name']} {{ {self.selection(inner['name'], depth - 1)} }}")
            else:
                parts.append(f["name"])
            self.seen.add((type_name, f["name"]))
        return " ".join(parts) or "__typename"

    def object_fields(self) -> set[tuple[str, str]]:
        roots = {self.query, self.mutation}
        return {
            (name, f["name"])
            for name, t in self.types.items()
            if t["kind"] == "OBJECT" and name not in roots and not name.startswith("__")
            for f in t["fields"]
        }


def _args(field: str, w: World) -> str:
    ids = w.ids
    return {
        "deal": f'(id: "{ids["deal"]}")',
        "ticket": f"(id: {ids['ticket']})",
        "evaluation": f"(id: {ids['evaluation']})",
        "evaluationBuyers": f"(evaluationId: {ids['evaluation']})",
        "evaluationComments": f"(evaluationId: {ids['evaluation']})",
        "user": f"(id: {ids['user']})",
        "documents": f"(projectId: {ids['project']})",
        "webhook": f"(id: {ids['webhook']})",
        "webhookDeliveries": f"(id: {ids['webhook']})",
        "app": f"(id: {ids['app']})",
    }.get(field, "")


def _mutations(w: World) -> list[tuple[str, str, dict[str, Any]]]:
    """The types only a mutation answers: ``(document with SELECTION, type, variables)``."""
    return [
        (
            "mutation($i: InvitationCreateInput!) { createInvitation(input: $i) { SELECTION } }",
            "InvitationCreated",
            {"i": {"inviteeEmail": f"{unique('every-field')}@example.com", "role": "VIEWER"}},
        ),
        (
            'mutation($id: ID!) { addDealNote(id: $id, input: {title: "Note", body: "**md**"}) { SELECTION } }',
            "DealNote",
            {"id": str(w.ids["deal"])},
        ),
        (
            "mutation($id: Int!) { rotateWebhookSecret(id: $id) { SELECTION } }",
            "WebhookWithSecret",
            {"id": w.ids["webhook"]},
        ),
        (
            "mutation($id: Int!) { rotateEvaluationAccessCode(id: $id) { SELECTION } }",
            "EvaluationAccessCode",
            {"id": w.ids["evaluation"]},
        ),
        (
            "mutation($p: Int!, $id: Int!) { evaluationBuyerSignInLink(evaluationId: $p, id: $id) { SELECTION } }",
            "EvaluationBuyerSignInLink",
            {"p": w.ids["evaluation"], "id": w.ids["buyer"]},
        ),
        (
            "mutation($i: AppRegisterInput!) { registerApp(input: $i) { SELECTION } }",
            "AppWithSecret",
            {"i": {"name": unique("every-field app "), "webhookUrl": PUBLIC_URL, "scopes": ["deals:read"]}},
        ),
    ]


@pytest.mark.parametrize("kind", ["organization", "personal"])
async def test_every_field_of_every_type_answers_without_error(client: Any, factory: Any, kind: str) -> None:
    tenant = await factory.tenant()
    world = await build_world(Ctx(client, factory, tenant))
    token = tenant.token if kind == "organization" else world.personal
    schema = (await gql(client, INTROSPECT, token))["data"]["__schema"]
    walker = Walker(schema)
    for root in walker.types[walker.query]["fields"]:
        inner = _named(root["type"])
        selection = walker.selection(inner["name"], DEPTH) if inner["kind"] == "OBJECT" else ""
        body = (
            f"{{ {root['name']}{_args(root['name'], world)} {'{ ' + selection + ' }' if selection else ''} }}"
        )
        answer = await gql(client, body, token)
        assert "errors" not in answer, (root["name"], answer)
        value = answer["data"][root["name"]]
        assert value not in (None, [], {"data": [], "total": 0}), (root["name"], answer)
        walker.seen.add((walker.query, root["name"]))
    for document, type_name, variables in _mutations(world):
        document = document.replace("SELECTION", walker.selection(type_name, DEPTH))
        answer = await gql(client, document, token, variables)
        assert "errors" not in answer, (document, answer)
    assert len(walker.seen) > 300, len(walker.seen)
    unreached = sorted(walker.object_fields() - walker.seen)
    assert not unreached, f"fields no query reached: {unreached}"


async def test_contact_account_id_is_answered(client: Any, factory: Any) -> None:
    tenant = await factory.tenant()
    world = await build_world(Ctx(client, factory, tenant))
    for token in (tenant.token, world.personal):
        body = await gql(client, "{ contacts { data { id accountId title dealId } } }", token)
        assert body == {
            "data": {
                "contacts": {
                    "data": [
                        {
                            "id": world.ids["contact"],
                            "accountId": "ACC-1",
                            "title": "CTO",
                            "dealId": world.ids["deal"],
                        }
                    ]
                }
            }
        }
