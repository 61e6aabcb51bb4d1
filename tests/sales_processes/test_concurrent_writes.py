"""Concurrent writes of one object are atomic and serial: every request answers (never a 500), and
the final state is exactly that of one request (the last to take the object's lock).

The requests run really concurrently: ``asyncio.gather`` through the ASGI app onto the pooled
engine (PostgreSQL row locks; SQLite writers queue on ``BEGIN IMMEDIATE``).
"""

from __future__ import annotations

import asyncio
from typing import Any


def _no_server_error(responses: list[Any]) -> None:
    errors = [(r.status_code, r.text[:200]) for r in responses if r.status_code >= 500]
    assert not errors, errors


async def test_concurrent_stage_creations_and_default_processes(client: Any, factory: Any) -> None:
    t = await factory.tenant()
    process = (await client.post("/v1/sales-processes", headers=t.headers, json={"name": "P"})).json()
    stages = await asyncio.gather(
        *(
            client.post(
                "/v1/sales-process-stages",
                headers=t.headers,
                json={"salesProcessId": process["id"], "title": f"s{i}"},
            )
            for i in range(20)
        )
    )
    _no_server_error(stages)
    listed = (
        await client.get(f"/v1/sales-process-stages?salesProcessId={process['id']}", headers=t.headers)
    ).json()["items"]
    assert sorted(s["position"] for s in listed) == list(range(20))
    processes = [
        (await client.post("/v1/sales-processes", headers=t.headers, json={"name": f"p{i}"})).json()
        for i in range(8)
    ]
    responses = await asyncio.gather(
        *(
            client.patch(f"/v1/sales-processes/{p['id']}", headers=t.headers, json={"isDefault": True})
            for p in processes
        )
    )
    _no_server_error(responses)
    everything = (await client.get("/v1/sales-processes?limit=1000", headers=t.headers)).json()["items"]
    assert sum(p["isDefault"] for p in everything) == 1
