"""Every read of ``/v1`` runs a number of SQL statements that does not grow with the number of rows
it answers (no N+1): each GET route is built twice, in two organizations, once with 1 and once
with 3 of what it answers (list items, or the links, labels, items and versions a single object
embeds), and must run exactly as many statements both times.

The routes are enumerated from the app: a GET route of ``/v1`` missing from :data:`BUILDERS`
fails the test. A builder ``(ctx, n) -> url`` makes ``n`` of what the route answers in
``ctx.tenant`` and returns the URL to read.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from dealbench.models import Role
from tests.cross_tenant import Ctx, events
from tests.factories import Factory, StatementCounter, unique
from tests.test_auth_matrix import OPERATIONS

Builder = Callable[[Ctx, int], Awaitable[str]]

# --------------------------------------------------------------------------- makers


async def _deals(ctx: Ctx, n: int) -> list[dict[str, Any]]:
    return [
        await ctx.post("/v1/deals", {"name": unique("deal "), "vendorEntityId": unique("opp")})
        for _ in range(n)
    ]


async def _tickets(ctx: Ctx, n: int) -> list[dict[str, Any]]:
    """``n`` tickets, each linked to ``n`` deals with ``n`` labels."""
    deals = await _deals(ctx, n)
    out = []
    for _ in range(n):
        body = {
            "title": unique("t "),
            "type": "BUG",
            "state": "OPEN",
            "deals": [{"id": d["id"], "priority": "BLOCKER"} for d in deals],
            "labels": [f"label-{k}" for k in range(n)],
        }
        out.append(await ctx.post("/v1/tickets", body))
    return out


async def _users(ctx: Ctx, n: int) -> list[Any]:
    return [await ctx.factory.user(ctx.tenant, role=Role.MEMBER) for _ in range(n)]


async def _team(ctx: Ctx, n: int) -> dict[str, Any]:
    team = await ctx.post("/v1/teams", {"name": unique("team ")})
    for user in await _users(ctx, n):
        await ctx.call("PUT", f"/v1/teams/{team['id']}/users/{user.email}")
    return team  # type: ignore[no-any-return]


async def _plan(ctx: Ctx, n: int) -> dict[str, Any]:
    """A plan with ``n`` of each kind of item, a deal, and a library criterion in it."""
    plan = await ctx.post("/v1/evaluations", {"title": unique("plan ")})
    await ctx.post("/v1/deals", {"name": unique("deal "), "evaluationId": plan["id"]})
    for _ in range(n):
        for kind in ("phases", "criteria", "tasks"):
            await ctx.post(f"/v1/evaluations/{plan['id']}/{kind}", {"title": unique(f"{kind} ")})
        body = {"title": unique("meeting "), "startsAt": "2030-01-01T10:00:00Z"}
        await ctx.post(f"/v1/evaluations/{plan['id']}/meetings", body)
    return plan  # type: ignore[no-any-return]


async def _project(ctx: Ctx, n: int) -> dict[str, Any]:
    """A project with ``n`` members, teams, fields, folders and documents of ``n`` versions each."""
    project = await ctx.post("/v1/projects", {"name": unique("project ")})
    pid = project["id"]
    for user in await _users(ctx, n):
        await ctx.call("PUT", f"/v1/projects/{pid}/users/{user.email}")
    for _ in range(n):
        team = await _team(ctx, 1)
        await ctx.call("PUT", f"/v1/projects/{pid}/teams/{team['id']}")
        field = await ctx.post(f"/v1/projects/{pid}/fields", {"name": unique("F"), "type": "SHORT_TEXT"})
        folder = await ctx.post(f"/v1/projects/{pid}/folders", {"name": unique("Folder")})
        doc = await ctx.upload(f"/v1/projects/{pid}/documents", folderId=str(folder["id"]))
        for _ in range(n - 1):
            await ctx.upload(f"/v1/projects/{pid}/documents/{doc['id']}/replace")
        await ctx.call(
            "PUT", f"/v1/projects/{pid}/documents/{doc['id']}/fields/{field['id']}", json={"value": "x"}
        )
    project["folder"], project["document"] = folder, doc
    return project  # type: ignore[no-any-return]


async def _contacts(ctx: Ctx, n: int) -> dict[str, Any]:
    deal = (await _deals(ctx, 1))[0]
    for _ in range(n):
        await ctx.post("/v1/contacts", {"email": f"{unique('c')}@example.com", "dealId": deal["id"]})
    return deal


def _csv(n: int) -> bytes:
    rows = "".join(f"B{k},Bad {k},lots\n" for k in range(n))
    return b"Opportunity ID,Opportunity Name,Amount\nX1,Good,1\n" + rows.encode()


# --------------------------------------------------------------------------- builders


def _list(make: Callable[[Ctx, int], Awaitable[Any]], url: str) -> Builder:
    async def build(ctx: Ctx, n: int) -> str:
        await make(ctx, n)
        return url

    return build


async def _deal(ctx: Ctx, n: int) -> str:
    return f"/v1/deals/{(await _deals(ctx, n))[-1]['id']}"


async def _deal_by_eid(ctx: Ctx, n: int) -> str:
    return f"/v1/deals/eid:{(await _deals(ctx, n))[-1]['vendorEntityId']}"


async def _notes(ctx: Ctx, n: int) -> str:
    deal = (await _deals(ctx, 1))[0]
    for _ in range(n):
        await ctx.post(f"/v1/deals/{deal['id']}/notes", {"title": unique("note "), "body": "text"})
    return f"/v1/deals/{deal['id']}/notes"


async def _ticket(ctx: Ctx, n: int) -> str:
    return f"/v1/tickets/{(await _tickets(ctx, n))[-1]['id']}"


async def _processes(ctx: Ctx, n: int) -> dict[str, Any]:
    for _ in range(n):
        stages = [{"title": unique("s")} for _ in range(n)]
        process = await ctx.post("/v1/sales-processes", {"name": unique("p "), "stages": stages})
    return process  # type: ignore[no-any-return]


async def _process(ctx: Ctx, n: int) -> str:
    return f"/v1/sales-processes/{(await _processes(ctx, n))['id']}"


async def _stage(ctx: Ctx, n: int) -> str:
    process = await _processes(ctx, n)
    stages = await ctx.call("GET", "/v1/sales-process-stages", params={"salesProcessId": process["id"]})
    return f"/v1/sales-process-stages/{stages['items'][-1]['id']}"


def _plan_route(suffix: str) -> Builder:
    async def build(ctx: Ctx, n: int) -> str:
        return f"/v1/evaluations/{(await _plan(ctx, n))['id']}{suffix}"

    return build


async def _templates(ctx: Ctx, n: int) -> dict[str, Any]:
    for _ in range(n):
        phases = [{"title": unique("ph"), "criteria": [{"title": "c"}] * n, "tasks": [{"title": "t"}] * n}]
        template = await ctx.post("/v1/plan-templates", {"title": unique("tpl "), "phases": phases * n})
    return template  # type: ignore[no-any-return]


async def _template(ctx: Ctx, n: int) -> str:
    return f"/v1/plan-templates/{(await _templates(ctx, n))['id']}"


async def _criteria(ctx: Ctx, n: int) -> dict[str, Any]:
    """``n`` library criteria, the last one used in ``n`` plans."""
    for _ in range(n):
        criterion = await ctx.post("/v1/criteria", {"title": unique("c ")})
    for _ in range(n):
        plan = await ctx.post("/v1/evaluations", {"title": unique("plan ")})
        await ctx.post(f"/v1/criteria/{criterion['id']}/add-to-plan", {"evaluationId": plan["id"]})
    return criterion  # type: ignore[no-any-return]


def _criterion_route(suffix: str) -> Builder:
    async def build(ctx: Ctx, n: int) -> str:
        return f"/v1/criteria/{(await _criteria(ctx, n))['id']}{suffix}"

    return build


def _project_route(suffix: str) -> Builder:
    async def build(ctx: Ctx, n: int) -> str:
        project = await _project(ctx, n)
        return f"/v1/projects/{project['id']}" + suffix.format(
            folder=project["folder"]["id"], document=project["document"]["id"]
        )

    return build


async def _projects(ctx: Ctx, n: int) -> None:
    for _ in range(n):
        await ctx.post("/v1/projects", {"name": unique("project ")})


async def _doc_templates(ctx: Ctx, n: int) -> dict[str, Any]:
    for _ in range(n):
        template = await ctx.post("/v1/templates", {"name": unique("template ")})
    return template  # type: ignore[no-any-return]


async def _doc_template(ctx: Ctx, n: int) -> str:
    return f"/v1/templates/{(await _doc_templates(ctx, n))['id']}"


async def _imports(ctx: Ctx, n: int) -> dict[str, Any]:
    for _ in range(n):
        run = await ctx.call(
            "POST", "/v1/imports/opportunities", files={"file": ("o.csv", _csv(n), "text/csv")}
        )
    return run  # type: ignore[no-any-return]


async def _import_errors(ctx: Ctx, n: int) -> str:
    return f"/v1/imports/{(await _imports(ctx, n))['id']}/errors"


async def _contact(ctx: Ctx, n: int) -> str:
    await _contacts(ctx, n)
    contact = await ctx.post("/v1/contacts", {"email": f"{unique('c')}@example.com"})
    return f"/v1/contacts/{contact['id']}"


async def _deal_contacts(ctx: Ctx, n: int) -> str:
    return f"/v1/deals/{(await _contacts(ctx, n))['id']}/contacts"


async def _targets(ctx: Ctx, n: int) -> dict[str, Any]:
    for k in range(n):
        rep = await ctx.factory.user(ctx.tenant)
        target = await ctx.post(
            "/v1/sales-targets", {"userId": rep.id, "month": f"2025-0{k + 1}", "amount": 10}
        )
    return target  # type: ignore[no-any-return]


async def _target(ctx: Ctx, n: int) -> str:
    return f"/v1/sales-targets/{(await _targets(ctx, n))['id']}"


async def _user(ctx: Ctx, n: int) -> str:
    user = (await _users(ctx, 1))[0]
    for _ in range(n):
        team = await ctx.post("/v1/teams", {"name": unique("team ")})
        await ctx.call("PUT", f"/v1/teams/{team['id']}/users/{user.email}")
    return f"/v1/user/id/{user.id}"


async def _user_by_email(ctx: Ctx, n: int) -> str:
    await _users(ctx, n)
    return f"/v1/user/byemail?email={ctx.tenant.admin.email}"


async def _team_users(ctx: Ctx, n: int) -> str:
    return f"/v1/teams/{(await _team(ctx, n))['id']}/users"


async def _invitations(ctx: Ctx, n: int) -> None:
    for _ in range(n):
        body = {"inviteeEmail": f"{unique('inv')}@example.com", "role": "MEMBER"}
        await ctx.post("/v1/organization/invitations", body)


async def _tokens(ctx: Ctx, n: int) -> None:
    for _ in range(n):
        await ctx.post("/v1/tokens", {"name": unique("token ")})


async def _teams(ctx: Ctx, n: int) -> None:
    for _ in range(n):
        await _team(ctx, n)


async def _hooks(ctx: Ctx, n: int) -> int:
    """``n`` webhooks; the last one with ``n`` deliveries."""
    for _ in range(n):
        hook_id = await events._webhook_id(ctx, ["deal.created"])
    await _deals(ctx, n)
    await events.dispatch_all(ctx.factory.services)
    return hook_id


def _hook_route(suffix: str) -> Builder:
    async def build(ctx: Ctx, n: int) -> str:
        return f"/v1/webhooks/{await _hooks(ctx, n)}{suffix}"

    return build


async def _apps(ctx: Ctx, n: int) -> int:
    for _ in range(n):
        made = await events._app(installed=True)(ctx)
    return int(made["path"]["id"])


async def _app(ctx: Ctx, n: int) -> str:
    return f"/v1/apps/{await _apps(ctx, n)}"


async def _buyers(ctx: Ctx, n: int) -> str:
    plan = await _plan(ctx, 1)
    for _ in range(n):
        await ctx.post(f"/v1/evaluations/{plan['id']}/buyers", {"email": f"{unique('b')}@buyer.example"})
    return f"/v1/evaluations/{plan['id']}/buyers"


async def _comments(ctx: Ctx, n: int) -> str:
    from tests.cross_tenant.portal import buyer_comment

    plan = await _plan(ctx, 1)
    for _ in range(n):
        parent = await buyer_comment(ctx, plan)
        await ctx.post(f"/v1/evaluations/{plan['id']}/comments", {"parentId": parent, "body": "Yes."})
    return f"/v1/evaluations/{plan['id']}/comments"


BUILDERS: dict[str, Builder] = {
    "/v1/evaluations/{id}/buyers": _buyers,
    "/v1/evaluations/{id}/comments": _comments,
    "/v1/apps": _list(_apps, "/v1/apps"),
    "/v1/apps/{id}": _app,
    "/v1/events": _list(_deals, "/v1/events"),
    "/v1/webhooks": _list(_hooks, "/v1/webhooks"),
    "/v1/webhooks/{id}": _hook_route(""),
    "/v1/webhooks/{id}/deliveries": _hook_route("/deliveries"),
    "/v1/organization": _list(_users, "/v1/organization"),
    "/v1/organization/users": _list(_users, "/v1/organization/users"),
    "/v1/roles": _list(_users, "/v1/roles"),
    "/v1/users": _list(_users, "/v1/users"),
    "/v1/user/id/{userId}": _user,
    "/v1/user/byemail": _user_by_email,
    "/v1/teams": _list(_teams, "/v1/teams"),
    "/v1/teams/{teamId}/users": _team_users,
    "/v1/organization/invitations": _list(_invitations, "/v1/organization/invitations"),
    "/v1/tokens": _list(_tokens, "/v1/tokens"),
    "/v1/deals": _list(_deals, "/v1/deals"),
    "/v1/deals/{id}": _deal,
    "/v1/deals/{id}/notes": _notes,
    "/v1/sales-processes": _list(_processes, "/v1/sales-processes"),
    "/v1/sales-processes/{id}": _process,
    "/v1/sales-process-stages": _list(_processes, "/v1/sales-process-stages"),
    "/v1/sales-process-stages/{id}": _stage,
    "/v1/tickets": _list(_tickets, "/v1/tickets"),
    "/v1/tickets/{id}": _ticket,
    "/v1/evaluations": _list(_plan, "/v1/evaluations"),
    "/v1/evaluations/{id}": _plan_route(""),
    "/v1/evaluations/{id}/activity": _plan_route("/activity"),
    "/v1/evaluations/{id}/phases": _plan_route("/phases"),
    "/v1/evaluations/{id}/criteria": _plan_route("/criteria"),
    "/v1/evaluations/{id}/tasks": _plan_route("/tasks"),
    "/v1/evaluations/{id}/meetings": _plan_route("/meetings"),
    "/v1/plan-templates": _list(_templates, "/v1/plan-templates"),
    "/v1/plan-templates/{id}": _template,
    "/v1/criteria": _list(_criteria, "/v1/criteria"),
    "/v1/criteria/{id}": _criterion_route(""),
    "/v1/criteria/{id}/metrics": _criterion_route("/metrics"),
    "/v1/projects": _list(_projects, "/v1/projects"),
    "/v1/projects/{projectId}": _project_route(""),
    "/v1/projects/{projectId}/users": _project_route("/users"),
    "/v1/projects/{projectId}/teams": _project_route("/teams"),
    "/v1/projects/{projectId}/fields": _project_route("/fields"),
    "/v1/projects/{projectId}/activity": _project_route("/activity"),
    "/v1/templates": _list(_doc_templates, "/v1/templates"),
    "/v1/templates/{templateId}": _doc_template,
    "/v1/projects/{projectId}/folders": _project_route("/folders"),
    "/v1/projects/{projectId}/folders/{folder}": _project_route("/folders/{folder}"),
    "/v1/projects/{projectId}/documents": _project_route("/documents"),
    "/v1/projects/{projectId}/documents/folder/{folderId}": _project_route("/documents/folder/{folder}"),
    "/v1/projects/{projectId}/documents/{documentId}": _project_route("/documents/{document}"),
    "/v1/projects/{projectId}/documents/{documentId}/versions": _project_route(
        "/documents/{document}/versions"
    ),
    "/v1/projects/{projectId}/documents/{documentId}/content": _project_route(
        "/documents/{document}/content"
    ),
    "/v1/imports": _list(_imports, "/v1/imports"),
    "/v1/imports/{id}/errors": _import_errors,
    "/v1/contacts": _list(_contacts, "/v1/contacts"),
    "/v1/contacts/{id}": _contact,
    "/v1/deals/{id}/contacts": _deal_contacts,
    "/v1/sales-targets": _list(_targets, "/v1/sales-targets"),
    "/v1/sales-targets/{id}": _target,
}
#: Besides the routes of the app: the same deal read by ``eid:``.
EXTRA: dict[str, Builder] = {"/v1/deals/{eid:...}": _deal_by_eid}

READS = sorted(p for m, p, _ in OPERATIONS if m == "GET" and p.startswith("/v1/"))


def test_every_read_of_v1_has_a_builder() -> None:
    assert sorted(set(READS) - set(BUILDERS)) == []
    assert sorted(set(BUILDERS) - set(READS)) == []


async def _count(ctx: Ctx, counter: StatementCounter, url: str) -> tuple[int, list[str]]:
    await _read(ctx, url)  # once before: what a process does once per token is not counted
    counter.reset()
    await _read(ctx, url)
    return counter.count, list(counter.statements)


async def _read(ctx: Ctx, url: str) -> None:
    response = await ctx.client.get(url, headers=ctx.tenant.headers)
    assert response.status_code == 200, f"{url}: {response.status_code} {response.text}"


@pytest.mark.parametrize("route", [*READS, *EXTRA])
async def test_statements_do_not_grow_with_rows(
    client: Any, factory: Factory, count_statements: StatementCounter, route: str
) -> None:
    build = BUILDERS.get(route) or EXTRA[route]
    counts = []
    for n in (1, 3):
        ctx = Ctx(client, factory, await factory.tenant())
        url = await build(ctx, n)
        counts.append(await _count(ctx, count_statements, url))
    (few, _), (many, many_statements) = counts
    assert few == many, f"{route}: {few} statements for 1 row, {many} for 3\n" + "\n".join(many_statements)


# --------------------------------------------------------------------------- the buyer portal


async def _shared_plan(ctx: Ctx, n: int) -> str:
    """A plan open to anyone with its link, with ``n`` of each item, buyers, comments, shared
    documents and shared requests of its deal; the portal's path."""
    from tests.cross_tenant.portal import buyer_comment

    plan = await _plan(ctx, n)
    await ctx.call("PATCH", f"/v1/evaluations/{plan['id']}", json={"buyerAccessLevel": "ANYONE_WITH_LINK"})
    deals = await ctx.call("GET", "/v1/deals")
    deal = next(d for d in deals["items"] if d["evaluationId"] == plan["id"])
    project = await ctx.post("/v1/projects", {"name": unique("files "), "dealId": deal["id"]})
    for _ in range(n):
        await buyer_comment(ctx, plan)
        doc = await ctx.upload(f"/v1/projects/{project['id']}/documents")
        await ctx.post(f"/v1/projects/{project['id']}/documents/{doc['id']}/share", {"sharedWithBuyer": True})
        ticket = {
            "title": unique("t "),
            "type": "BUG",
            "state": "OPEN",
            "deals": [{"id": deal["id"], "sharedWithBuyer": True}],
        }
        await ctx.post("/v1/tickets", ticket)
    return f"/p/{plan['accessCode']}"


async def test_the_portal_page_runs_as_many_statements_whatever_the_plan_size(
    client: Any, factory: Factory, count_statements: StatementCounter
) -> None:
    counts = []
    for n in (1, 3):
        ctx = Ctx(client, factory, await factory.tenant())
        url = await _shared_plan(ctx, n)
        first = await client.get(url)  # records the visit; the next read of this browser does not
        assert first.status_code == 200, first.text
        count_statements.reset()
        again = await client.get(url)
        assert again.status_code == 200, again.text
        counts.append((count_statements.count, list(count_statements.statements)))
    (few, _), (many, statements) = counts
    assert few == many, f"the portal: {few} statements for 1 of each, {many} for 3\n" + "\n".join(statements)
