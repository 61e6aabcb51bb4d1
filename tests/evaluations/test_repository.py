"""The batch reads of the evaluations repository: one statement per call (three for the summaries),
grouped by plan in plan order, nothing for an empty page, nothing of another organization."""

from __future__ import annotations

from typing import Any

from dealbench.evaluations.repository import CriterionRepository, EvaluationRepository, TaskRepository
from dealbench.kit.repository import TenantOf
from tests.sales.helpers import make_deal


async def _plan(client: Any, headers: dict[str, str], **fields: Any) -> int:
    r = await client.post("/v1/evaluations", headers=headers, json={"title": "Plan", **fields})
    assert r.status_code == 201, r.text
    return r.json()["id"]  # type: ignore[no-any-return]


async def test_batch_reads_group_by_plan_within_the_organization(
    client: Any, factory: Any, services: Any, count_statements: Any
) -> None:
    t, other = await factory.tenant(), await factory.tenant()
    deal = await make_deal(client, t.headers)
    first = await _plan(client, t.headers, dealId=deal["id"])
    second = await _plan(client, t.headers)
    for title in ("b", "a"):
        await client.post(f"/v1/evaluations/{first}/criteria", headers=t.headers, json={"title": title})
    await client.post(
        f"/v1/evaluations/{second}/criteria", headers=t.headers, json={"title": "c", "outcome": "EXCEEDS"}
    )
    await client.post(
        f"/v1/evaluations/{second}/tasks", headers=t.headers, json={"title": "t", "completed": True}
    )
    ids = [first, second]
    async with services.sessionmaker() as session:
        tenant = TenantOf(t.org.id)
        count_statements.reset()
        criteria = await CriterionRepository(session, tenant).of_plans(ids)
        plans = await EvaluationRepository(session, tenant).by_ids([*ids, 2**40])
        summaries = await EvaluationRepository(session, tenant).summaries(ids)
        assert count_statements.count == 5
        assert await TaskRepository(session, tenant).of_plans([]) == {}
        assert await EvaluationRepository(session, tenant).summaries([]) == {}
        assert count_statements.count == 5  # an empty page asks nothing
        foreign = TenantOf(other.org.id)
        assert await CriterionRepository(session, foreign).of_plans(ids) == {first: [], second: []}
        assert await EvaluationRepository(session, foreign).by_ids(ids) == {}
        assert all(
            s.deal_id is None and s.tasks_total == 0 and not any(s.criteria_by_outcome.values())
            for s in (await EvaluationRepository(session, foreign).summaries(ids)).values()
        )
    assert [c.title for c in criteria[first]] == ["b", "a"]
    assert [c.title for c in criteria[second]] == ["c"]
    assert sorted(plans) == ids
    assert summaries[first].deal_id == deal["id"] and summaries[second].deal_id is None
    assert summaries[first].criteria_by_outcome["UNSET"] == 2
    assert summaries[second].criteria_by_outcome["EXCEEDS"] == 1
    assert (summaries[second].tasks_total, summaries[second].tasks_done) == (1, 1)
