from __future__ import annotations

from typing import Any

from dealbench.models import Role
from tests.factories import unique
from tests.sales.helpers import make_deal

API_FACTS_FIELDS = [
    "id",
    "createdAt",
    "updatedAt",
    "organizationId",
    "createdByUserId",
    "integrationInstallationId",
    "vendorEntityId",
    "vendorEntityUrl",
    "companyVendorEntityId",
    "companyDomain",
    "evaluationId",
    "createdDate",
    "updatedDate",
    "deleted",
    "deletedDate",
    "name",
    "pipeline",
    "stage",
    "amount",
    "expectedRevenue",
    "probability",
    "description",
    "closed",
    "won",
    "closeDate",
    "closedLostReason",
    "closedWonReason",
    "nextStep",
    "stageHistory",
    "pilotEndDate",
    "pilotDurationSeconds",
    "latestStageVendorEntityIdBeforeClosedLost",
    "logoUrl",
    "summary",
    "summaryUpdatedAt",
    "salesProcessId",
    "salesProcessStageId",
    "pilotResult",
]


async def test_deal_fields_and_lookup_by_eid(client: Any, factory: Any) -> None:
    t = await factory.tenant()
    eid = unique("006Hs")
    deal = await make_deal(
        client,
        t.headers,
        vendorEntityId=eid,
        amount=1200.5,
        expectedRevenue=600,
        probability=50,
        closeDate="2030-01-31T00:00:00Z",
        stageHistory=[{"stage": "Discovery"}],
        summary="A summary",
        pilotResult="TECH_WIN",
        accountName="Acme",
        accountWebsite="https://acme.example",
    )
    for key in API_FACTS_FIELDS:
        assert key in deal, key
    assert deal["deleted"] is False and deal["amount"] == 1200.5 and deal["probability"] == 50
    assert deal["closeDate"] == "2030-01-31T00:00:00.000Z"
    assert deal["uuid"] and deal["accountName"] == "Acme"
    assert deal["summaryUpdatedAt"] is not None
    by_eid = (await client.get(f"/v1/deals/eid:{eid}", headers=t.headers)).json()
    assert by_eid["id"] == deal["id"]
    for bad in ("eid:nope", "abc", "0", "99999999", "99999999999", "eid:"):
        assert (await client.get(f"/v1/deals/{bad}", headers=t.headers)).status_code == 404, bad
    r = await client.post("/v1/deals", headers=t.headers, json={"name": "dup", "vendorEntityId": eid})
    assert r.status_code == 409
    r = await client.patch(
        f"/v1/deals/eid:{eid}", headers=t.headers, json={"stage": "Won", "closed": True, "won": True}
    )
    assert r.status_code == 200 and r.json()["stage"] == "Won" and r.json()["won"] is True
    r = await client.put(
        f"/v1/deals/{deal['id']}", headers=t.headers, json={"description": None, "name": None}
    )
    assert r.status_code == 400
    r = await client.put(f"/v1/deals/{deal['id']}", headers=t.headers, json={"amount": None})
    assert r.json()["amount"] is None and r.json()["name"] == deal["name"]


async def test_list_summary_filters_and_soft_delete(client: Any, factory: Any) -> None:
    t = await factory.tenant()
    a = await make_deal(client, t.headers, name="Alpha Corp", stage="Discovery", summary="s")
    b = await make_deal(client, t.headers, name="Beta", stage="Won", closed=True, won=True)
    c = await make_deal(client, t.headers, name="alphabet soup", closed=True)

    async def ids(query: str) -> list[int]:
        r = await client.get(f"/v1/deals?{query}", headers=t.headers)
        assert r.status_code == 200, r.text
        return [i["id"] for i in r.json()["items"]]

    listed = (await client.get("/v1/deals", headers=t.headers)).json()
    assert [i["id"] for i in listed["items"]] == [a["id"], b["id"], c["id"]]
    assert listed["items"][0]["summary"] is None and listed["items"][0]["summaryUpdatedAt"] is None
    with_summary = (await client.get("/v1/deals?includeSummary=true", headers=t.headers)).json()
    assert with_summary["items"][0]["summary"] == "s"
    assert with_summary["items"][0] == (await client.get(f"/v1/deals/{a['id']}", headers=t.headers)).json()
    assert await ids("stage=Won") == [b["id"]]
    assert await ids("closed=true") == [b["id"], c["id"]]
    assert await ids("closed=true&won=false") == [c["id"]]
    assert await ids("q=ALPHA") == [a["id"], c["id"]]
    assert await ids("q=%25") == []
    assert await ids("updatedSince=2000-01-01T00:00:00Z") == [a["id"], b["id"], c["id"]]
    assert await ids("updatedSince=2999-01-01T00:00:00Z") == []
    r = await client.delete(f"/v1/deals/{b['id']}", headers=t.headers)
    assert r.status_code == 200 and r.json()["deleted"] is True and r.json()["deletedDate"]
    assert await ids("") == [a["id"], c["id"]]
    assert await ids("includeDeleted=true") == [a["id"], b["id"], c["id"]]
    assert (await client.get(f"/v1/deals/{b['id']}", headers=t.headers)).json()["deleted"] is True
    for bad in ("includeSummary=maybe", "closed=2", "updatedSince=yesterday", "limit=0"):
        r = await client.get(f"/v1/deals?{bad}", headers=t.headers)
        assert r.status_code == 400, bad


async def test_create_validation(client: Any, factory: Any) -> None:
    t = await factory.tenant()
    for body, path in (
        ({}, ["name"]),
        ({"name": ""}, ["name"]),
        ({"name": "x", "amount": "lots"}, ["amount"]),
        ({"name": "x", "probability": 101}, ["probability"]),
        ({"name": "x", "ownerUserId": 999999}, ["ownerUserId"]),
        ({"name": "x", "salesProcessId": 999999}, ["salesProcessId"]),
        ({"name": "x", "evaluationId": 999999}, ["evaluationId"]),
        ({"name": "x", "logoUrl": "nope"}, ["logoUrl"]),
        ({"name": "x", "closed": None}, ["closed"]),
    ):
        r = await client.post("/v1/deals", headers=t.headers, json=body)
        assert r.status_code == 400, (body, r.text)
        assert r.json()["issues"][0]["path"] == path, r.json()


async def test_notes(client: Any, factory: Any) -> None:
    t = await factory.tenant()
    deal = await make_deal(client, t.headers, vendorEntityId=unique("n"))
    r = await client.post(
        f"/v1/deals/eid:{deal['vendorEntityId']}/notes",
        headers=t.headers,
        json={
            "title": "Call",
            "body": [
                {
                    "type": "p",
                    "children": [{"text": "Went ", "bold": False}, {"text": "well", "italic": True}],
                }
            ],
        },
    )
    assert r.status_code == 201, r.text
    note = r.json()
    assert set(note) == {"id", "createdAt", "updatedAt", "title", "body"}
    assert note["body"] == "Went _well_"
    r = await client.post(
        f"/v1/deals/{deal['id']}/notes", headers=t.headers, json={"title": "md", "body": "# hi"}
    )
    assert r.json()["body"] == "# hi"
    assert (
        await client.post(f"/v1/deals/{deal['id']}/notes", headers=t.headers, json={"title": "x" * 513})
    ).status_code == 400
    assert (
        await client.post(f"/v1/deals/{deal['id']}/notes", headers=t.headers, json={"body": "x"})
    ).status_code == 400
    assert (
        await client.post(f"/v1/deals/{deal['id']}/notes", headers=t.headers, json={"title": "x", "body": 3})
    ).status_code == 400
    listed = (await client.get(f"/v1/deals/{deal['id']}/notes", headers=t.headers)).json()
    assert [n["title"] for n in listed["items"]] == ["Call", "md"] and listed["totalCount"] == 2
    assert (await client.get("/v1/deals/eid:none/notes", headers=t.headers)).status_code == 404


async def test_personal_member_owns_new_deals_and_viewer_reads(client: Any, factory: Any) -> None:
    t = await factory.tenant()
    member, token = await factory.personal(t, Role.MEMBER)
    r = await client.post("/v1/deals", headers={"X-API-Key": token}, json={"name": "mine"})
    assert r.json()["ownerUserId"] == member.id and r.json()["createdByUserId"] == member.id
    _, viewer = await factory.personal(t, Role.VIEWER)
    assert (
        await client.post("/v1/deals", headers={"X-API-Key": viewer}, json={"name": "x"})
    ).status_code == 403
    assert (await client.get("/v1/deals", headers={"X-API-Key": viewer})).status_code == 200
