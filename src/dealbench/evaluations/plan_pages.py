"""The evaluation plan pages of the web app: ``/plans`` (the organization's plans with their
progress; a new plan, blank or from a template) and ``/plans/{plan_id}`` (the plan's own fields;
its phases, success criteria, tasks and meetings, each added, edited, moved up or down and
deleted; a task completed or reopened), and ``/plans/{plan_id}/activity`` (the timeline).

Every form calls the same service as ``/v1/evaluations`` with the same Pydantic model; a refused
value is shown beside its field, in the API's words.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from pydantic import ValidationError
from starlette.datastructures import FormData
from starlette.responses import Response

from dealbench.auth.principal import Principal
from dealbench.auth.sessions import page_scoped
from dealbench.deals.references import resolve_deal_refs
from dealbench.evaluations import activity, buyers, content, plans, presenter, templates
from dealbench.evaluations import schemas as s
from dealbench.kit.errors import Conflict, NotFound, ValidationFailed
from dealbench.kit.pages import field_errors, redirect, render
from dealbench.kit.pagination import ListParams
from dealbench.kit.session import DbSession
from dealbench.models.sales import BuyerAccessLevel, EvaluationMode
from dealbench.users.directory import ids_by_email

router = APIRouter(tags=["pages"], include_in_schema=False)
EvaluationsRead = Annotated[Principal, page_scoped("evaluations:read")]
EvaluationsWrite = Annotated[Principal, page_scoped("evaluations:write")]
PlanId = Annotated[int, Path(ge=1, le=2**31 - 1)]
ItemId = Annotated[int, Path(ge=1, le=2**31 - 1)]
PAGE_SIZE = 25
ACTIVITY_PAGE_SIZE = 50

#: Form fields that the API's models take as numbers, as booleans, or as lists (one a line).
INTS = {"templateId", "phaseId", "assigneeUserId", "assigneeBuyerId", "defaultAssigneeUserId"}
BOOLS = {"completed", "active", "buyerNotificationsEnabled"}
LISTS = {"attendeeEmails"}

#: The fields of each kind of content, in form order: (wire name, label, input kind).
KIND_FIELDS: dict[str, list[tuple[str, str, str]]] = {
    "phases": [("title", "Title", "text"), ("description", "Description", "textarea")],
    "criteria": [
        ("title", "Title", "text"),
        ("description", "Description", "textarea"),
        ("phaseId", "Phase", "phase"),
    ],
    "tasks": [
        ("title", "Title", "text"),
        ("description", "Description", "textarea"),
        ("phaseId", "Phase", "phase"),
        ("assigneeUserId", "Assignee", "user"),
        ("side", "Whose task", "side"),
        ("assigneeBuyerId", "Buyer assigned", "buyer"),
        ("dueDate", "Due date", "date"),
    ],
    "meetings": [
        ("title", "Title", "text"),
        ("description", "Description", "textarea"),
        ("phaseId", "Phase", "phase"),
        ("startsAt", "Starts at", "datetime-local"),
        ("endsAt", "Ends at", "datetime-local"),
        ("attendeeEmails", "Attendee emails (one a line)", "emails"),
    ],
}
#: The models of each kind: (create, update).
MODELS: dict[str, tuple[Any, Any]] = {
    "phases": (s.PhaseCreate, s.PhaseUpdate),
    "criteria": (s.CriterionCreate, s.CriterionUpdate),
    "tasks": (s.TaskCreate, s.TaskUpdate),
    "meetings": (s.MeetingCreate, s.MeetingUpdate),
}
NOUNS = {"phases": "phase", "criteria": "success criterion", "tasks": "task", "meetings": "meeting"}
#: The plan's own fields on its page.
PLAN_FIELDS: list[tuple[str, str, str]] = [
    ("title", "Title", "text"),
    ("description", "Description", "textarea"),
    ("mode", "Mode", "mode"),
    ("buyerAccessLevel", "Buyer access", "access"),
    ("brandingColorHex", "Branding colour (#RRGGBB)", "text"),
    ("startDate", "Start date", "date"),
    ("targetEndDate", "Target end date", "date"),
    ("defaultAssigneeUserId", "Default assignee", "user"),
    ("buyerNotificationsEnabled", "Notify the buyer of changes", "checkbox"),
    ("active", "Active", "checkbox"),
]
ACTIVE = {"active": True, "inactive": False, "all": None}


def _typed(name: str, value: str) -> Any:
    """A form's text as the API's model takes it: ids as numbers, switches as booleans, lists one a line."""
    if name in INTS and value.isdigit():
        return int(value)
    if name in BOOLS:
        return value in ("true", "on", "1")
    if name in LISTS:
        return [line.strip() for line in value.replace(",", "\n").splitlines() if line.strip()]
    return value


def new_values(form: FormData) -> dict[str, Any]:
    """A create form: empty fields are left out (not sent), so the model decides what is required."""
    return {
        k: _typed(k, v.strip())
        for k, v in form.items()
        if k != "csrf_token" and isinstance(v, str) and v.strip()
    }


def changed_values(form: FormData, checkboxes: tuple[str, ...] = ()) -> dict[str, Any]:
    """An edit form: every field it shows is sent, an emptied one as null (cleared, as the API's
    null clears it); an unticked checkbox (absent from the form) as false."""
    values: dict[str, Any] = {}
    for k, v in form.items():
        if k == "csrf_token" or not isinstance(v, str):
            continue
        values[k] = _typed(k, v.strip()) if v.strip() else ([] if k in LISTS else None)
    for name in checkboxes:
        values[name] = name in form and _typed(name, str(form[name]))
    return values


# --------------------------------------------------------------------------- the list


async def _list_context(session: DbSession, principal: Principal, status: str, page: int) -> dict[str, Any]:
    """A page of the organization's plans by id with their deal (named) and progress: four
    statements whatever the page size."""
    params = ListParams(limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE)
    found, total = await plans.list_evaluations(session, principal, params, ACTIVE[status])
    listed = presenter.evaluations(found)
    deals = await resolve_deal_refs(session, principal, [p["dealId"] for p in listed if p["dealId"]])
    can_write = principal.can("evaluations:write")
    return {
        "plans": listed,
        "deal_names": {deal.id: deal.name for deal in deals.values()},
        "total": total,
        "page": page,
        "pages": max(1, -(-total // PAGE_SIZE)),
        "status": status,
        "can_write": can_write,
        "templates": await _template_choices(session, principal) if can_write else [],
        "values": {},
        "errors": {},
    }


@router.get("/plans")
async def plans_page(
    request: Request,
    principal: EvaluationsRead,
    session: DbSession,
    status: Annotated[str, Query(max_length=10)] = "active",
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> Response:
    status = status if status in ACTIVE else "active"
    return render(request, "evaluations/plans.html", await _list_context(session, principal, status, page))


async def _template_choices(session: DbSession, principal: Principal) -> list[dict[str, Any]]:
    rows, _ = await templates.list_templates(session, principal, ListParams(limit=200))
    return [{"id": t.id, "title": t.title} for t in rows]


@router.post("/plans")
async def create_plan(request: Request, principal: EvaluationsWrite, session: DbSession) -> Response:
    """A plan, blank or from a template (its phases, criteria and tasks copied)."""
    values = new_values(await request.form())
    try:
        made = await plans.create_evaluation(session, principal, s.EvaluationCreate.model_validate(values))
    except (ValidationError, ValidationFailed, Conflict) as exc:
        context = await _list_context(session, principal, "active", 1)
        context["values"], context["errors"] = values, field_errors(exc)
        return render(request, "evaluations/plans.html", context, 400)
    return redirect(request, f"/plans/{made.one.id}")


# --------------------------------------------------------------------------- one plan


async def _plan_context(
    session: DbSession,
    principal: Principal,
    plan_id: int,
    *,
    form: str = "",
    values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
) -> dict[str, Any]:
    """Everything the plan page shows: the plan, its four kinds of content (one statement each),
    the people who may be assigned, and a form's refused values with their errors."""
    plan = presenter.plan(await plans.read_evaluation(session, principal, plan_id))
    items = {
        name: presenter.items(
            kind.shape, (await content.items_by_plans(session, principal, [plan_id], kind)).get(plan_id, [])
        )
        for name, kind in content.KINDS.items()
    }
    people = await ids_by_email(session, principal)
    invited = await buyers.list_buyers(session, principal, plan_id)
    can_write = principal.can("evaluations:write")
    return {
        "plan": plan,
        "items": items,
        "kind_fields": KIND_FIELDS,
        "plan_fields": PLAN_FIELDS,
        "nouns": NOUNS,
        "users": sorted(((uid, email) for email, uid in people.items()), key=lambda u: u[1]),
        "emails": {uid: email for email, uid in people.items()},
        "buyers": [(b.id, b.email) for b in invited],
        "buyer_emails": {b.id: b.email for b in invited},
        "phase_titles": {p["id"]: p["title"] for p in items["phases"]},
        "outcomes": presenter.OUTCOMES,
        "modes": [m.value for m in EvaluationMode],
        "access_levels": [a.value for a in BuyerAccessLevel],
        "can_write": can_write,
        "form": form,
        "form_values": values or {},
        "form_errors": errors or {},
    }


@router.get("/plans/{plan_id}")
async def plan_page(
    request: Request, plan_id: PlanId, principal: EvaluationsRead, session: DbSession
) -> Response:
    return render(request, "evaluations/plan.html", await _plan_context(session, principal, plan_id))


async def _refused(
    request: Request,
    session: DbSession,
    principal: Principal,
    plan_id: int,
    form: str,
    values: dict[str, Any],
    exc: Exception,
) -> Response:
    context = await _plan_context(
        session, principal, plan_id, form=form, values=values, errors=field_errors(exc)
    )
    return render(request, "evaluations/plan.html", context, 400)


@router.post("/plans/{plan_id}")
async def update_plan(
    request: Request, plan_id: PlanId, principal: EvaluationsWrite, session: DbSession
) -> Response:
    """The plan's own fields (title, mode, buyer access, colour, dates, switches)."""
    values = changed_values(await request.form(), ("buyerNotificationsEnabled", "active"))
    try:
        await plans.update_evaluation(session, principal, plan_id, s.EvaluationUpdate.model_validate(values))
    except (ValidationError, ValidationFailed, Conflict) as exc:
        return await _refused(request, session, principal, plan_id, "plan", values, exc)
    return redirect(request, f"/plans/{plan_id}")


@router.post("/plans/{plan_id}/delete")
async def delete_plan(
    request: Request, plan_id: PlanId, principal: EvaluationsWrite, session: DbSession
) -> Response:
    """Delete the plan with its content; its deal is unlinked."""
    await plans.delete_evaluation(session, principal, plan_id)
    return redirect(request, "/plans")


@router.get("/plans/{plan_id}/activity")
async def plan_activity(
    request: Request,
    plan_id: PlanId,
    principal: EvaluationsRead,
    session: DbSession,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> Response:
    """Every change to the plan, oldest first: who, what changed, when."""
    plan = await plans.get_evaluation(session, principal, plan_id)
    params = ListParams(limit=ACTIVITY_PAGE_SIZE, offset=(page - 1) * ACTIVITY_PAGE_SIZE)
    entries, total = await activity.list_activity(session, principal, plan_id, params)
    people = await ids_by_email(session, principal)
    return render(
        request,
        "evaluations/activity.html",
        {
            "plan": {"id": plan.id, "title": plan.title},
            "entries": [presenter.activity(a) for a in entries],
            "emails": {uid: email for email, uid in people.items()},
            "total": total,
            "page": page,
            "pages": max(1, -(-total // ACTIVITY_PAGE_SIZE)),
        },
    )


# --------------------------------------------------------------------------- the plan's content


def _content_routes(path: str, kind: content.Kind) -> None:
    create_model, update_model = MODELS[path]

    async def add(
        request: Request, plan_id: PlanId, principal: EvaluationsWrite, session: DbSession
    ) -> Response:
        values = new_values(await request.form())
        try:
            await content.add_item(session, principal, plan_id, kind, create_model.model_validate(values))
        except (ValidationError, ValidationFailed) as exc:
            return await _refused(request, session, principal, plan_id, f"{path}-new", values, exc)
        return redirect(request, f"/plans/{plan_id}#{path}")

    async def update(
        request: Request, plan_id: PlanId, item_id: ItemId, principal: EvaluationsWrite, session: DbSession
    ) -> Response:
        values = changed_values(await request.form())
        try:
            await content.update_item(
                session, principal, plan_id, kind, item_id, update_model.model_validate(values)
            )
        except (ValidationError, ValidationFailed) as exc:
            return await _refused(request, session, principal, plan_id, f"{path}-{item_id}", values, exc)
        return redirect(request, f"/plans/{plan_id}#{path}-{item_id}")

    async def delete(
        request: Request, plan_id: PlanId, item_id: ItemId, principal: EvaluationsWrite, session: DbSession
    ) -> Response:
        await content.delete_item(session, principal, plan_id, kind, item_id)
        return redirect(request, f"/plans/{plan_id}#{path}")

    async def move(
        request: Request, plan_id: PlanId, item_id: ItemId, principal: EvaluationsWrite, session: DbSession
    ) -> Response:
        """One place up or down: the API's reorder with this item and its neighbour swapped."""
        direction = str((await request.form()).get("direction") or "")
        ids = [i.id for i in await content.list_items(session, principal, plan_id, kind)]
        if item_id not in ids:
            raise NotFound(f"{kind.what} not found.")
        at = ids.index(item_id)
        other = at - 1 if direction == "up" else at + 1 if direction == "down" else at
        if 0 <= other < len(ids) and other != at:
            ids[at], ids[other] = ids[other], ids[at]
            await content.reorder_items(session, principal, plan_id, kind, ids)
        return redirect(request, f"/plans/{plan_id}#{path}-{item_id}")

    base = f"/plans/{{plan_id}}/{path}"
    for name, endpoint, route in (
        ("add", add, base),
        ("update", update, f"{base}/{{item_id}}"),
        ("delete", delete, f"{base}/{{item_id}}/delete"),
        ("move", move, f"{base}/{{item_id}}/move"),
    ):
        endpoint.__name__ = f"{name}_plan_{path}"
        router.add_api_route(route, endpoint, methods=["POST"])


for _path, _kind in content.KINDS.items():
    _content_routes(_path, _kind)
