from __future__ import annotations

import asyncio
from typing import Any

import pytest

from dealbench.models import Role
from tests.factories import unique
from tests.sales.helpers import make_deal, make_ticket

OPINE_KEYS = {
    "type",
    "state",
    "id",
    "createdAt",
    "updatedAt",
    "closedAt",
    "organizationId",
    "createdByUserId",
    "title",
    "description",
    "vendorEntityId",
    "vendorEntityKey",
    "integrationInstallationId",
    "targetDueDate",
    "linkedDeals",
    "dealAmountSum",
    "vendorEntityUrl",
    "labels",
}


async def test_create_ticket_answers_opines_ticket_object(client: Any, factory: Any) -> None:
    t = await factory.tenant()
    d1 = await make_deal(client, t.headers, amount=1000, vendorEntityId=unique("006"))
    d2 = await make_deal(client, t.headers, amount=250.5)
    response = await client.post(
        "/v1/tickets",
        headers=t.headers,
        json={
            "title": "SSO fails",
            "type": "BUG",
            "state": "OPEN",
            "description": [{"type": "p", "children": [{"text": "It "}, {"text": "fails", "bold": True}]}],
            "targetDueDate": "2025-10-30T12:55:20.367Z",
            "deals": [
                {"id": d1["id"], "priority": "BLOCKER"},
                {"id": f"eid:{d1['vendorEntityId']}", "priority": "BLOCKER"},
                {"id": d2["id"], "priority": "NICE_TO_HAVE"},
            ],
            "labels": ["sso", "SSO"],
            "vendorEntityUrl": "https://example.com/JIRA-1",
        },
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert set(body) == OPINE_KEYS
    assert body["type"] == "BUG" and body["state"] == "OPEN"
    assert body["description"] == "It **fails**"
    assert body["targetDueDate"] == "2025-10-30T12:55:20.367Z"
    assert body["closedAt"] is None
    assert body["organizationId"] == t.org.id
    assert body["createdByUserId"] == t.admin.id
    assert body["labels"] == ["SSO", "sso"]
    assert body["vendorEntityUrl"] == "https://example.com/JIRA-1"
    assert body["dealAmountSum"] == 1250.5
    assert body["linkedDeals"] == [
        {
            "id": d1["id"],
            "evaluationId": None,
            "name": d1["name"],
            "priority": "BLOCKER",
            "sharedWithBuyer": False,
        },
        {
            "id": d2["id"],
            "evaluationId": None,
            "name": d2["name"],
            "priority": "NICE_TO_HAVE",
            "sharedWithBuyer": False,
        },
    ]
    got = await client.get(f"/v1/tickets/{body['id']}", headers=t.headers)
    assert got.json() == body


async def test_markdown_description_is_kept_as_given(client: Any, factory: Any) -> None:
    t = await factory.tenant()
    md = "# Title\n\nsome *text*   with odd  spacing\n"
    ticket = await make_ticket(client, t.headers, description=md)
    assert ticket["description"] == md


@pytest.mark.parametrize(
    ("body", "path", "code"),
    [
        ({"type": "BUG", "state": "OPEN"}, ["title"], "invalid_type"),
        ({"title": "", "type": "BUG", "state": "OPEN"}, ["title"], "too_small"),
        ({"title": "x" * 257, "type": "BUG", "state": "OPEN"}, ["title"], "too_big"),
        ({"title": "x", "type": "NOPE", "state": "OPEN"}, ["type"], "invalid_enum_value"),
        ({"title": "x", "type": "BUG", "state": "DONE"}, ["state"], "invalid_enum_value"),
        (
            {"title": "x", "type": "BUG", "state": "OPEN", "targetDueDate": "tomorrow"},
            ["targetDueDate"],
            None,
        ),
        (
            {"title": "x", "type": "BUG", "state": "OPEN", "vendorEntityUrl": "not a url"},
            ["vendorEntityUrl"],
            None,
        ),
        ({"title": "x", "type": "BUG", "state": "OPEN", "labels": "a"}, ["labels"], "invalid_type"),
        ({"title": "x", "type": "BUG", "state": "OPEN", "labels": [""]}, ["labels", 0], "too_small"),
        ({"title": "x", "type": "BUG", "state": "OPEN", "description": 5}, ["description"], None),
        (
            {"title": "x", "type": "BUG", "state": "OPEN", "description": [{"type": "p"}]},
            ["description"],
            None,
        ),
        (
            {"title": "x", "type": "BUG", "state": "OPEN", "deals": [{"priority": "BLOCKER"}]},
            ["deals", 0, "id"],
            None,
        ),
        ({"title": "x", "type": "BUG", "state": "OPEN", "deals": [{"id": True}]}, ["deals", 0, "id"], None),
        (
            {"title": "x", "type": "BUG", "state": "OPEN", "deals": [{"id": 1, "priority": "HIGH"}]},
            ["deals", 0, "priority"],
            "invalid_enum_value",
        ),
        ({"title": "x", "type": "BUG", "state": "OPEN", "extra": 1}, [], "unrecognized_keys"),
        ({"title": "x", "type": "BUG", "state": "OPEN", "labels": None}, ["labels"], "invalid_type"),
    ],
)
async def test_create_validation_issues(
    client: Any, factory: Any, body: dict[str, Any], path: list[Any], code: str | None
) -> None:
    t = await factory.tenant()
    response = await client.post("/v1/tickets", headers=t.headers, json=body)
    assert response.status_code == 400, response.text
    data = response.json()
    assert data["error"] == "Validation error."
    assert any(i["path"] == path and (code is None or i["code"] == code) for i in data["issues"]), data


async def test_unknown_deal_is_an_issue_and_nothing_is_written(client: Any, factory: Any) -> None:
    t = await factory.tenant()
    other = await factory.tenant()
    d_other = await make_deal(client, other.headers)
    d = await make_deal(client, t.headers)
    response = await client.post(
        "/v1/tickets",
        headers=t.headers,
        json={
            "title": "x",
            "type": "BUG",
            "state": "OPEN",
            "labels": [unique("never")],
            "deals": [
                {"id": d["id"], "priority": "BLOCKER"},
                {"id": d_other["id"]},
                {"id": "eid:missing"},
                {"id": 99999999999},
            ],
        },
    )
    assert response.status_code == 400, response.text
    paths = [i["path"] for i in response.json()["issues"]]
    assert paths == [["deals", 1, "id"], ["deals", 2, "id"], ["deals", 3, "id"]]
    listed = (await client.get("/v1/tickets", headers=t.headers)).json()
    assert listed["totalCount"] == 0


async def test_put_semantics(client: Any, factory: Any) -> None:
    t = await factory.tenant()
    d1 = await make_deal(client, t.headers, amount=10)
    d2 = await make_deal(client, t.headers, amount=20)
    d3 = await make_deal(client, t.headers, amount=30)
    ticket = await make_ticket(
        client,
        t.headers,
        description="keep me",
        labels=["a", "b"],
        deals=[{"id": d1["id"], "priority": "BLOCKER"}, {"id": d2["id"], "priority": "IMPORTANT"}],
        targetDueDate="2030-01-01T00:00:00Z",
        vendorEntityUrl="https://example.com/x",
    )
    url = f"/v1/tickets/{ticket['id']}"
    r = await client.put(
        url,
        headers=t.headers,
        json={
            "deals": [
                {"id": d1["id"], "delete": True},
                {"id": d2["id"], "priority": "NICE_TO_HAVE", "sharedWithBuyer": True},
                {"id": d3["id"], "priority": "BLOCKER"},
            ]
        },
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert [(x["id"], x["priority"], x["sharedWithBuyer"]) for x in body["linkedDeals"]] == [
        (d2["id"], "NICE_TO_HAVE", True),
        (d3["id"], "BLOCKER", False),
    ]
    assert body["dealAmountSum"] == 50
    assert body["description"] == "keep me" and body["labels"] == ["a", "b"]
    # a deal not mentioned stays; title only changes the title
    r = await client.patch(url, headers=t.headers, json={"title": "new"})
    assert r.json()["title"] == "new" and len(r.json()["linkedDeals"]) == 2
    # labels replace; null clears; description/targetDueDate/vendorEntityUrl null clear
    r = await client.put(url, headers=t.headers, json={"labels": ["c"]})
    assert r.json()["labels"] == ["c"]
    r = await client.put(
        url,
        headers=t.headers,
        json={"labels": None, "description": None, "targetDueDate": None, "vendorEntityUrl": None},
    )
    body = r.json()
    assert body["labels"] == [] and body["description"] is None
    assert body["targetDueDate"] is None and body["vendorEntityUrl"] is None
    r = await client.put(url, headers=t.headers, json={"labels": ["d"]})
    r = await client.put(url, headers=t.headers, json={"labels": []})
    assert r.json()["labels"] == []
    # POST fallback on the same path
    r = await client.post(url, headers=t.headers, json={"state": "ROADMAP"})
    assert r.status_code == 200 and r.json()["state"] == "ROADMAP"
    # null title is refused; unknown deal in PUT writes nothing
    r = await client.put(url, headers=t.headers, json={"title": None})
    assert r.status_code == 400
    r = await client.put(url, headers=t.headers, json={"title": "zzz", "deals": [{"id": 99999999}]})
    assert r.status_code == 400 and r.json()["issues"][0]["path"] == ["deals", 0, "id"]
    assert (await client.get(url, headers=t.headers)).json()["title"] == "new"


async def test_closed_at_follows_state(client: Any, factory: Any) -> None:
    t = await factory.tenant()
    ticket = await make_ticket(client, t.headers, state="CLOSED")
    assert ticket["closedAt"] is not None
    url = f"/v1/tickets/{ticket['id']}"
    r = await client.put(url, headers=t.headers, json={"state": "CLOSED", "title": "still closed"})
    assert r.json()["closedAt"] == ticket["closedAt"]
    r = await client.put(url, headers=t.headers, json={"state": "IN_PROGRESS"})
    assert r.json()["closedAt"] is None
    r = await client.put(url, headers=t.headers, json={"state": "CLOSED"})
    assert r.json()["closedAt"] is not None


async def test_deleted_deals_leave_links_and_sum(client: Any, factory: Any) -> None:
    t = await factory.tenant()
    d1 = await make_deal(client, t.headers, amount=100)
    d2 = await make_deal(client, t.headers, amount=5)
    ticket = await make_ticket(client, t.headers, deals=[{"id": d1["id"]}, {"id": d2["id"]}])
    assert ticket["dealAmountSum"] == 105
    assert ticket["linkedDeals"][0]["priority"] == "IMPORTANT"
    await client.delete(f"/v1/deals/{d1['id']}", headers=t.headers)
    got = (await client.get(f"/v1/tickets/{ticket['id']}", headers=t.headers)).json()
    assert got["dealAmountSum"] == 5 and [x["id"] for x in got["linkedDeals"]] == [d2["id"]]


async def test_list_filters(client: Any, factory: Any) -> None:
    t = await factory.tenant()
    d = await make_deal(client, t.headers, vendorEntityId=unique("eid"))
    a = await make_ticket(client, t.headers, type="FEATURE", labels=["x"], deals=[{"id": d["id"]}])
    b = await make_ticket(client, t.headers, state="ROADMAP", labels=["X"])
    c = await make_ticket(client, t.headers)

    async def ids(query: str) -> list[int]:
        r = await client.get(f"/v1/tickets?{query}", headers=t.headers)
        assert r.status_code == 200, r.text
        return [i["id"] for i in r.json()["items"]]

    assert await ids("") == [a["id"], b["id"], c["id"]]
    assert await ids("type=FEATURE") == [a["id"]]
    assert await ids("state=ROADMAP") == [b["id"]]
    assert await ids("label=x") == [a["id"]]
    assert await ids("label=X") == [b["id"]]
    assert await ids(f"dealId={d['id']}") == [a["id"]]
    assert await ids(f"dealId=eid:{d['vendorEntityId']}") == [a["id"]]
    assert await ids("limit=1&offset=1") == [b["id"]]
    page = (await client.get("/v1/tickets?limit=1&skip=2", headers=t.headers)).json()
    assert page["limit"] == 1 and page["offset"] == 2 and page["totalCount"] == 3
    for bad in ("state=NOPE", "type=x", "limit=0", "limit=1001", "dealId=abc", "offset=-1"):
        r = await client.get(f"/v1/tickets?{bad}", headers=t.headers)
        assert r.status_code == 400, (bad, r.text)
        assert r.json()["error"]


async def test_list_runs_a_fixed_number_of_statements(
    client: Any, factory: Any, count_statements: Any
) -> None:
    t = await factory.tenant()
    deals = [await make_deal(client, t.headers, amount=i) for i in range(4)]
    for i in range(12):
        await make_ticket(
            client,
            t.headers,
            labels=[f"l{i % 3}", "all"],
            deals=[{"id": deals[i % 4]["id"]}, {"id": deals[(i + 1) % 4]["id"]}],
        )
    counts = []
    for limit in (1, 5, 100):
        await client.get("/v1/tickets?limit=1", headers=t.headers)  # warm the token's lastUsedAt
        count_statements.reset()
        r = await client.get(f"/v1/tickets?limit={limit}", headers=t.headers)
        assert r.status_code == 200
        assert len(r.json()["items"]) == min(limit, 12)
        counts.append(count_statements.count)
    assert counts[0] == counts[1] == counts[2], counts
    assert counts[0] <= 5, count_statements.statements  # token, count, page, links, labels


async def test_single_read_runs_two_statements(client: Any, factory: Any, count_statements: Any) -> None:
    t = await factory.tenant()
    deals = [await make_deal(client, t.headers, amount=i) for i in range(3)]
    ticket = await make_ticket(client, t.headers, labels=["a", "b"], deals=[{"id": d["id"]} for d in deals])
    await client.get(f"/v1/tickets/{ticket['id']}", headers=t.headers)  # warm the token's lastUsedAt
    count_statements.reset()
    r = await client.get(f"/v1/tickets/{ticket['id']}", headers=t.headers)
    assert r.status_code == 200 and len(r.json()["linkedDeals"]) == 3
    assert count_statements.count <= 3, count_statements.statements  # token, ticket, links and labels


async def test_graphql_page_runs_a_fixed_number_of_statements(
    client: Any, factory: Any, count_statements: Any
) -> None:
    from tests.graphql.helpers import gql

    t = await factory.tenant()
    deals = [await make_deal(client, t.headers, amount=i) for i in range(3)]
    for i in range(8):
        await make_ticket(client, t.headers, labels=[f"l{i % 2}"], deals=[{"id": deals[i % 3]["id"]}])
    query = (
        "query ($n: Int) { tickets(limit: $n) { total data { id labels dealAmountSum linkedDeals { id } } } }"
    )
    counts = []
    for limit in (1, 5, 100):
        await gql(client, "{ apiVersion }", t.token)
        count_statements.reset()
        body = await gql(client, query, t.token, {"n": limit})
        assert "errors" not in body, body
        assert len(body["data"]["tickets"]["data"]) == min(limit, 8)
        assert body["data"]["tickets"]["total"] == 8
        counts.append(count_statements.count)
    assert counts[0] == counts[1] == counts[2], counts
    assert counts[0] <= 3, count_statements.statements  # token, page with its total, links and labels


async def test_delete_ticket(client: Any, factory: Any) -> None:
    t = await factory.tenant()
    ticket = await make_ticket(client, t.headers, labels=["z"])
    r = await client.delete(f"/v1/tickets/{ticket['id']}", headers=t.headers)
    assert r.status_code == 200 and r.json() == {"id": ticket["id"]}
    assert (await client.get(f"/v1/tickets/{ticket['id']}", headers=t.headers)).status_code == 404
    assert (await client.delete(f"/v1/tickets/{ticket['id']}", headers=t.headers)).status_code == 404
    assert (await client.get("/v1/tickets/abc", headers=t.headers)).status_code == 400


async def test_viewer_cannot_write(client: Any, factory: Any) -> None:
    t = await factory.tenant()
    _, token = await factory.personal(t, Role.VIEWER)
    r = await client.post(
        "/v1/tickets", headers={"X-API-Key": token}, json={"title": "x", "type": "BUG", "state": "OPEN"}
    )
    assert r.status_code == 403
    assert (await client.get("/v1/tickets", headers={"X-API-Key": token})).status_code == 200


async def test_concurrent_requests_creating_the_same_label_make_one(client: Any, factory: Any) -> None:
    t = await factory.tenant()
    name = unique("hot-")
    responses = await asyncio.gather(
        *[
            client.post(
                "/v1/tickets",
                headers=t.headers,
                json={"title": f"t{i}", "type": "BUG", "state": "OPEN", "labels": [name, f"{name}-{i % 2}"]},
            )
            for i in range(16)
        ]
    )
    assert [r.status_code for r in responses] == [201] * 16, [
        r.text for r in responses if r.status_code != 201
    ]
    from sqlalchemy import func, select

    from dealbench.models import Label

    async with factory.services.sessionmaker() as session:
        count = await session.scalar(
            select(func.count(Label.id)).where(Label.organization_id == t.org.id, Label.name == name)
        )
        all_labels = await session.scalar(
            select(func.count(Label.id)).where(Label.organization_id == t.org.id)
        )
    assert count == 1 and all_labels == 3
    listed = (await client.get(f"/v1/tickets?label={name}", headers=t.headers)).json()
    assert listed["totalCount"] == 16


async def test_two_updates_in_one_graphql_document_each_answer_their_own_write(
    client: Any, factory: Any
) -> None:
    from tests.graphql.helpers import gql

    t = await factory.tenant()
    d = await make_deal(client, t.headers)
    ticket = await make_ticket(client, t.headers, labels=["a"])
    body = await gql(
        client,
        f"""mutation {{
          a: updateTicket(id: {ticket["id"]}, input: {{deals: [{{id: {d["id"]}}}], labels: ["b"]}}) {{
            labels linkedDeals {{ id }} dealAmountSum }}
          b: updateTicket(id: {ticket["id"]}, input: {{deals: [{{id: {d["id"]}, delete: true}}], labels: ["c"]}}) {{
            labels linkedDeals {{ id }} dealAmountSum }}
        }}""",
        t.token,
    )
    assert "errors" not in body, body
    assert body["data"]["a"] == {"labels": ["b"], "linkedDeals": [{"id": d["id"]}], "dealAmountSum": 0}
    assert body["data"]["b"] == {"labels": ["c"], "linkedDeals": [], "dealAmountSum": 0}


async def test_a_deals_tickets_after_a_ticket_mutation_of_the_same_document(
    client: Any, factory: Any
) -> None:
    from tests.graphql.helpers import gql

    t = await factory.tenant()
    d = await make_deal(client, t.headers)
    body = await gql(
        client,
        f"""mutation {{
          a: updateDeal(id: "{d["id"]}", input: {{stage: "Pilot"}}) {{ tickets {{ title }} }}
          b: createTicket(input: {{title: "New", type: BUG, state: OPEN, deals: [{{id: {d["id"]}}}]}}) {{ id }}
          c: updateDeal(id: "{d["id"]}", input: {{stage: "Won"}}) {{ tickets {{ title }} }}
        }}""",
        t.token,
    )
    assert "errors" not in body, body
    assert body["data"]["a"] == {"tickets": []}
    assert body["data"]["c"] == {"tickets": [{"title": "New"}]}
