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


async def _evaluation(factory: Any, other: Any) -> dict[str, Any]:
    ev = await _post(factory, other, "/v1/evaluations", {"title": "plan"})
    return {"path": {"id": ev["id"], "itemId": 1}}


def _with(maker: Any, body: dict[str, Any]) -> Any:
    async def make(factory: Any, other: Any) -> dict[str, Any]:
        return {**(await maker(factory, other)), "json": body}

    return make


async def _evaluation_item(factory: Any, other: Any) -> dict[str, Any]:
    """Another tenant's plan item, reached through this tenant's own plan (404 as well)."""
    ev = await _post(factory, other, "/v1/evaluations", {"title": "plan"})
    phase = await _post(factory, other, f"/v1/evaluations/{ev['id']}/phases", {"title": "p"})
    return {"path": {"id": ev["id"], "itemId": phase["id"]}, "json": {}}


async def _template(factory: Any, other: Any) -> dict[str, Any]:
    tpl = await _post(factory, other, "/v1/plan-templates", {"title": "t"})
    return {"path": {"id": tpl["id"]}}


async def _library(factory: Any, other: Any) -> dict[str, Any]:
    lib = await _post(factory, other, "/v1/criteria", {"title": "c"})
    return {"path": {"id": lib["id"]}}


for _kind in ("phases", "criteria", "tasks", "meetings"):
    ROUTES[f"GET /v1/evaluations/{{id}}/{_kind}"] = _evaluation
    ROUTES[f"POST /v1/evaluations/{{id}}/{_kind}"] = _with(
        _evaluation,
        {"title": "x", "startsAt": "2030-01-01T00:00:00Z"} if _kind == "meetings" else {"title": "x"},
    )
    ROUTES[f"POST /v1/evaluations/{{id}}/{_kind}/reorder"] = _with(_evaluation, {"ids": [1]})
    ROUTES[f"* /v1/evaluations/{{id}}/{_kind}/{{itemId}}"] = _evaluation_item
ROUTES.update(
    {
        "* /v1/evaluations/{id}": _evaluation,
        "GET /v1/evaluations/{id}/activity": _evaluation,
        "* /v1/plan-templates/{id}": _template,
        "* /v1/criteria/{id}": _library,
        "GET /v1/criteria/{id}/metrics": _library,
        "POST /v1/criteria/{id}/add-to-plan": _with(_library, {"evaluationId": 1}),
    }
)
