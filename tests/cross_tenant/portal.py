"""The buyers and comments of a plan, made through the API (a buyer's comment through the portal's
service, as a signed-in buyer writes it)."""

from __future__ import annotations

from typing import Any

from dealbench.evaluations import portal
from dealbench.kit.uow import transaction
from tests.cross_tenant import Ctx, Made
from tests.cross_tenant.sales import plan
from tests.factories import unique


async def buyer_of(ctx: Ctx, evaluation_id: int) -> dict[str, Any]:
    body = {"email": f"{unique('buyer')}@buyer.example", "name": "Bea Buyer"}
    return await ctx.post(f"/v1/evaluations/{evaluation_id}/buyers", body)  # type: ignore[no-any-return]


async def buyer_comment(ctx: Ctx, evaluation: dict[str, Any]) -> int:
    """A comment a buyer of the plan wrote on a new criterion of it."""
    buyer = await buyer_of(ctx, evaluation["id"])
    criterion = await ctx.post(f"/v1/evaluations/{evaluation['id']}/criteria", {"title": unique("c ")})
    async with transaction(ctx.factory.services.sessionmaker) as session:
        opened = await portal.open_plan(session, evaluation["accessCode"])
        who = portal.Buyer(opened.organization_id, evaluation["id"], buyer["email"], "Bea", "", 0)
        made = await portal.comment(
            session, opened, who, criterion_id=criterion["id"], task_id=None, body="Why?"
        )
        return made.id


async def _plan(ctx: Ctx) -> Made:
    return {"path": {"id": (await plan(ctx))["id"]}, "json": {"email": f"{unique('b')}@buyer.example"}}


async def _buyer(ctx: Ctx) -> Made:
    ev = await plan(ctx)
    return {"path": {"id": ev["id"], "buyerId": (await buyer_of(ctx, ev["id"]))["id"]}}


async def _answer(ctx: Ctx) -> Made:
    ev = await plan(ctx)
    return {"path": {"id": ev["id"]}, "json": {"body": "Because.", "parentId": await buyer_comment(ctx, ev)}}


ROUTES = {
    "* /v1/evaluations/{id}/buyers": _plan,
    "* /v1/evaluations/{id}/buyers/{buyerId}": _buyer,
    "* /v1/evaluations/{id}/buyers/{buyerId}/sign-in-link": _buyer,
    "* /v1/evaluations/{id}/rotate-access-code": _plan,
    "GET /v1/evaluations/{id}/comments": _plan,
    "POST /v1/evaluations/{id}/comments": _answer,
}
