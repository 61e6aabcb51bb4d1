"""Sales processes and their stages in the Opine dialect: one default process per organization,
ordered stages, soft deletion."""

from __future__ import annotations

from typing import Any

from tests.sales.helpers import make_deal


async def test_sales_processes_and_stages(client: Any, factory: Any) -> None:
    t = await factory.tenant()
    r = await client.post(
        "/v1/sales-processes",
        headers=t.headers,
        json={
            "name": "Enterprise",
            "isDefault": True,
            "stages": [{"title": "Discovery"}, {"title": "POC", "category": "EVALUATION"}],
        },
    )
    assert r.status_code == 201, r.text
    proc = r.json()
    assert set(proc) == {
        "id",
        "createdAt",
        "updatedAt",
        "name",
        "description",
        "isDefault",
        "createdByUserId",
    }
    proc2 = (
        await client.post("/v1/sales-processes", headers=t.headers, json={"name": "SMB", "isDefault": True})
    ).json()
    listed = (await client.get("/v1/sales-processes", headers=t.headers)).json()["items"]
    assert [(p["id"], p["isDefault"]) for p in listed] == [(proc["id"], False), (proc2["id"], True)]
    stages = (
        await client.get(f"/v1/sales-process-stages?salesProcessId={proc['id']}", headers=t.headers)
    ).json()["items"]
    assert [s["title"] for s in stages] == ["Discovery", "POC"]
    assert {"id", "title", "category", "deletedAt"} <= set(stages[0])
    new = await client.post(
        "/v1/sales-process-stages",
        headers=t.headers,
        json={"salesProcessId": proc["id"], "title": "Close", "position": 0},
    )
    assert new.status_code == 201 and new.json()["position"] == 0
    r = await client.post(
        "/v1/sales-process-stages", headers=t.headers, json={"salesProcessId": 99999999, "title": "x"}
    )
    assert r.status_code == 400
    poc = stages[1]
    deal = await make_deal(client, t.headers, salesProcessStageId=poc["id"])
    assert deal["salesProcessId"] == proc["id"]
    r = await client.post(
        "/v1/deals",
        headers=t.headers,
        json={"name": "x", "salesProcessId": proc2["id"], "salesProcessStageId": poc["id"]},
    )
    assert r.status_code == 400
    ev = (
        await client.post(
            "/v1/evaluations", headers=t.headers, json={"title": "p", "currentStageId": poc["id"]}
        )
    ).json()
    assert ev["salesProcessId"] == proc["id"] and ev["currentProcessPositionRank"] == 3
    assert (await client.delete(f"/v1/sales-process-stages/{new.json()['id']}", headers=t.headers)).json()[
        "deletedAt"
    ]
    all_stages = (await client.get("/v1/sales-process-stages?includeDeleted=true", headers=t.headers)).json()
    assert all_stages["totalCount"] == 3
    assert (await client.get("/v1/sales-process-stages", headers=t.headers)).json()["totalCount"] == 2
    r = await client.patch(f"/v1/sales-processes/{proc['id']}", headers=t.headers, json={"name": "Ent"})
    assert r.json()["name"] == "Ent"
    assert (
        await client.patch(f"/v1/sales-processes/{proc['id']}", headers=t.headers, json={"name": None})
    ).status_code == 400
    gone = await client.delete(f"/v1/sales-processes/{proc['id']}", headers=t.headers)
    assert gone.status_code == 200
    assert (await client.get("/v1/sales-processes", headers=t.headers)).json()["totalCount"] == 1
    assert (await client.get("/v1/sales-processes?includeDeleted=true", headers=t.headers)).json()[
        "totalCount"
    ] == 2
