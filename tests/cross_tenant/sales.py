"""Deals, notes, sales processes, tickets, evaluation plans and their content, plan templates and
the criteria library of a tenant, made through the API."""

from __future__ import annotations

from typing import Any

from tests.cross_tenant import Ctx, Made, Maker
from tests.factories import unique

KINDS = ("phases", "criteria", "tasks", "meetings")


def item_body(kind: str) -> dict[str, Any]:
    body: dict[str, Any] = {"title": unique(f"{kind} ")}
    if kind == "meetings":
        body["startsAt"] = "2030-01-01T10:00:00Z"
    return body


async def _deal(ctx: Ctx) -> Made:
    deal = await ctx.post("/v1/deals", {"name": unique("deal ")})
    return {"path": {"id": deal["id"]}}


async def _deal_note(ctx: Ctx) -> Made:
    return {**(await _deal(ctx)), "json": {"title": "note"}}


async def _ticket(ctx: Ctx) -> Made:
    ticket = await ctx.post("/v1/tickets", {"title": unique("t "), "type": "BUG", "state": "OPEN"})
    return {"path": {"id": ticket["id"]}}


async def _process(ctx: Ctx) -> Made:
    process = await ctx.post("/v1/sales-processes", {"name": unique("p "), "stages": [{"title": "s1"}]})
    return {"path": {"id": process["id"]}}


async def _stage(ctx: Ctx) -> Made:
    process = await ctx.post("/v1/sales-processes", {"name": unique("p ")})
    stage = await ctx.post("/v1/sales-process-stages", {"salesProcessId": process["id"], "title": "s"})
    return {"path": {"id": stage["id"]}}


async def plan(ctx: Ctx) -> dict[str, Any]:
    return await ctx.post("/v1/evaluations", {"title": unique("plan ")})  # type: ignore[no-any-return]


async def _evaluation(ctx: Ctx) -> Made:
    return {"path": {"id": (await plan(ctx))["id"]}}


def _add_item(kind: str) -> Maker:
    async def make(ctx: Ctx) -> Made:
        return {**(await _evaluation(ctx)), "json": item_body(kind)}

    return make


def _reorder(kind: str) -> Maker:
    async def make(ctx: Ctx) -> Made:
        ev = await plan(ctx)
        ids = [
            (await ctx.post(f"/v1/evaluations/{ev['id']}/{kind}", item_body(kind)))["id"] for _ in range(2)
        ]
        return {"path": {"id": ev["id"]}, "json": {"ids": ids[::-1]}}

    return make


def _item(kind: str) -> Maker:
    async def make(ctx: Ctx) -> Made:
        ev = await plan(ctx)
        item = await ctx.post(f"/v1/evaluations/{ev['id']}/{kind}", item_body(kind))
        return {"path": {"id": ev["id"], "itemId": item["id"]}}

    return make


async def _save_as_template(ctx: Ctx) -> Made:
    return {**(await _evaluation(ctx)), "json": {"title": unique("tpl ")}}


async def _template(ctx: Ctx) -> Made:
    tpl = await ctx.post("/v1/plan-templates", {"title": unique("tpl ")})
    return {"path": {"id": tpl["id"]}}


async def _library(ctx: Ctx) -> Made:
    lib = await ctx.post("/v1/criteria", {"title": unique("c ")})
    return {"path": {"id": lib["id"]}}


async def _add_to_plan(ctx: Ctx) -> Made:
    made = await _library(ctx)
    return {**made, "json": {"evaluationId": (await plan(ctx))["id"]}}


ROUTES: dict[str, Maker] = {
    "* /v1/deals/{id}": _deal,
    "* /v1/deals/{id}/notes": _deal_note,
    "* /v1/tickets/{id}": _ticket,
    "* /v1/sales-processes/{id}": _process,
    "* /v1/sales-process-stages/{id}": _stage,
    "* /v1/evaluations/{id}": _evaluation,
    "GET /v1/evaluations/{id}/activity": _evaluation,
    "POST /v1/evaluations/{id}/save-as-template": _save_as_template,
    "* /v1/plan-templates/{id}": _template,
    "* /v1/criteria/{id}": _library,
    "GET /v1/criteria/{id}/metrics": _library,
    "POST /v1/criteria/{id}/add-to-plan": _add_to_plan,
}
for _kind in KINDS:
    ROUTES[f"GET /v1/evaluations/{{id}}/{_kind}"] = _evaluation
    ROUTES[f"POST /v1/evaluations/{{id}}/{_kind}"] = _add_item(_kind)
    ROUTES[f"POST /v1/evaluations/{{id}}/{_kind}/reorder"] = _reorder(_kind)
    ROUTES[f"* /v1/evaluations/{{id}}/{_kind}/{{itemId}}"] = _item(_kind)
