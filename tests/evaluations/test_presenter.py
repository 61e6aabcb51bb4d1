"""The evaluations presenter answers what the REST routes document: every resource's keys in the
order of its ``OutModel``, with values its schema accepts — the dicts GraphQL answers too."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from dealbench.evaluations import schemas as s
from tests.sales.helpers import make_deal


def _documented(answer: dict[str, Any], model: type[BaseModel]) -> None:
    assert list(answer) == [info.alias or name for name, info in model.model_fields.items()]
    model.model_validate(answer)


async def test_answers_match_the_documented_schemas(client: Any, factory: Any) -> None:
    t = await factory.tenant()
    h = t.headers
    deal = await make_deal(client, h)
    lib = (await client.post("/v1/criteria", headers=h, json={"title": "SSO", "category": "security"})).json()
    _documented(lib, s.LibraryCriterionOut)
    template = await client.post(
        "/v1/plan-templates",
        headers=h,
        json={
            "title": "POC",
            "phases": [{"title": "Setup", "criteria": [{"title": "SSO", "libraryCriterionId": lib["id"]}]}],
            "tasks": [{"title": "Kickoff"}],
        },
    )
    assert template.status_code == 201, template.text
    _documented(template.json(), s.PlanTemplateOut)
    made = await client.post(
        "/v1/evaluations",
        headers=h,
        json={"title": "Plan", "dealId": deal["id"], "templateId": template.json()["id"]},
    )
    assert made.status_code == 201, made.text
    plan = made.json()
    _documented(plan, s.EvaluationOut)
    assert plan["dealId"] == deal["id"]
    assert plan["progress"] == {
        "criteriaTotal": 1,
        "criteriaByOutcome": {"EXCEEDS": 0, "MEETS": 0, "PARTIALLY_MEETS": 0, "DOES_NOT_MEET": 0, "UNSET": 1},
        "tasksTotal": 1,
        "tasksDone": 0,
    }
    base = f"/v1/evaluations/{plan['id']}"
    bodies = {
        "phases": ({"title": "Wrap-up"}, s.PhaseOut),
        "criteria": ({"title": "Speed", "outcome": "MEETS"}, s.CriterionOut),
        "tasks": ({"title": "Report", "completed": True}, s.TaskOut),
        "meetings": (
            {"title": "Demo", "startsAt": "2025-10-30T12:55:20.367Z", "attendeeEmails": ["a@b.example"]},
            s.MeetingOut,
        ),
    }
    for path, (body, model) in bodies.items():
        added = await client.post(f"{base}/{path}", headers=h, json=body)
        assert added.status_code == 201, added.text
        _documented(added.json(), model)
        listed = (await client.get(f"{base}/{path}", headers=h)).json()
        for item in listed["items"]:
            _documented(item, model)
    _documented((await client.get(base, headers=h)).json(), s.EvaluationOut)
    for entry in (await client.get(f"{base}/activity", headers=h)).json()["items"]:
        _documented(entry, s.ActivityOut)
    for listed in (await client.get("/v1/evaluations", headers=h)).json()["items"]:
        _documented(listed, s.EvaluationOut)
    metrics = (await client.get(f"/v1/criteria/{lib['id']}/metrics", headers=h)).json()
    _documented(metrics, s.CriterionMetrics)
    assert metrics["planCount"] == 1 and metrics["dealsOpen"] == 1
    added = await client.post(
        f"/v1/criteria/{lib['id']}/add-to-plan", headers=h, json={"evaluationId": plan["id"]}
    )
    assert added.status_code == 201, added.text
    _documented(added.json(), s.CriterionOut)
    assert added.json()["libraryCriterionId"] == lib["id"] and added.json()["title"] == "SSO"
