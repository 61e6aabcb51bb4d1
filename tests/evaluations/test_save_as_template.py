"""``POST /v1/evaluations/{id}/save-as-template``: a template holding a copy of a plan's content."""

from __future__ import annotations

import httpx

from tests.factories import Factory


async def test_a_plan_saved_as_a_template_keeps_its_structure_not_its_outcomes(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    tenant = await factory.tenant()
    h = tenant.headers

    async def post(path: str, body: dict[str, object]) -> dict[str, object]:
        made = await client.post(path, json=body, headers=h)
        assert made.status_code == 201, made.text
        return made.json()  # type: ignore[no-any-return]

    lib = await post("/v1/criteria", {"title": "SSO"})
    plan = await post("/v1/evaluations", {"title": "Acme"})
    base = f"/v1/evaluations/{plan['id']}"
    phase = await post(f"{base}/phases", {"title": "Pilot", "description": "Two weeks"})
    await post(
        f"{base}/criteria", {"libraryCriterionId": lib["id"], "phaseId": phase["id"], "outcome": "MEETS"}
    )
    await post(f"{base}/criteria", {"title": "Audit log"})
    await post(f"{base}/tasks", {"title": "Kickoff", "phaseId": phase["id"], "completed": True})
    await post(f"{base}/tasks", {"title": "Wrap-up"})
    saved = await post(f"{base}/save-as-template", {"title": "Pilot playbook"})
    assert saved["title"] == "Pilot playbook"
    assert saved["phases"] == [
        {
            "title": "Pilot",
            "description": "Two weeks",
            "criteria": [{"title": "SSO", "description": None, "libraryCriterionId": lib["id"]}],
            "tasks": [{"title": "Kickoff", "description": None}],
        }
    ]
    assert saved["criteria"] == [{"title": "Audit log", "description": None, "libraryCriterionId": None}]
    assert saved["tasks"] == [{"title": "Wrap-up", "description": None}]
    again = await post("/v1/evaluations", {"title": "Globex", "templateId": saved["id"]})
    assert again["progress"]["criteriaTotal"] == 2 and again["progress"]["tasksDone"] == 0
    missing = await client.post("/v1/evaluations/999999/save-as-template", json={"title": "x"}, headers=h)
    assert missing.status_code == 404
    untitled = await client.post(f"{base}/save-as-template", json={}, headers=h)
    assert untitled.status_code == 400
