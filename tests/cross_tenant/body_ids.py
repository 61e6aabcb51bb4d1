"""Every id a request body can carry, on every write route, with what the two-sided check needs.

For each entry and each of its routes, ``tests/test_body_ids.py`` builds the route's objects in one
tenant and sends the request twice with that tenant's token: with an id of an object of *another*
organization at ``field`` (must be 400 with a Zod issue at exactly that body path, and the object or
list read back from ``read`` must be unchanged), then with an id of its own (must be 2xx).

``tests/test_body_ids.py`` also walks the request-body schemas of the OpenAPI document: a field
ending in ``Id``/``Ids`` (or named ``id``/``ids``) that is neither listed here nor in
``NOT_REFERENCES`` fails, so a new reference field cannot go unchecked.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from tests.cross_tenant import Ctx
from tests.cross_tenant.portal import buyer_comment, buyer_of
from tests.cross_tenant.sales import item_body, plan
from tests.factories import unique

Ref = Callable[[Ctx], Awaitable[Any]]
Body = Callable[[Any], dict[str, Any]]


@dataclass
class Setup:
    """The objects of one route: its path values, the body around the id, where to read back."""

    path: dict[str, Any]
    body: Body
    read: str
    #: This tenant's id to use instead of ``Entry.ref`` (when it must belong to the route's object).
    mine: Any = None
    files: dict[str, Any] | None = None


@dataclass
class Entry:
    routes: tuple[str, ...]
    field: tuple[str | int, ...]
    ref: Ref
    setup: Callable[[Ctx], Awaitable[Setup]]
    #: Form fields (multipart) instead of JSON: not in OpenAPI's JSON bodies, listed by hand.
    form: bool = False
    ids: list[str] = field(default_factory=list)


UPDATE = ("PUT", "PATCH", "POST")


def _routes(methods: tuple[str, ...] | str, path: str) -> tuple[str, ...]:
    return tuple(f"{m} {path}" for m in ((methods,) if isinstance(methods, str) else methods))


def _put(target: Any, path: tuple[str | int, ...], value: Any) -> Any:
    """``target`` (a copy) with ``value`` at ``path``; lists hold one element, made when missing."""
    if not path:
        return value
    head, rest = path[0], path[1:]
    if isinstance(head, int):
        items = list(target or [{}])
        items[head] = _put(items[head], rest, value)
        return items
    out = dict(target or {})
    out[head] = _put(out.get(head), rest, value)
    return out


def _merge(base: dict[str, Any], path: tuple[str | int, ...]) -> Body:
    return lambda value: _put(base, path, value)  # type: ignore[no-any-return]


# --------------------------------------------------------------------------- referenced objects


async def user(ctx: Ctx) -> int:
    return (await ctx.factory.user(ctx.tenant)).id


async def process(ctx: Ctx) -> int:
    return (await ctx.post("/v1/sales-processes", {"name": unique("p ")}))["id"]  # type: ignore[no-any-return]


async def stage(ctx: Ctx) -> int:
    made = await ctx.post("/v1/sales-processes", {"name": unique("p "), "stages": [{"title": "s"}]})
    stages = await ctx.call("GET", "/v1/sales-process-stages", params={"salesProcessId": made["id"]})
    return stages["items"][0]["id"]  # type: ignore[no-any-return]


async def evaluation(ctx: Ctx) -> int:
    return (await plan(ctx))["id"]  # type: ignore[no-any-return]


async def deal(ctx: Ctx) -> int:
    return (await ctx.post("/v1/deals", {"name": unique("deal ")}))["id"]  # type: ignore[no-any-return]


async def plan_template(ctx: Ctx) -> int:
    return (await ctx.post("/v1/plan-templates", {"title": unique("tpl ")}))["id"]  # type: ignore[no-any-return]


async def library_criterion(ctx: Ctx) -> int:
    return (await ctx.post("/v1/criteria", {"title": unique("lib ")}))["id"]  # type: ignore[no-any-return]


async def doc_template(ctx: Ctx) -> int:
    return (await ctx.post("/v1/templates", {"name": unique("tpl ")}))["id"]  # type: ignore[no-any-return]


async def project(ctx: Ctx) -> int:
    return (await ctx.post("/v1/projects", {"name": unique("project ")}))["id"]  # type: ignore[no-any-return]


async def folder(ctx: Ctx) -> int:
    pid = await project(ctx)
    return (await ctx.post(f"/v1/projects/{pid}/folders", {"name": unique("F")}))["id"]  # type: ignore[no-any-return]


def item(kind: str) -> Ref:
    async def make(ctx: Ctx) -> int:
        ev = await evaluation(ctx)
        return (await ctx.post(f"/v1/evaluations/{ev}/{kind}", item_body(kind)))["id"]  # type: ignore[no-any-return]

    return make


# --------------------------------------------------------------------------- the routes' objects


def create(
    path: str, read: str, base: dict[str, Any], fld: tuple[str | int, ...]
) -> Callable[[Ctx], Awaitable[Setup]]:
    async def setup(ctx: Ctx) -> Setup:
        return Setup(path={}, body=_merge(base, fld), read=read)

    return setup


def update(
    make: Ref, read: str, fld: tuple[str | int, ...], base: dict[str, Any] | None = None
) -> Callable[[Ctx], Awaitable[Setup]]:
    async def setup(ctx: Ctx) -> Setup:
        oid = await make(ctx)
        return Setup(path={"id": oid}, body=_merge(base or {}, fld), read=read.format(id=oid))

    return setup


def plan_items(kind: str, fld: tuple[str | int, ...], *, existing: bool) -> Callable[[Ctx], Awaitable[Setup]]:
    """A plan (and one of its items when ``existing``); a ``phaseId`` must be a phase of that plan."""

    async def setup(ctx: Ctx) -> Setup:
        ev = await evaluation(ctx)
        path: dict[str, Any] = {"id": ev}
        if existing:
            path["itemId"] = (await ctx.post(f"/v1/evaluations/{ev}/{kind}", item_body(kind)))["id"]
        mine = None
        if fld == ("phaseId",):
            mine = (await ctx.post(f"/v1/evaluations/{ev}/phases", item_body("phases")))["id"]
        if fld == ("assigneeBuyerId",):
            mine = (await buyer_of(ctx, ev))["id"]
        base = {} if existing else item_body(kind)
        return Setup(path=path, body=_merge(base, fld), read=f"/v1/evaluations/{ev}/{kind}", mine=mine)

    return setup


async def buyer(ctx: Ctx) -> int:
    return (await buyer_of(ctx, await evaluation(ctx)))["id"]  # type: ignore[no-any-return]


async def comment(ctx: Ctx) -> int:
    return await buyer_comment(ctx, await plan(ctx))


async def _answer(ctx: Ctx) -> Setup:
    ev = await plan(ctx)
    return Setup(
        path={"id": ev["id"]},
        body=lambda v: {"body": "Because.", "parentId": v},
        read=f"/v1/evaluations/{ev['id']}/comments",
        mine=await buyer_comment(ctx, ev),
    )


def reorder(kind: str) -> Callable[[Ctx], Awaitable[Setup]]:
    async def setup(ctx: Ctx) -> Setup:
        ev = await evaluation(ctx)
        first, second = [
            (await ctx.post(f"/v1/evaluations/{ev}/{kind}", item_body(kind)))["id"] for _ in range(2)
        ]
        return Setup(
            path={"id": ev},
            body=lambda value: {"ids": [second, value]},
            read=f"/v1/evaluations/{ev}/{kind}",
            mine=first,
        )

    return setup


async def _add_to_plan(ctx: Ctx) -> Setup:
    lib = await library_criterion(ctx)
    return Setup(path={"id": lib}, body=lambda v: {"evaluationId": v}, read=f"/v1/criteria/{lib}/metrics")


async def _folder_create(ctx: Ctx) -> Setup:
    pid = await project(ctx)
    parent = (await ctx.post(f"/v1/projects/{pid}/folders", {"name": unique("P")}))["id"]
    return Setup(
        path={"projectId": pid},
        body=lambda v: {"name": unique("child"), "parentId": v},
        read=f"/v1/projects/{pid}/folders",
        mine=parent,
    )


async def _upload(ctx: Ctx) -> Setup:
    pid = await project(ctx)
    mine = (await ctx.post(f"/v1/projects/{pid}/folders", {"name": unique("F")}))["id"]
    return Setup(
        path={"projectId": pid},
        body=lambda v: {"folderId": str(v)},
        read=f"/v1/projects/{pid}/documents",
        mine=mine,
        files={"file": ("a.txt", b"body ids", "text/plain")},
    )


def _token_body(value: Any) -> dict[str, Any]:
    return {"name": unique("token "), "userId": value}


_DEAL = "/v1/deals/{id}"
_EVAL = "/v1/evaluations/{id}"
_TEMPLATE_CRITERIA = {"title": "tpl", "criteria": [{"title": "c"}]}
_TEMPLATE_PHASES = {"title": "tpl", "phases": [{"title": "p", "criteria": [{"title": "c"}]}]}

ENTRIES: list[Entry] = [
    # deals
    *[
        Entry(_routes("POST", "/v1/deals"), (f,), ref, create("/v1/deals", "/v1/deals", {"name": "d"}, (f,)))
        for f, ref in (
            ("ownerUserId", user),
            ("salesProcessId", process),
            ("salesProcessStageId", stage),
            ("evaluationId", evaluation),
        )
    ],
    *[
        Entry(_routes(UPDATE, _DEAL), (f,), ref, update(deal, _DEAL, (f,)))
        for f, ref in (
            ("ownerUserId", user),
            ("salesProcessId", process),
            ("salesProcessStageId", stage),
            ("evaluationId", evaluation),
        )
    ],
    # sales process stages
    Entry(
        _routes("POST", "/v1/sales-process-stages"),
        ("salesProcessId",),
        process,
        create("/v1/sales-process-stages", "/v1/sales-process-stages", {"title": "s"}, ("salesProcessId",)),
    ),
    # tickets: the deals they are linked to
    Entry(
        _routes("POST", "/v1/tickets"),
        ("deals", 0, "id"),
        deal,
        create(
            "/v1/tickets", "/v1/tickets", {"title": "t", "type": "BUG", "state": "OPEN"}, ("deals", 0, "id")
        ),
    ),
    Entry(
        _routes(UPDATE, "/v1/tickets/{id}"),
        ("deals", 0, "id"),
        deal,
        update(lambda ctx: _ticket(ctx), "/v1/tickets/{id}", ("deals", 0, "id")),
    ),
    # evaluation plans
    *[
        Entry(
            _routes("POST", "/v1/evaluations"),
            (f,),
            ref,
            create("/v1/evaluations", "/v1/evaluations", {"title": "p"}, (f,)),
        )
        for f, ref in (
            ("currentStageId", stage),
            ("dealId", deal),
            ("defaultAssigneeUserId", user),
            ("salesProcessId", process),
            ("templateId", plan_template),
        )
    ],
    *[
        Entry(_routes(UPDATE, _EVAL), (f,), ref, update(evaluation, _EVAL, (f,)))
        for f, ref in (
            ("currentStageId", stage),
            ("dealId", deal),
            ("defaultAssigneeUserId", user),
            ("salesProcessId", process),
        )
    ],
    # plan content
    Entry(
        _routes("POST", "/v1/evaluations/{id}/criteria"),
        ("libraryCriterionId",),
        library_criterion,
        plan_items("criteria", ("libraryCriterionId",), existing=False),
    ),
    *[
        Entry(
            _routes("POST", f"/v1/evaluations/{{id}}/{kind}"),
            ("phaseId",),
            item("phases"),
            plan_items(kind, ("phaseId",), existing=False),
        )
        for kind in ("criteria", "tasks", "meetings")
    ],
    *[
        Entry(
            _routes(UPDATE, f"/v1/evaluations/{{id}}/{kind}/{{itemId}}"),
            ("phaseId",),
            item("phases"),
            plan_items(kind, ("phaseId",), existing=True),
        )
        for kind in ("criteria", "tasks", "meetings")
    ],
    Entry(
        _routes("POST", "/v1/evaluations/{id}/tasks"),
        ("assigneeUserId",),
        user,
        plan_items("tasks", ("assigneeUserId",), existing=False),
    ),
    Entry(
        _routes(UPDATE, "/v1/evaluations/{id}/tasks/{itemId}"),
        ("assigneeUserId",),
        user,
        plan_items("tasks", ("assigneeUserId",), existing=True),
    ),
    Entry(
        _routes("POST", "/v1/evaluations/{id}/tasks"),
        ("assigneeBuyerId",),
        buyer,
        plan_items("tasks", ("assigneeBuyerId",), existing=False),
    ),
    Entry(
        _routes(UPDATE, "/v1/evaluations/{id}/tasks/{itemId}"),
        ("assigneeBuyerId",),
        buyer,
        plan_items("tasks", ("assigneeBuyerId",), existing=True),
    ),
    Entry(_routes("POST", "/v1/evaluations/{id}/comments"), ("parentId",), comment, _answer),
    *[
        Entry(
            _routes("POST", f"/v1/evaluations/{{id}}/{kind}/reorder"), ("ids", 1), item(kind), reorder(kind)
        )
        for kind in ("phases", "criteria", "tasks", "meetings")
    ],
    # plan templates and the criteria library
    Entry(
        _routes("POST", "/v1/plan-templates"),
        ("criteria", 0, "libraryCriterionId"),
        library_criterion,
        create(
            "/v1/plan-templates",
            "/v1/plan-templates",
            _TEMPLATE_CRITERIA,
            ("criteria", 0, "libraryCriterionId"),
        ),
    ),
    Entry(
        _routes("POST", "/v1/plan-templates"),
        ("phases", 0, "criteria", 0, "libraryCriterionId"),
        library_criterion,
        create(
            "/v1/plan-templates",
            "/v1/plan-templates",
            _TEMPLATE_PHASES,
            ("phases", 0, "criteria", 0, "libraryCriterionId"),
        ),
    ),
    Entry(
        _routes(UPDATE, "/v1/plan-templates/{id}"),
        ("criteria", 0, "libraryCriterionId"),
        library_criterion,
        update(
            plan_template,
            "/v1/plan-templates/{id}",
            ("criteria", 0, "libraryCriterionId"),
            _TEMPLATE_CRITERIA,
        ),
    ),
    Entry(
        _routes(UPDATE, "/v1/plan-templates/{id}"),
        ("phases", 0, "criteria", 0, "libraryCriterionId"),
        library_criterion,
        update(
            plan_template,
            "/v1/plan-templates/{id}",
            ("phases", 0, "criteria", 0, "libraryCriterionId"),
            _TEMPLATE_PHASES,
        ),
    ),
    Entry(_routes("POST", "/v1/criteria/{id}/add-to-plan"), ("evaluationId",), evaluation, _add_to_plan),
    # projects and folders (documents)
    Entry(
        _routes("POST", "/v1/projects"),
        ("dealId",),
        deal,
        create("/v1/projects", "/v1/projects", {"name": "p"}, ("dealId",)),
    ),
    Entry(
        _routes("POST", "/v1/projects"),
        ("templateId",),
        doc_template,
        create("/v1/projects", "/v1/projects", {"name": "p"}, ("templateId",)),
    ),
    Entry(
        _routes(UPDATE, "/v1/projects/{projectId}"),
        ("dealId",),
        deal,
        lambda ctx: _project_update(ctx),
    ),
    Entry(_routes("POST", "/v1/projects/{projectId}/folders"), ("parentId",), folder, _folder_create),
    Entry(_routes("POST", "/v1/projects/{projectId}/documents"), ("folderId",), folder, _upload, form=True),
    # contacts and sales targets (pipeline)
    Entry(
        _routes("POST", "/v1/contacts"),
        ("dealId",),
        deal,
        lambda ctx: _contact_create(ctx),
    ),
    Entry(
        _routes(UPDATE, "/v1/contacts/{id}"),
        ("dealId",),
        deal,
        update(lambda ctx: _contact(ctx), "/v1/contacts/{id}", ("dealId",)),
    ),
    Entry(
        _routes("POST", "/v1/sales-targets"),
        ("userId",),
        user,
        lambda ctx: _target_create(ctx),
    ),
    Entry(
        _routes(UPDATE, "/v1/sales-targets/{id}"),
        ("userId",),
        user,
        update(lambda ctx: _target(ctx), "/v1/sales-targets/{id}", ("userId",)),
    ),
    # tokens: a personal token of a user
    Entry(
        _routes("POST", "/v1/tokens"),
        ("userId",),
        user,
        lambda ctx: _token_create(ctx),
    ),
]


async def _ticket(ctx: Ctx) -> int:
    made = await ctx.post("/v1/tickets", {"title": unique("t "), "type": "BUG", "state": "OPEN"})
    return made["id"]  # type: ignore[no-any-return]


async def _project_update(ctx: Ctx) -> Setup:
    pid = await project(ctx)
    return Setup(path={"projectId": pid}, body=lambda v: {"dealId": v}, read=f"/v1/projects/{pid}")


async def _contact(ctx: Ctx) -> int:
    return (await ctx.post("/v1/contacts", {"email": f"{unique('c')}@example.com"}))["id"]  # type: ignore[no-any-return]


async def _contact_create(ctx: Ctx) -> Setup:
    return Setup(
        path={}, body=lambda v: {"email": f"{unique('c')}@example.com", "dealId": v}, read="/v1/contacts"
    )


async def _target(ctx: Ctx) -> int:
    rep = await user(ctx)
    made = await ctx.post("/v1/sales-targets", {"userId": rep, "month": "2025-01", "amount": 1})
    return made["id"]  # type: ignore[no-any-return]


async def _target_create(ctx: Ctx) -> Setup:
    return Setup(
        path={}, body=lambda v: {"userId": v, "month": "2025-03", "amount": 10}, read="/v1/sales-targets"
    )


async def _token_create(ctx: Ctx) -> Setup:
    return Setup(path={}, body=_token_body, read="/v1/tokens")


#: Fields ending in ``Id`` that name no object of a tenant, and why.
NOT_REFERENCES: dict[str, str] = {
    "vendorEntityId": "the CRM's id of the deal (free text, unique per organization)",
    "companyVendorEntityId": "the CRM's id of the account (free text)",
    "accountId": "the CRM's id of the contact's account (free text)",
}
