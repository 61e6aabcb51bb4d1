"""Paging of every list field: ``limit`` with ``offset`` (Opine) or ``page`` (Optix, 1-based), both
answering ``{ data total }``; ``page`` and ``offset`` together are refused."""

from __future__ import annotations

from typing import Any

from dealbench.models import Role
from tests.cross_tenant import Ctx
from tests.cross_tenant.events import _webhook_id
from tests.graphql.helpers import codes, gql

LIST_FIELD = """
{ __type(name: "Query") { fields { name args { name type { name kind } }
  type { name fields { name } } } } }
"""


async def _list_fields(client: Any, token: str) -> dict[str, list[str]]:
    """Every root field answering a ``{ data total }`` page, with its argument names."""
    body = await gql(client, LIST_FIELD, token)
    found = {}
    for f in body["data"]["__type"]["fields"]:
        fields = {sub["name"] for sub in (f["type"].get("fields") or [])}
        if fields == {"data", "total"}:
            found[f["name"]] = [a["name"] for a in f["args"]]
    return found


async def test_every_list_field_takes_limit_offset_and_page(client: Any, factory: Any) -> None:
    tenant = await factory.tenant()
    _, personal = await factory.personal(tenant, Role.ADMIN)
    for token in (tenant.token, personal):
        fields = await _list_fields(client, token)
        assert len(fields) >= 12, fields
        lacking = {
            name: args for name, args in fields.items() if not {"limit", "offset", "page"} <= set(args)
        }
        assert not lacking, lacking


async def _deals(client: Any, tenant: Any, n: int) -> list[int]:
    ids = []
    for i in range(n):
        response = await client.post("/v1/deals", json={"name": f"Deal {i}"}, headers=tenant.headers)
        assert response.status_code == 201, response.text
        ids.append(response.json()["id"])
    return ids


async def test_page_counts_pages_of_limit_items_from_one(client: Any, factory: Any) -> None:
    tenant = await factory.tenant()
    _, personal = await factory.personal(tenant, Role.MEMBER)
    ids = await _deals(client, tenant, 5)
    query = (
        "query($l: Int, $p: Int, $o: Int) { deals(limit: $l, page: $p, offset: $o) { total data { id } } }"
    )
    for token in (tenant.token, personal):

        async def ids_of(token: str = token, **variables: int) -> tuple[list[int], int]:
            body = await gql(client, query, token, variables)
            assert "errors" not in body, body
            deals = body["data"]["deals"]
            return [int(d["id"]) for d in deals["data"]], deals["total"]

        assert await ids_of(l=2, p=1) == (ids[0:2], 5)
        assert await ids_of(l=2, p=2) == (ids[2:4], 5)
        assert await ids_of(l=2, p=3) == (ids[4:5], 5)
        assert await ids_of(l=2, p=4) == ([], 5)
        assert await ids_of(l=2, o=3) == (ids[3:5], 5)
        assert await ids_of(p=1) == (ids, 5)
        assert await ids_of() == (ids, 5)


async def test_page_on_every_list_field_answers_data_and_total(client: Any, factory: Any) -> None:
    tenant = await factory.tenant()
    project = await client.post("/v1/projects", json={"name": "Paging"}, headers=tenant.headers)
    assert project.status_code in (200, 201), project.text
    hook = await _webhook_id(Ctx(client, factory, tenant), ["deal.created"])
    plan = await client.post("/v1/evaluations", json={"title": "Paging"}, headers=tenant.headers)
    assert plan.status_code == 201, plan.text
    of_plan = f"evaluationId: {plan.json()['id']}, "
    required = {
        "documents": f"projectId: {project.json()['id']}, ",
        "webhookDeliveries": f"id: {hook}, ",
        "evaluationBuyers": of_plan,
        "evaluationComments": of_plan,
    }
    for name in await _list_fields(client, tenant.token):
        args = required.get(name, "")
        body = await gql(
            client, f"{{ {name}({args}limit: 1, page: 1) {{ total data {{ __typename }} }} }}", tenant.token
        )
        assert "errors" not in body, (name, body)
        assert len(body["data"][name]["data"]) <= 1
        body = await gql(
            client, f"{{ {name}({args}limit: 1, page: 2, offset: 0) {{ total }} }}", tenant.token
        )
        assert codes(body) == ["BAD_USER_INPUT"], (name, body)


async def test_page_and_offset_together_is_bad_user_input(client: Any, factory: Any) -> None:
    tenant = await factory.tenant()
    body = await gql(client, "{ deals(page: 2, offset: 0) { total } }", tenant.token)
    assert codes(body) == ["BAD_USER_INPUT"]
    error = body["errors"][0]
    assert error["message"].startswith("Send `page` or `offset`, not both")
    assert error["extensions"]["issues"] == [
        {"code": "custom", "path": ["page"], "message": "Send `page` or `offset`, not both."}
    ]
    assert body["data"] == {"deals": None}


async def test_page_below_one_is_bad_user_input(client: Any, factory: Any) -> None:
    tenant = await factory.tenant()
    for page in (0, -1):
        body = await gql(client, f"{{ users(page: {page}) {{ total }} }}", tenant.token)
        assert codes(body) == ["BAD_USER_INPUT"]
        issue = body["errors"][0]["extensions"]["issues"][0]
        assert (issue["path"], issue["code"], issue["minimum"]) == (["page"], "too_small", 1)
