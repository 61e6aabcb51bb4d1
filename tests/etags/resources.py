"""The /v1 resources with a single-object GET, for the ETag tests: how to make one, change it
(another client's write), change its labels, links or items, update it and delete it."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import update

from dealbench.models import User
from tests.cross_tenant import Ctx
from tests.cross_tenant.events import _app, _webhook_id
from tests.factories import unique

Change = Callable[[Any], Awaitable[None]]


@dataclass
class Made:
    path: str
    #: Another client's write: changes the representation.
    change: Change
    #: The body of an update (PATCH/PUT/POST on update_path, default path); None: no update route.
    update: dict[str, Any] | None = None
    update_path: str | None = None
    methods: tuple[str, ...] = ("PATCH", "PUT", "POST")
    delete_path: str | None = None
    #: Changes the object's labels, links or items only; None when it has none.
    relations: Change | None = None
    #: A body field that differs per concurrent writer (the race tests): i -> {field: value}.
    distinct: Callable[[int], dict[str, Any]] = lambda i: {}


def _writer(ctx: Ctx, method: str, path: str, body: Any = None, **kwargs: Any) -> Change:
    async def write(_client: Any) -> None:
        await ctx.call(method, path, json=body, **kwargs) if body is not None else await ctx.call(
            method, path, **kwargs
        )

    return write


def _updatable(
    ctx: Ctx, path: str, change: dict[str, Any], update: dict[str, Any], key: str, **more: Any
) -> Made:
    return Made(
        path=path,
        change=_writer(ctx, "PATCH", path, change),
        update=update,
        distinct=lambda i: {key: f"writer {i}"},
        delete_path=path,
        **more,
    )


async def deal(ctx: Ctx) -> Made:
    d = await ctx.post("/v1/deals", {"name": unique("Deal ")})
    plan = await ctx.post("/v1/evaluations", {"title": unique("Plan ")})
    path = f"/v1/deals/{d['id']}"
    relations = _writer(ctx, "PATCH", path, {"evaluationId": plan["id"]})
    return _updatable(ctx, path, {"stage": unique("s-")}, {"name": unique("D ")}, "name", relations=relations)


async def deal_by_eid(ctx: Ctx) -> Made:
    eid = unique("006E")
    await ctx.post("/v1/deals", {"name": unique("Deal "), "vendorEntityId": eid})
    path = f"/v1/deals/eid:{eid}"
    return _updatable(ctx, path, {"stage": unique("s-")}, {"name": unique("D ")}, "name")


async def ticket(ctx: Ctx) -> Made:
    d = await ctx.post("/v1/deals", {"name": unique("Deal ")})
    t = await ctx.post(
        "/v1/tickets", {"title": unique("T "), "type": "BUG", "state": "OPEN", "labels": ["a"]}
    )
    path = f"/v1/tickets/{t['id']}"
    links = _writer(ctx, "PATCH", path, {"deals": [{"id": d["id"], "priority": "BLOCKER"}]})
    made = _updatable(ctx, path, {"labels": ["a", "b"]}, {"title": unique("T ")}, "title", relations=links)
    return made


async def evaluation(ctx: Ctx) -> Made:
    plan = await ctx.post("/v1/evaluations", {"title": unique("Plan ")})
    path = f"/v1/evaluations/{plan['id']}"
    items = _writer(ctx, "POST", f"{path}/criteria", {"title": unique("criterion ")})
    return _updatable(
        ctx, path, {"description": unique("d ")}, {"title": unique("P ")}, "title", relations=items
    )


async def plan_template(ctx: Ctx) -> Made:
    made = await ctx.post("/v1/plan-templates", {"title": unique("T ")})
    path = f"/v1/plan-templates/{made['id']}"
    return _updatable(ctx, path, {"description": unique("d ")}, {"title": unique("T ")}, "title")


async def library_criterion(ctx: Ctx) -> Made:
    made = await ctx.post("/v1/criteria", {"title": unique("SSO "), "category": "x"})
    path = f"/v1/criteria/{made['id']}"
    return _updatable(ctx, path, {"category": unique("c")}, {"title": unique("T ")}, "title")


async def contact(ctx: Ctx) -> Made:
    made = await ctx.post("/v1/contacts", {"email": f"{unique('c')}@example.com"})
    path = f"/v1/contacts/{made['id']}"
    return _updatable(ctx, path, {"title": unique("CTO ")}, {"firstName": unique("F")}, "firstName")


async def sales_target(ctx: Ctx) -> Made:
    made = await ctx.post(
        "/v1/sales-targets", {"userId": ctx.tenant.admin.id, "month": "2025-01", "amount": 1}
    )
    path = f"/v1/sales-targets/{made['id']}"
    made_ = _updatable(ctx, path, {"amount": 7}, {"amount": 9}, "amount")
    made_.distinct = lambda i: {"amount": 100 + i}
    return made_


async def sales_process(ctx: Ctx) -> Made:
    made = await ctx.post("/v1/sales-processes", {"name": unique("P ")})
    path = f"/v1/sales-processes/{made['id']}"
    return _updatable(ctx, path, {"description": unique("d ")}, {"name": unique("P ")}, "name")


async def sales_process_stage(ctx: Ctx) -> Made:
    process = await ctx.post("/v1/sales-processes", {"name": unique("P ")})
    made = await ctx.post("/v1/sales-process-stages", {"salesProcessId": process["id"], "title": "s"})
    path = f"/v1/sales-process-stages/{made['id']}"
    return _updatable(ctx, path, {"title": unique("s ")}, {"title": unique("S ")}, "title")


async def webhook(ctx: Ctx) -> Made:
    path = f"/v1/webhooks/{await _webhook_id(ctx, ['deal.created'])}"
    return _updatable(ctx, path, {"events": ["deal.updated"]}, {"description": unique("d ")}, "description")


async def app(ctx: Ctx) -> Made:
    made = await _app(installed=False)(ctx)
    path = f"/v1/apps/{made['path']['id']}"
    return Made(path=path, change=_writer(ctx, "POST", f"{path}/install"))


async def user(ctx: Ctx) -> Made:
    made = await ctx.post("/v1/users", {"email": f"{unique('u')}@example.com", "role": "MEMBER"})

    async def renamed(_client: Any) -> None:  # no /v1 route changes a user: the web app's profile page does
        async with ctx.factory.services.sessionmaker() as session:
            await session.execute(update(User).where(User.id == made["id"]).values(first_name=unique("F")))
            await session.commit()

    return Made(
        path=f"/v1/user/id/{made['id']}",
        change=renamed,
        delete_path=f"/v1/organization/users/{made['id']}",
    )


async def organization(ctx: Ctx) -> Made:
    path = "/v1/organization"
    return Made(
        path=path,
        change=_writer(ctx, "PATCH", path, {"currency": "EUR"}),
        update={"name": unique("Org ")},
        distinct=lambda i: {"name": f"writer {i}"},
    )


async def project(ctx: Ctx) -> Made:
    made = await ctx.post("/v1/projects", {"name": unique("P ")})
    path = f"/v1/projects/{made['id']}"
    return _updatable(ctx, path, {"description": unique("d ")}, {"name": unique("P ")}, "name")


async def document_template(ctx: Ctx) -> Made:
    made = await ctx.post("/v1/templates", {"name": unique("tpl ")})
    path = f"/v1/templates/{made['id']}"
    return _updatable(ctx, path, {"description": unique("d ")}, {"name": unique("T ")}, "name")


async def document(ctx: Ctx) -> Made:
    pid = (await ctx.post("/v1/projects", {"name": unique("P ")}))["id"]
    doc = await ctx.upload(f"/v1/projects/{pid}/documents")
    path = f"/v1/projects/{pid}/documents/{doc['id']}"
    field = f"{path}/fields/description"
    return Made(
        path=path,
        change=_writer(ctx, "PUT", field, {"value": unique("d ")}),
        update={"value": unique("described ")},
        update_path=field,
        methods=("PUT",),
        delete_path=path,
        relations=_writer(ctx, "PUT", f"{path}/fields/name", {"value": unique("n ")}),
        distinct=lambda i: {"value": f"writer {i}"},
    )


async def folder(ctx: Ctx) -> Made:
    pid = (await ctx.post("/v1/projects", {"name": unique("P ")}))["id"]
    made = await ctx.post(f"/v1/projects/{pid}/folders", {"name": unique("f")})
    child = _writer(ctx, "POST", f"/v1/projects/{pid}/folders", {"name": unique("c"), "parentId": made["id"]})
    return Made(path=f"/v1/projects/{pid}/folders/{made['id']}", change=child)


RESOURCES: dict[str, Callable[[Ctx], Awaitable[Made]]] = {
    "deal": deal,
    "deal by eid": deal_by_eid,
    "ticket": ticket,
    "evaluation": evaluation,
    "plan template": plan_template,
    "library criterion": library_criterion,
    "contact": contact,
    "sales target": sales_target,
    "sales process": sales_process,
    "sales process stage": sales_process_stage,
    "webhook": webhook,
    "app": app,
    "user": user,
    "organization": organization,
    "project": project,
    "document template": document_template,
    "document": document,
    "folder": folder,
}
