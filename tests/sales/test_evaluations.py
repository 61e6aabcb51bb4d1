from __future__ import annotations

from typing import Any

from tests.sales.helpers import make_deal


async def _eval(client: Any, headers: dict[str, str], **fields: Any) -> dict[str, Any]:
    r = await client.post("/v1/evaluations", headers=headers, json={"title": "POC", **fields})
    assert r.status_code == 201, r.text
    return r.json()  # type: ignore[no-any-return]


async def test_evaluation_fields_and_deal_link(client: Any, factory: Any) -> None:
    t = await factory.tenant()
    deal = await make_deal(client, t.headers, vendorEntityId="006ABC")
    ev = await _eval(client, t.headers, dealId="eid:006ABC", mode="DRAFT", brandingColorHex="#112233")
    for key in [
        "id",
        "createdAt",
        "updatedAt",
        "title",
        "description",
        "mode",
        "active",
        "organizationId",
        "createdByUserId",
        "accessCode",
        "buyerAccessLevel",
        "brandingColorHex",
        "startDate",
        "targetEndDate",
        "buyerNotificationsEnabled",
        "currentStageId",
        "currentProcessPositionRank",
        "allProcessesPositionRank",
        "derivedFromTemplateId",
        "salesProcessId",
        "defaultAssigneeUserId",
    ]:
        assert key in ev, key
    assert ev["mode"] == "DRAFT" and ev["buyerAccessLevel"] == "RESTRICTED" and len(ev["accessCode"]) >= 24
    assert ev["dealId"] == deal["id"]
    got = (await client.get(f"/v1/deals/{deal['id']}", headers=t.headers)).json()
    assert got["evaluationId"] == ev["id"]
    # a deal has at most one evaluation
    r = await client.post("/v1/evaluations", headers=t.headers, json={"title": "x", "dealId": deal["id"]})
    assert r.status_code == 409
    r = await client.post("/v1/evaluations", headers=t.headers, json={"title": "x", "dealId": 99999999})
    assert r.status_code == 400 and r.json()["issues"][0]["path"] == ["dealId"]
    r = await client.patch(f"/v1/evaluations/{ev['id']}", headers=t.headers, json={"dealId": None})
    assert r.json()["dealId"] is None
    assert (await client.get(f"/v1/deals/{deal['id']}", headers=t.headers)).json()["evaluationId"] is None
    for bad in ({"mode": "X"}, {"buyerAccessLevel": "PUBLIC"}, {"brandingColorHex": "red"}, {"title": ""}):
        r = await client.patch(f"/v1/evaluations/{ev['id']}", headers=t.headers, json=bad)
        assert r.status_code == 400, bad
    listed = (await client.get("/v1/evaluations", headers=t.headers)).json()
    assert listed["totalCount"] == 1 and listed["items"][0]["progress"]["criteriaTotal"] == 0
    r = await client.delete(f"/v1/evaluations/{ev['id']}", headers=t.headers)
    assert r.json() == {"id": ev["id"]}
    assert (await client.get(f"/v1/evaluations/{ev['id']}", headers=t.headers)).status_code == 404


async def test_plan_content_progress_reorder_and_activity(client: Any, factory: Any) -> None:
    t = await factory.tenant()
    ev = await _eval(client, t.headers)
    base = f"/v1/evaluations/{ev['id']}"
    p1 = (await client.post(f"{base}/phases", headers=t.headers, json={"title": "Setup"})).json()
    p2 = (await client.post(f"{base}/phases", headers=t.headers, json={"title": "Test"})).json()
    assert (p1["position"], p2["position"]) == (0, 1)
    c1 = (
        await client.post(f"{base}/criteria", headers=t.headers, json={"title": "SSO", "phaseId": p1["id"]})
    ).json()
    c2 = (await client.post(f"{base}/criteria", headers=t.headers, json={"title": "Speed"})).json()
    assert c1["outcome"] is None
    r = await client.patch(
        f"{base}/criteria/{c1['id']}", headers=t.headers, json={"outcome": "EXCEEDS", "outcomeNote": "great"}
    )
    body = r.json()
    assert body["outcome"] == "EXCEEDS" and body["outcomeSetByUserId"] == t.admin.id and body["outcomeSetAt"]
    r = await client.patch(f"{base}/criteria/{c1['id']}", headers=t.headers, json={"outcome": "GOOD"})
    assert r.status_code == 400 and r.json()["issues"][0]["code"] == "invalid_enum_value"
    r = await client.post(f"{base}/criteria", headers=t.headers, json={"title": "x", "phaseId": 99999})
    assert r.status_code == 400
    task = (
        await client.post(
            f"{base}/tasks", headers=t.headers, json={"title": "Install", "dueDate": "2030-01-01T00:00:00Z"}
        )
    ).json()
    await client.post(
        f"{base}/tasks", headers=t.headers, json={"title": "Demo", "assigneeUserId": t.admin.id}
    )
    r = await client.put(f"{base}/tasks/{task['id']}", headers=t.headers, json={"completed": True})
    assert r.json()["completed"] is True and r.json()["completedAt"]
    m = await client.post(
        f"{base}/meetings",
        headers=t.headers,
        json={"title": "Kickoff", "startsAt": "2030-01-01T10:00:00Z", "attendeeEmails": ["A@Example.com"]},
    )
    assert m.status_code == 201 and m.json()["attendeeEmails"] == ["a@example.com"]
    bad = await client.post(
        f"{base}/meetings",
        headers=t.headers,
        json={"title": "x", "startsAt": "2030-01-01T10:00:00Z", "attendeeEmails": ["nope"]},
    )
    assert bad.status_code == 400
    ev2 = (await client.get(base, headers=t.headers)).json()
    assert ev2["progress"] == {
        "criteriaTotal": 2,
        "criteriaByOutcome": {"EXCEEDS": 1, "MEETS": 0, "PARTIALLY_MEETS": 0, "DOES_NOT_MEET": 0, "UNSET": 1},
        "tasksTotal": 2,
        "tasksDone": 1,
    }
    r = await client.post(f"{base}/criteria/reorder", headers=t.headers, json={"ids": [c2["id"], c1["id"]]})
    assert [i["id"] for i in r.json()["items"]] == [c2["id"], c1["id"]]
    listed = (await client.get(f"{base}/criteria", headers=t.headers)).json()
    assert [i["id"] for i in listed["items"]] == [c2["id"], c1["id"]]
    r = await client.post(f"{base}/criteria/reorder", headers=t.headers, json={"ids": [c2["id"]]})
    assert r.status_code == 400
    r = await client.delete(f"{base}/phases/{p1['id']}", headers=t.headers)
    assert r.status_code == 200
    crit = (await client.get(f"{base}/criteria", headers=t.headers)).json()["items"]
    assert crit and all(c["phaseId"] is None for c in crit)
    assert (await client.delete(f"{base}/phases/{p1['id']}", headers=t.headers)).status_code == 404
    activity = (await client.get(f"{base}/activity", headers=t.headers)).json()
    actions = [a["action"] for a in activity["items"]]
    assert actions[0] == "evaluation.created"
    assert "criterion.updated" in actions and "criterion.reordered" in actions and "phase.deleted" in actions
    upd = next(a for a in activity["items"] if a["action"] == "criterion.updated")
    assert upd["changes"]["outcome"] == {"from": None, "to": "EXCEEDS"}
    assert upd["userId"] == t.admin.id and upd["tokenId"] == t.token_row.id


async def test_templates_and_criteria_library(client: Any, factory: Any) -> None:
    t = await factory.tenant()
    lib = (
        await client.post(
            "/v1/criteria", headers=t.headers, json={"title": "SSO works", "category": "Security"}
        )
    ).json()
    assert lib["category"] == "Security"
    tpl = await client.post(
        "/v1/plan-templates",
        headers=t.headers,
        json={
            "title": "Standard POC",
            "phases": [
                {
                    "title": "Setup",
                    "criteria": [{"title": "SSO", "libraryCriterionId": lib["id"]}],
                    "tasks": [{"title": "Install"}],
                },
                {"title": "Wrap-up", "tasks": [{"title": "Readout"}]},
            ],
            "criteria": [{"title": "Loose"}],
        },
    )
    assert tpl.status_code == 201, tpl.text
    tpl_id = tpl.json()["id"]
    bad = await client.post(
        "/v1/plan-templates",
        headers=t.headers,
        json={"title": "x", "criteria": [{"title": "y", "libraryCriterionId": 999999}]},
    )
    assert bad.status_code == 400
    d_won = await make_deal(client, t.headers, closed=True, won=True)
    d_lost = await make_deal(client, t.headers, closed=True, won=False)
    ev = await _eval(client, t.headers, templateId=tpl_id, dealId=d_won["id"])
    assert ev["derivedFromTemplateId"] == tpl_id
    base = f"/v1/evaluations/{ev['id']}"
    phases = (await client.get(f"{base}/phases", headers=t.headers)).json()["items"]
    assert [p["title"] for p in phases] == ["Setup", "Wrap-up"]
    crit = (await client.get(f"{base}/criteria", headers=t.headers)).json()["items"]
    assert [(c["title"], c["phaseId"], c["libraryCriterionId"]) for c in crit] == [
        ("SSO", phases[0]["id"], lib["id"]),
        ("Loose", None, None),
    ]
    tasks = (await client.get(f"{base}/tasks", headers=t.headers)).json()["items"]
    assert [x["title"] for x in tasks] == ["Install", "Readout"]
    await client.patch(f"{base}/criteria/{crit[0]['id']}", headers=t.headers, json={"outcome": "MEETS"})
    ev2 = await _eval(client, t.headers, dealId=d_lost["id"])
    r = await client.post(
        f"/v1/criteria/{lib['id']}/add-to-plan", headers=t.headers, json={"evaluationId": ev2["id"]}
    )
    assert (
        r.status_code == 201
        and r.json()["title"] == "SSO works"
        and r.json()["libraryCriterionId"] == lib["id"]
    )
    r = await client.post(
        f"/v1/evaluations/{ev2['id']}/criteria", headers=t.headers, json={"libraryCriterionId": lib["id"]}
    )
    assert r.status_code == 201
    metrics = (await client.get(f"/v1/criteria/{lib['id']}/metrics", headers=t.headers)).json()
    assert metrics == {
        "criterionId": lib["id"],
        "planCount": 2,
        "outcomes": {"EXCEEDS": 0, "MEETS": 1, "PARTIALLY_MEETS": 0, "DOES_NOT_MEET": 0, "UNSET": 2},
        "dealsWon": 1,
        "dealsLost": 1,
        "dealsOpen": 0,
    }
    r = await client.patch(f"/v1/plan-templates/{tpl_id}", headers=t.headers, json={"title": "Renamed"})
    assert r.json()["title"] == "Renamed" and len(r.json()["phases"]) == 2
    assert (await client.get("/v1/plan-templates", headers=t.headers)).json()["totalCount"] == 1
    assert (await client.delete(f"/v1/plan-templates/{tpl_id}", headers=t.headers)).status_code == 200
    assert (await client.get(f"/v1/plan-templates/{tpl_id}", headers=t.headers)).status_code == 404
    assert (await client.get(base, headers=t.headers)).json()["derivedFromTemplateId"] is None
    assert (await client.delete(f"/v1/criteria/{lib['id']}", headers=t.headers)).status_code == 200
    assert (await client.get(f"/v1/criteria/{lib['id']}", headers=t.headers)).status_code == 404
    crit = (await client.get(f"{base}/criteria", headers=t.headers)).json()["items"]
    assert crit[0]["libraryCriterionId"] is None and crit[0]["title"] == "SSO"
