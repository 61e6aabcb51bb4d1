"""The plan templates and the criteria library in the web app.

- ``/templates``: the organization's plan templates; a new one (blank, or saved from a plan).
- ``/templates/{template_id}``: its phases, each with criteria and tasks, and the criteria and tasks
  outside phases; its title and description edited; an item or a phase added or removed (the page
  sends the template's part with the change, as ``PATCH /v1/plan-templates/{id}`` takes it); a
  plan created from it.
- ``/library`` and ``/library/{library_id}``: the reusable success criteria, by category; one
  criterion's metrics (the plans that hold a copy, their outcomes, how their deals ended), edited,
  deleted, or copied into a plan.

Every form calls the same service as ``/v1/plan-templates`` and ``/v1/criteria`` with the same
Pydantic models; a refused value is shown beside its field.
"""

from __future__ import annotations

import copy
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from pydantic import ValidationError
from starlette.datastructures import FormData
from starlette.responses import Response

from dealbench.auth.principal import Principal
from dealbench.auth.sessions import page_scoped
from dealbench.evaluations import library, plans, presenter, templates
from dealbench.evaluations import schemas as s
from dealbench.kit.errors import Conflict, ValidationFailed
from dealbench.kit.pages import field_errors, redirect, render
from dealbench.kit.pagination import ListParams
from dealbench.kit.session import DbSession

router = APIRouter(tags=["pages"], include_in_schema=False)
EvaluationsRead = Annotated[Principal, page_scoped("evaluations:read")]
EvaluationsWrite = Annotated[Principal, page_scoped("evaluations:write")]
TemplateId = Annotated[int, Path(ge=1, le=2**31 - 1)]
LibraryId = Annotated[int, Path(ge=1, le=2**31 - 1)]
PAGE_SIZE = 50
#: What a template holds, with the model of one item of each.
PARTS: dict[str, Any] = {"phases": s.TemplatePhase, "criteria": s.TemplateCriterion, "tasks": s.TemplateTask}
Refused = (ValidationError, ValidationFailed)


def _text(form: FormData, name: str) -> str:
    return str(form.get(name) or "").strip()


def _values(form: FormData, names: tuple[str, ...], *, edit: bool = False) -> dict[str, Any]:
    """Text fields of a form: an empty one left out, or (``edit``) sent as null to clear it."""
    out: dict[str, Any] = {}
    for name in names:
        text = _text(form, name)
        if text:
            out[name] = int(text) if name.endswith("Id") and text.isdigit() else text
        elif edit and name in form:
            out[name] = None
    return out


# --------------------------------------------------------------------------- templates


async def _list_context(session: DbSession, principal: Principal, page: int) -> dict[str, Any]:
    rows, total = await templates.list_templates(
        session, principal, ListParams(limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE)
    )
    can_write = principal.can("evaluations:write")
    found, _ = (
        await plans.list_evaluations(session, principal, ListParams(limit=200), None, summarize=False)
        if can_write
        else (presenter.Plans([], {}), 0)
    )
    return {
        "templates": [presenter.template(t) for t in rows],
        "total": total,
        "page": page,
        "pages": max(1, -(-total // PAGE_SIZE)),
        "can_write": can_write,
        "plans": [{"id": e.id, "title": e.title} for e in found.rows],
        "values": {},
        "errors": {},
    }


@router.get("/templates")
async def templates_page(
    request: Request,
    principal: EvaluationsRead,
    session: DbSession,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> Response:
    return render(request, "evaluations/templates.html", await _list_context(session, principal, page))


@router.post("/templates")
async def create_template(request: Request, principal: EvaluationsWrite, session: DbSession) -> Response:
    """A template, empty or (with ``evaluationId``) holding a plan's phases, criteria and tasks."""
    form = await request.form()
    values = _values(form, ("title", "description", "evaluationId"))
    source = values.pop("evaluationId", None)
    try:
        if source is not None:
            body = s.PlanTemplateFromPlan.model_validate(values)
            made = await templates.template_from_plan(session, principal, source, body)
        else:
            made = await templates.create_template(
                session, principal, s.PlanTemplateCreate.model_validate(values)
            )
    except Refused as exc:
        context = await _list_context(session, principal, 1)
        context["values"], context["errors"] = {**values, "evaluationId": source}, field_errors(exc)
        return render(request, "evaluations/templates.html", context, 400)
    return redirect(request, f"/templates/{made.id}")


async def _template_context(
    session: DbSession,
    principal: Principal,
    template_id: int,
    *,
    form: str = "",
    values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
) -> dict[str, Any]:
    template = presenter.template(await templates.get_template(session, principal, template_id))
    can_write = principal.can("evaluations:write")
    criteria, _ = (
        await library.list_library(session, principal, ListParams(limit=200)) if can_write else ([], 0)
    )
    return {
        "template": template,
        "can_write": can_write,
        "library": [{"id": c.id, "title": c.title} for c in criteria],
        "form": form,
        "values": values or {},
        "errors": errors or {},
    }


@router.get("/templates/{template_id}")
async def template_page(
    request: Request, template_id: TemplateId, principal: EvaluationsRead, session: DbSession
) -> Response:
    return render(
        request, "evaluations/template.html", await _template_context(session, principal, template_id)
    )


async def _refused(
    request: Request,
    session: DbSession,
    principal: Principal,
    template_id: int,
    form: str,
    values: dict[str, Any],
    exc: Exception,
) -> Response:
    context = await _template_context(
        session, principal, template_id, form=form, values=values, errors=field_errors(exc)
    )
    return render(request, "evaluations/template.html", context, 400)


@router.post("/templates/{template_id}")
async def update_template(
    request: Request, template_id: TemplateId, principal: EvaluationsWrite, session: DbSession
) -> Response:
    values = _values(await request.form(), ("title", "description"), edit=True)
    try:
        await templates.update_template(
            session, principal, template_id, s.PlanTemplateUpdate.model_validate(values)
        )
    except Refused as exc:
        return await _refused(request, session, principal, template_id, "fields", values, exc)
    return redirect(request, f"/templates/{template_id}")


def _block(content: dict[str, Any], phase: str) -> dict[str, Any]:
    """The part of a template's content an item goes in: the template itself, or one of its phases."""
    if phase == "":
        return content
    phases = content.get("phases") or []
    if not phase.isdigit() or int(phase) >= len(phases):
        raise ValidationFailed.at(["phase"], "This phase is no longer in the template; reload the page.")
    block: dict[str, Any] = phases[int(phase)]
    return block


def _change(content: dict[str, Any], phase: str, part: str) -> dict[str, Any]:
    """The body of ``PATCH /v1/plan-templates/{id}`` that sends back what an edit touched."""
    return (
        {"phases": content.get("phases") or []} if phase != "" or part == "phases" else {part: content[part]}
    )


@router.post("/templates/{template_id}/items")
async def add_template_item(
    request: Request, template_id: TemplateId, principal: EvaluationsWrite, session: DbSession
) -> Response:
    """Add a phase, or a criterion or task (to a phase, or outside phases), at the end."""
    form = await request.form()
    part, phase = _text(form, "part"), _text(form, "phase")
    values = _values(form, ("title", "description", "libraryCriterionId"))
    key = f"add-{part}-{phase}"
    try:
        if part not in PARTS:
            raise ValidationFailed.at(["part"], "Choose phases, criteria or tasks.")
        item = PARTS[part].model_validate(values).model_dump(by_alias=True, exclude_none=True)
        content = copy.deepcopy(
            presenter.template(await templates.get_template(session, principal, template_id))
        )
        block = _block(content, "" if part == "phases" else phase)
        block[part] = [*(block.get(part) or []), item]
        body = s.PlanTemplateUpdate.model_validate(_change(content, phase, part))
        await templates.update_template(session, principal, template_id, body)
    except Refused as exc:
        return await _refused(request, session, principal, template_id, key, values, exc)
    return redirect(request, f"/templates/{template_id}")


@router.post("/templates/{template_id}/items/remove")
async def remove_template_item(
    request: Request, template_id: TemplateId, principal: EvaluationsWrite, session: DbSession
) -> Response:
    """Remove an item or a phase; the page names it by place and title, and a template changed
    meanwhile (the title at that place differs) answers 409 rather than remove another one."""
    form = await request.form()
    part, phase, index, title = (_text(form, n) for n in ("part", "phase", "index", "title"))
    content = copy.deepcopy(presenter.template(await templates.get_template(session, principal, template_id)))
    block = _block(content, "" if part == "phases" else phase) if part in PARTS else {}
    items = list(block.get(part) or [])
    if not index.isdigit() or int(index) >= len(items) or items[int(index)].get("title") != title:
        raise Conflict("The template changed since the page was shown; reload it and try again.")
    del items[int(index)]
    block[part] = items
    body = s.PlanTemplateUpdate.model_validate(_change(content, phase, part))
    await templates.update_template(session, principal, template_id, body)
    return redirect(request, f"/templates/{template_id}")


@router.post("/templates/{template_id}/delete")
async def delete_template(
    request: Request, template_id: TemplateId, principal: EvaluationsWrite, session: DbSession
) -> Response:
    """Plans made from it keep their content."""
    await templates.delete_template(session, principal, template_id)
    return redirect(request, "/templates")


@router.post("/templates/{template_id}/plan")
async def plan_from_template(
    request: Request, template_id: TemplateId, principal: EvaluationsWrite, session: DbSession
) -> Response:
    """A new plan holding a copy of the template's content."""
    await templates.get_template(session, principal, template_id)  # another organization's: 404
    values = {**_values(await request.form(), ("title",)), "templateId": template_id}
    try:
        made = await plans.create_evaluation(session, principal, s.EvaluationCreate.model_validate(values))
    except Refused as exc:
        return await _refused(request, session, principal, template_id, "plan", values, exc)
    return redirect(request, f"/plans/{made.one.id}")


# --------------------------------------------------------------------------- the criteria library


async def _library_context(
    session: DbSession, principal: Principal, category: str, page: int
) -> dict[str, Any]:
    params = ListParams(limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE)
    rows, total = await library.list_library(session, principal, params, category or None)
    return {
        "criteria": [presenter.library_criterion(c) for c in rows],
        "total": total,
        "page": page,
        "pages": max(1, -(-total // PAGE_SIZE)),
        "category": category,
        "can_write": principal.can("evaluations:write"),
        "values": {},
        "errors": {},
    }


@router.get("/library")
async def library_page(
    request: Request,
    principal: EvaluationsRead,
    session: DbSession,
    category: Annotated[str, Query(max_length=255)] = "",
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> Response:
    return render(
        request, "evaluations/library.html", await _library_context(session, principal, category, page)
    )


@router.post("/library")
async def create_library_criterion(
    request: Request, principal: EvaluationsWrite, session: DbSession
) -> Response:
    values = _values(await request.form(), ("title", "description", "category"))
    try:
        made = await library.create_library_criterion(
            session, principal, s.LibraryCriterionCreate.model_validate(values)
        )
    except Refused as exc:
        context = await _library_context(session, principal, "", 1)
        context["values"], context["errors"] = values, field_errors(exc)
        return render(request, "evaluations/library.html", context, 400)
    return redirect(request, f"/library/{made.id}")


async def _criterion_context(
    session: DbSession,
    principal: Principal,
    library_id: int,
    *,
    form: str = "",
    values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
) -> dict[str, Any]:
    criterion = presenter.library_criterion(
        await library.get_library_criterion(session, principal, library_id)
    )
    can_write = principal.can("evaluations:write")
    found, _ = (
        await plans.list_evaluations(session, principal, ListParams(limit=200), True, summarize=False)
        if can_write
        else (presenter.Plans([], {}), 0)
    )
    return {
        "criterion": criterion,
        "metrics": presenter.metrics(await library.criterion_metrics(session, principal, library_id)),
        "can_write": can_write,
        "plans": [{"id": e.id, "title": e.title} for e in found.rows],
        "form": form,
        "values": {**criterion, **(values or {})} if form == "fields" else criterion,
        "plan_values": values if form == "plan" else {},
        "errors": errors or {},
    }


@router.get("/library/{library_id}")
async def library_criterion_page(
    request: Request, library_id: LibraryId, principal: EvaluationsRead, session: DbSession
) -> Response:
    context = await _criterion_context(session, principal, library_id)
    return render(request, "evaluations/library_criterion.html", context)


@router.post("/library/{library_id}")
async def update_library_criterion(
    request: Request, library_id: LibraryId, principal: EvaluationsWrite, session: DbSession
) -> Response:
    values = _values(await request.form(), ("title", "description", "category"), edit=True)
    try:
        body = s.LibraryCriterionUpdate.model_validate(values)
        await library.update_library_criterion(session, principal, library_id, body)
    except Refused as exc:
        context = await _criterion_context(
            session, principal, library_id, form="fields", values=values, errors=field_errors(exc)
        )
        return render(request, "evaluations/library_criterion.html", context, 400)
    return redirect(request, f"/library/{library_id}")


@router.post("/library/{library_id}/delete")
async def delete_library_criterion(
    request: Request, library_id: LibraryId, principal: EvaluationsWrite, session: DbSession
) -> Response:
    """Plans keep their copies."""
    await library.delete_library_criterion(session, principal, library_id)
    return redirect(request, "/library")


@router.post("/library/{library_id}/add-to-plan")
async def add_library_criterion_to_plan(
    request: Request, library_id: LibraryId, principal: EvaluationsWrite, session: DbSession
) -> Response:
    """Copy the criterion into a plan (linked to the library), then show that plan."""
    plan = _text(await request.form(), "evaluationId")
    try:
        if not plan.isdigit():
            raise ValidationFailed.at(["evaluationId"], "Choose a plan.")
        await library.add_library_criterion_to_plan(session, principal, library_id, int(plan))
    except Refused as exc:
        context = await _criterion_context(
            session,
            principal,
            library_id,
            form="plan",
            values={"evaluationId": plan},
            errors=field_errors(exc),
        )
        return render(request, "evaluations/library_criterion.html", context, 400)
    return redirect(request, f"/plans/{plan}#criteria")
