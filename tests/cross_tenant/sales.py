"""Cross-tenant makers of the sales domain: deals, notes, sales processes, tickets, evaluations,
plan templates, the criteria library."""

from __future__ import annotations

from typing import Any

import httpx


async def _post(factory: Any, other: Any, path: str, body: dict[str, Any]) -> dict[str, Any]:
    from dealbench.app import create_app

    app = create_app(factory.services.settings, factory.services)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
        response = await client.post(path, json=body, headers=other.headers)
        assert response.status_code in {200, 201}, response.text
        return response.json()  # type: ignore[no-any-return]


async def _deal(factory: Any, other: Any) -> dict[str, Any]:
    deal = await _post(factory, other, "/v1/deals", {"name": "other deal"})
    return {"path": {"id": deal["id"]}}


async def _deal_note(factory: Any, other: Any) -> dict[str, Any]:
    made = await _deal(factory, other)
    return {**made, "json": {"title": "note"}}


async def _ticket(factory: Any, other: Any) -> dict[str, Any]:
    ticket = await _post(factory, other, "/v1/tickets", {"title": "t", "type": "BUG", "state": "OPEN"})
    return {"path": {"id": ticket["id"]}}


async def _process(factory: Any, other: Any) -> dict[str, Any]:
    process = await _post(factory, other, "/v1/sales-processes", {"name": "p", "stages": [{"title": "s1"}]})
    return {"path": {"id": process["id"]}}


async def _stage(factory: Any, other: Any) -> dict[str, Any]:
    process = await _post(factory, other, "/v1/sales-processes", {"name": "p"})
    stage = await _post(
        factory, other, "/v1/sales-process-stages", {"salesProcessId": process["id"], "title": "s"}
    )
    return {"path": {"id": stage["id"]}}


ROUTES: dict[str, Any] = {
    "* /v1/deals/{id}": _deal,
    "* /v1/deals/{id}/notes": _deal_note,
    "* /v1/tickets/{id}": _ticket,
    "* /v1/sales-processes/{id}": _process,
    "* /v1/sales-process-stages/{id}": _stage,
}
