"""Imports, contacts and sales targets of a tenant, made through the API."""

from __future__ import annotations

from tests.cross_tenant import Ctx, Made, Maker
from tests.factories import unique

#: One good row and one rejected row (an amount that is not a number): the import keeps an error file.
CSV = b"Opportunity ID,Opportunity Name,Amount\nX1,Good,1\nX2,Bad,lots\n"


def _csv() -> dict[str, tuple[str, bytes, str]]:
    return {"file": ("opps.csv", CSV, "text/csv")}


async def _import_run(ctx: Ctx) -> Made:
    run = await ctx.call("POST", "/v1/imports/opportunities", files=_csv())
    assert run["totalErrorRows"] == 1, run
    return {"path": {"import_id": run["id"], "id": run["id"]}}


async def _import_kind(ctx: Ctx) -> Made:
    return {"path": {"kind": "opportunities"}, "files": _csv()}


async def _contact(ctx: Ctx) -> Made:
    contact = await ctx.post("/v1/contacts", {"email": f"{unique('c')}@example.com"})
    return {"path": {"id": contact["id"]}, "json": {"title": "CTO"}}


async def _deal(ctx: Ctx) -> Made:
    deal = await ctx.post("/v1/deals", {"name": unique("deal "), "vendorEntityId": unique("opp")})
    return {"path": {"id": deal["id"]}}


async def _target(ctx: Ctx) -> Made:
    rep = await ctx.factory.user(ctx.tenant)
    target = await ctx.post("/v1/sales-targets", {"userId": rep.id, "month": "2025-01", "amount": 1000})
    return {"path": {"id": target["id"]}, "json": {"amount": 5}}


ROUTES: dict[str, Maker] = {
    "GET /api/v1/admin/imports/{import_id}/error-file": _import_run,
    "GET /v1/imports/{id}/errors": _import_run,
    "POST /v1/imports/{kind}": _import_kind,
    "* /v1/contacts/{id}": _contact,
    "GET /v1/deals/{id}/contacts": _deal,
    "* /v1/sales-targets/{id}": _target,
}

NOT_OBJECTS = {
    "POST /v1/imports/{kind}": "the kind names a file format (opportunities, contacts, salestargets), "
    "not an object of a tenant",
}
