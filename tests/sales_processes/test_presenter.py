"""The sales process presenter answers what the REST routes document, and a list runs one statement."""

from __future__ import annotations

from typing import Any

from dealbench.sales_processes.schemas import SalesProcessOut, StageOut


async def test_answers_match_the_documented_schemas(client: Any, factory: Any) -> None:
    t = await factory.tenant()
    made = await client.post(
        "/v1/sales-processes", headers=t.headers, json={"name": "P", "stages": [{"title": "Discovery"}]}
    )
    assert made.status_code == 201, made.text
    process = made.json()
    assert list(process) == [info.alias for info in SalesProcessOut.model_fields.values()]
    SalesProcessOut.model_validate(process)
    (stage,) = (await client.get("/v1/sales-process-stages", headers=t.headers)).json()["items"]
    assert list(stage) == [info.alias for info in StageOut.model_fields.values()]
    assert stage["salesProcessId"] == process["id"] and stage["position"] == 0
    StageOut.model_validate(stage)


async def test_lists_run_one_statement_whatever_the_limit(
    client: Any, factory: Any, count_statements: Any
) -> None:
    t = await factory.tenant()
    for i in range(6):
        await client.post(
            "/v1/sales-processes", headers=t.headers, json={"name": f"p{i}", "stages": [{"title": "s"}]}
        )
    for path in ("/v1/sales-processes", "/v1/sales-process-stages"):
        counts = []
        for limit in (1, 3, 100):
            await client.get(f"{path}?limit=1", headers=t.headers)  # warm the token's lastUsedAt
            count_statements.reset()
            r = await client.get(f"{path}?limit={limit}", headers=t.headers)
            assert r.status_code == 200 and len(r.json()["items"]) == min(limit, 6)
            assert r.json()["totalCount"] == 6
            counts.append(count_statements.count)
        assert counts[0] == counts[1] == counts[2], counts
        assert counts[0] <= 2, count_statements.statements  # token, the page with its total
