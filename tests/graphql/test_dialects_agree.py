"""The dialects agree: the same object read through Opine REST (``/v1``), GraphQL and, where it exists,
the JSend pipeline API (``/api/v1``) answers the same value for every field they share, in an
organization whose timezone is not UTC (dates must not move)."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from tests.factories import Tenant, unique
from tests.graphql.helpers import gql
from tests.pipeline.helpers import ok, upload

TIMEZONE = "Asia/Kolkata"  # +05:30: a date rendered in the wrong zone moves by a day at midnight


def _unwrap(t: dict[str, Any]) -> dict[str, Any]:
    while t["kind"] in {"NON_NULL", "LIST"}:
        t = t["ofType"]
    return t


async def _scalar_fields(client: Any, token: str, type_name: str) -> list[str]:
    """Every field of a GraphQL type whose value is a scalar, an enum or a list of them."""
    query = """query ($n: String!) { __type(name: $n) { fields { name type {
      kind name ofType { kind name ofType { kind name ofType { kind name } } } } } } }"""
    body = await gql(client, query, token, {"n": type_name})
    fields = body["data"]["__type"]["fields"]
    return [f["name"] for f in fields if _unwrap(f["type"])["kind"] in {"SCALAR", "ENUM"}]


async def _graphql(client: Any, token: str, type_name: str, root: str, args: str = "") -> Any:
    fields = " ".join(await _scalar_fields(client, token, type_name))
    body = await gql(client, f"{{ {root}{args} {{ {fields} }} }}", token)
    assert "errors" not in body, body
    return body["data"][root]


async def _graphql_page(client: Any, token: str, type_name: str, root: str, args: str = "") -> list[Any]:
    fields = " ".join(await _scalar_fields(client, token, type_name))
    body = await gql(client, f"{{ {root}{args} {{ total data {{ {fields} }} }} }}", token)
    assert "errors" not in body, body
    return body["data"][root]["data"]  # type: ignore[no-any-return]


def assert_agree(
    rest: dict[str, Any], graphql: dict[str, Any], must_share: set[str], *, formats: set[str] = frozenset()
) -> None:
    """Every field both answers is equal; the fields that matter are among them and set. ``formats``:
    fields whose types differ by dialect (compared by the caller)."""
    shared = set(rest) & set(graphql) - set(formats)
    assert must_share <= shared, f"not shared: {must_share - shared}"
    for name in must_share:
        assert rest[name] is not None, f"{name} is not set: the comparison would prove little"
    differ = {k: (rest[k], graphql[k]) for k in sorted(shared) if rest[k] != graphql[k]}
    assert not differ, f"REST and GraphQL disagree (rest, graphql): {differ}"


@pytest.fixture
async def tenant(factory: Any) -> Tenant:
    return await factory.tenant(timezone=TIMEZONE)  # type: ignore[no-any-return]


async def _post(client: Any, t: Tenant, path: str, body: dict[str, Any]) -> Any:
    response = await client.post(path, json=body, headers=t.headers)
    assert response.status_code == 201, response.text
    return response.json()


def _in_zone(iso: str) -> datetime:
    return datetime.fromisoformat(iso.replace("Z", "+00:00")).astimezone(ZoneInfo(TIMEZONE))


async def test_a_deal_reads_the_same_in_rest_graphql_and_jsend(
    client: Any, factory: Any, tenant: Tenant
) -> None:
    owner = await factory.user(tenant)
    process = await _post(
        client, tenant, "/v1/sales-processes", {"name": "P", "stages": [{"title": "Pilot"}]}
    )
    stages = (await client.get("/v1/sales-process-stages", headers=tenant.headers)).json()["items"]
    eid = unique("006")
    made = await _post(
        client,
        tenant,
        "/v1/deals",
        {
            "name": "Agreeing deal",
            "vendorEntityId": eid,
            "amount": 1234.5,
            "closeDate": "2026-03-01T00:00:00+05:30",  # midnight of the 1st in the organization
            "stage": "Negotiation",
            "closed": True,
            "won": True,
            "ownerUserId": owner.id,
            "salesProcessStageId": stages[0]["id"],
            "accountName": "Acme",
            "accountWebsite": "https://acme.example",
            "opportunityType": "New Business",
            "probability": 80,
            "summary": "Going well",
        },
    )
    rest = (await client.get(f"/v1/deals/{made['id']}", headers=tenant.headers)).json()
    assert rest["salesProcessId"] == process["id"]
    graphql = await _graphql(client, tenant.token, "Deal", "deal", f'(id: "{made["id"]}")')
    assert_agree(
        rest,
        graphql,
        {"id", "uuid", "name", "amount", "closeDate", "stage", "closed", "won", "ownerUserId", "createdAt",
         "updatedAt", "vendorEntityId", "salesProcessId", "salesProcessStageId", "summary", "probability"},
    )  # fmt: skip
    items = ok(await client.get("/api/v1/opportunities/my", headers=tenant.headers))
    opp = next(o for o in items if o["external_opp_id"] == eid)
    assert opp["id"] == rest["uuid"]
    assert (opp["name"], opp["amount"], opp["stage"]) == (rest["name"], rest["amount"], rest["stage"])
    assert opp["active"] == ("0" if rest["closed"] else "1")
    assert (opp["account"], opp["website"], opp["type"]) == ("Acme", "https://acme.example", "New Business")
    local = _in_zone(rest["closeDate"])
    assert local.date().isoformat() == "2026-03-01"
    assert opp["close_date"] == {
        "date": local.strftime("%Y-%m-%d %H:%M:%S.%f"),
        "timezone_type": 3,
        "timezone": TIMEZONE,
    }


async def test_an_imported_opportunity_reads_the_same_everywhere(client: Any, tenant: Tenant) -> None:
    rep = (await client.get("/v1/organization/users", headers=tenant.headers)).json()["items"][0]
    eid = unique("OPP")
    csv = (
        "Opportunity ID,Opportunity Name,Amount,Close Date,Stage,Opportunity Owner Email,Account Name\n"
        f"{eid},Imported,80000,2017-02-15,Closed Won,{rep['email']},Globex\n"
    )
    ok(await upload(client, "opportunities", csv, tenant.headers))
    rest = (await client.get(f"/v1/deals/eid:{eid}", headers=tenant.headers)).json()
    graphql = await _graphql(client, tenant.token, "Deal", "deal", f'(id: "eid:{eid}")')
    assert_agree(
        rest, graphql, {"id", "uuid", "name", "amount", "closeDate", "stage", "closed", "won", "ownerUserId"}
    )
    assert (rest["closed"], rest["won"], rest["ownerUserId"], rest["accountName"]) == (
        True,
        True,
        rep["id"],
        "Globex",
    )
    assert _in_zone(rest["closeDate"]).strftime("%Y-%m-%d %H:%M") == "2017-02-15 00:00"
    opp = next(
        o
        for o in ok(await client.get("/api/v1/opportunities/my", headers=tenant.headers))
        if o["external_opp_id"] == eid
    )
    assert (opp["id"], opp["amount"], opp["active"], opp["stage_system"]) == (
        rest["uuid"],
        80000,
        "0",
        "Closed Won",
    )
    assert opp["close_date"]["date"] == "2017-02-15 00:00:00.000000"


async def test_a_ticket_reads_the_same_in_rest_and_graphql(client: Any, tenant: Tenant) -> None:
    deal = await _post(client, tenant, "/v1/deals", {"name": "D", "amount": 10})
    made = await _post(
        client,
        tenant,
        "/v1/tickets",
        {
            "title": "Export",
            "type": "FEATURE",
            "state": "CLOSED",
            "description": "**Bold** text",
            "targetDueDate": "2026-04-01",
            "labels": ["b", "a"],
            "deals": [{"id": deal["id"], "priority": "BLOCKER"}],
        },
    )
    rest = (await client.get(f"/v1/tickets/{made['id']}", headers=tenant.headers)).json()
    graphql = await _graphql(client, tenant.token, "Ticket", "ticket", f"(id: {made['id']})")
    assert_agree(
        rest,
        graphql,
        {
            "id",
            "title",
            "type",
            "state",
            "description",
            "closedAt",
            "labels",
            "dealAmountSum",
            "createdAt",
            "updatedAt",
        },
    )
    assert rest["labels"] == ["a", "b"] and rest["dealAmountSum"] == 10


async def test_an_evaluation_reads_the_same_in_rest_and_graphql(
    client: Any, factory: Any, tenant: Tenant
) -> None:
    assignee = await factory.user(tenant)
    await _post(
        client, tenant, "/v1/sales-processes", {"name": "P", "stages": [{"title": "s1"}, {"title": "s2"}]}
    )
    stages = (await client.get("/v1/sales-process-stages", headers=tenant.headers)).json()["items"]
    deal = await _post(client, tenant, "/v1/deals", {"name": "D"})
    made = await _post(
        client,
        tenant,
        "/v1/evaluations",
        {
            "title": "POC",
            "dealId": deal["id"],
            "currentStageId": stages[1]["id"],
            "defaultAssigneeUserId": assignee.id,
            "startDate": "2026-01-01T00:00:00+05:30",
            "brandingColorHex": "#112233",
        },
    )
    rest = (await client.get(f"/v1/evaluations/{made['id']}", headers=tenant.headers)).json()
    graphql = await _graphql(client, tenant.token, "Evaluation", "evaluation", f"(id: {made['id']})")
    assert_agree(
        rest,
        graphql,
        {"id", "title", "dealId", "currentStageId", "salesProcessId", "defaultAssigneeUserId", "startDate",
         "currentProcessPositionRank", "accessCode", "brandingColorHex", "createdAt", "updatedAt", "mode"},
    )  # fmt: skip


async def test_a_user_reads_the_same_in_rest_and_graphql(client: Any, factory: Any, tenant: Tenant) -> None:
    user = await factory.user(tenant)
    await client.patch(f"/v1/organization/users/{user.id}", json={"firstName": "Ada"}, headers=tenant.headers)
    rest = (await client.get(f"/v1/user/id/{user.id}", headers=tenant.headers)).json()
    graphql = await _graphql(client, tenant.token, "User", "user", f"(id: {user.id})")
    assert_agree(rest, graphql, {"id", "email", "role", "createdAt", "updatedAt"})


async def test_a_project_and_its_document_read_the_same_in_rest_and_graphql(
    client: Any, tenant: Tenant
) -> None:
    deal = await _post(client, tenant, "/v1/deals", {"name": "D"})
    project = await _post(
        client, tenant, "/v1/projects", {"name": "Files", "description": "d", "dealId": deal["id"]}
    )
    uploaded = await client.post(
        f"/v1/projects/{project['id']}/documents",
        files={"file": ("a.txt", b"agree", "text/plain")},
        headers=tenant.headers,
    )
    assert uploaded.status_code == 201, uploaded.text
    rest = (await client.get(f"/v1/projects/{project['id']}", headers=tenant.headers)).json()
    listed = await _graphql_page(client, tenant.token, "Project", "projects")
    graphql = next(p for p in listed if p["id"] == project["id"])
    assert_agree(rest, graphql, {"id", "name", "description", "dealId", "createdAt", "updatedAt"})
    doc = (
        await client.get(
            f"/v1/projects/{project['id']}/documents/{uploaded.json()['id']}", headers=tenant.headers
        )
    ).json()
    docs = await _graphql_page(client, tenant.token, "Document", "documents", f"(projectId: {project['id']})")
    assert_agree(
        doc, docs[0], {"id", "name", "size", "sha256", "md5", "contentType", "createdAt", "updatedAt"}
    )


async def test_a_contact_reads_the_same_in_rest_and_graphql(client: Any, tenant: Tenant) -> None:
    deal = await _post(client, tenant, "/v1/deals", {"name": "D"})
    made = await _post(
        client,
        tenant,
        "/v1/contacts",
        {
            "email": "ada@acme.example",
            "firstName": "Ada",
            "lastName": "L",
            "title": "CTO",
            "phone": "+1",
            "accountId": "ACC-1",
            "dealId": deal["id"],
        },
    )
    rest = (await client.get(f"/v1/contacts/{made['id']}", headers=tenant.headers)).json()
    listed = await _graphql_page(client, tenant.token, "Contact", "contacts", f"(dealId: {deal['id']})")
    assert len(listed) == 1
    assert_agree(
        rest,
        listed[0],
        {"id", "email", "dealId", "fullName", "title", "phone", "accountId", "createdAt", "updatedAt"},
    )


async def test_a_sales_target_reads_the_same_in_rest_and_graphql(
    client: Any, factory: Any, tenant: Tenant
) -> None:
    rep = await factory.user(tenant)
    made = await _post(
        client, tenant, "/v1/sales-targets", {"userId": rep.id, "month": "2026-01", "amount": 5000}
    )
    rest = (await client.get(f"/v1/sales-targets/{made['id']}", headers=tenant.headers)).json()
    listed = await _graphql_page(client, tenant.token, "SalesTarget", "salesTargets", f"(userId: {rep.id})")
    assert len(listed) == 1
    assert_agree(rest, listed[0], {"id", "userId", "amount", "createdAt", "updatedAt"}, formats={"month"})
    # The month: REST writes 2026-01, GraphQL's type is a Date (the month's first day)
    assert rest["month"] == "2026-01" and listed[0]["month"].startswith("2026-01")
