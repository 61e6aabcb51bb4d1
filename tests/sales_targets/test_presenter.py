"""The sales target presenter answers what the REST routes document (the month as ``2025-01``), and
GraphQL the same target with its month as a date."""

from __future__ import annotations

from typing import Any

from dealbench.sales_targets.schemas import SalesTargetOut


async def test_answers_match_the_documented_schema_in_both_dialects(client: Any, factory: Any) -> None:
    t = await factory.tenant()
    made = await client.post(
        "/v1/sales-targets",
        headers=t.headers,
        json={"userId": t.admin.id, "month": "Mar 2026", "amount": 1500},
    )
    assert made.status_code == 201, made.text
    target = made.json()
    assert list(target) == [info.alias for info in SalesTargetOut.model_fields.values()]
    SalesTargetOut.model_validate(target)
    assert (target["month"], target["amount"]) == ("2026-03", 1500.0)
    assert (await client.get(f"/v1/sales-targets/{target['id']}", headers=t.headers)).json() == target
    (listed,) = (await client.get("/v1/sales-targets?monthFrom=2026-03", headers=t.headers)).json()["items"]
    assert listed == target
    fields = " ".join(target)
    r = await client.post(
        "/graphql", headers=t.headers, json={"query": f"{{ salesTargets {{ data {{ {fields} }} total }} }}"}
    )
    assert r.json() == {"data": {"salesTargets": {"data": [{**target, "month": "2026-03-01"}], "total": 1}}}
