"""The plan of a deal, as the fragment the deal page loads (``/deals/{id}/plan``): its progress,
success criteria and tasks, from the same services as ``/v1/evaluations``; a plan created for the
deal from a template (or blank), and a criterion's outcome set."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request
from pydantic import ValidationError
from starlette.responses import Response

from dealbench.auth.principal import Principal
from dealbench.auth.sessions import page_scoped
from dealbench.deals.references import find_deal
from dealbench.evaluations import content, plans, presenter, templates
from dealbench.evaluations.schemas import CriterionUpdate, EvaluationCreate
from dealbench.kit.errors import ValidationFailed
from dealbench.kit.pages import field_errors, form_values, redirect, render
from dealbench.kit.pagination import ListParams
from dealbench.kit.session import DbSession

router = APIRouter(tags=["pages"], include_in_schema=False)
EvaluationsRead = Annotated[Principal, page_scoped("evaluations:read")]
EvaluationsWrite = Annotated[Principal, page_scoped("evaluations:write")]
DealRef = Annotated[str, Path(max_length=300)]
ItemId = Annotated[int, Path(ge=1, le=2**31 - 1)]


@router.get("/deals/{id}/plan")
async def deal_plan(
    request: Request, id: Annotated[str, Path(max_length=300)], principal: EvaluationsRead, session: DbSession
) -> Response:
    deal = await find_deal(session, principal, id)
    can_write = principal.can("evaluations:write")
    if deal.evaluation_id is None:
        choices, _ = (
            await templates.list_templates(session, principal, ListParams(limit=200))
            if can_write
            else ([], 0)
        )
        return render(
            request,
            "evaluations/of_deal.html",
            {
                "plan": None,
                "deal_id": deal.id,
                "can_write": can_write,
                "templates": [presenter.template(t) for t in choices],
            },
        )
    plan = presenter.plan(await plans.read_evaluation(session, principal, deal.evaluation_id))
    criteria = await content.list_items(session, principal, deal.evaluation_id, content.CRITERIA)
    tasks = await content.list_items(session, principal, deal.evaluation_id, content.TASKS)
    return render(
        request,
        "evaluations/of_deal.html",
        {
            "plan": plan,
            "deal_id": deal.id,
            "can_write": can_write,
            "outcomes": presenter.OUTCOMES,
            "criteria": presenter.items(presenter.CRITERION, criteria),
            "tasks": presenter.items(presenter.TASK, tasks),
        },
    )


@router.post("/deals/{id}/plan")
async def create_plan(
    request: Request, id: DealRef, principal: EvaluationsWrite, session: DbSession
) -> Response:
    """A plan for the deal, from the chosen template (or blank), linked to it."""
    deal = await find_deal(session, principal, id)
    values: dict[str, object] = form_values(await request.form())
    template = values.get("templateId")
    if isinstance(template, str) and template.isdigit():
        values["templateId"] = int(template)  # a form sends text; the API's model wants a number
    try:
        body = EvaluationCreate.model_validate({**values, "dealId": deal.id})
        await plans.create_evaluation(session, principal, body)
    except (ValidationError, ValidationFailed) as exc:
        return render(
            request,
            "error.html",
            {"status": 400, "title": "Invalid plan", "message": "; ".join(field_errors(exc).values())},
            400,
        )
    return redirect(request, f"/deals/{deal.id}#plan")


@router.post("/deals/{id}/plan/criteria/{criterion_id}")
async def set_outcome(
    request: Request, id: DealRef, criterion_id: ItemId, principal: EvaluationsWrite, session: DbSession
) -> Response:
    """Set (or clear, with an empty choice) a success criterion's outcome and its note."""
    deal = await find_deal(session, principal, id)
    form = await request.form()
    values = {k: (str(form.get(k) or "").strip() or None) for k in ("outcome", "outcomeNote")}
    if deal.evaluation_id is None:
        return redirect(request, f"/deals/{deal.id}#plan")
    try:
        body = CriterionUpdate.model_validate(values)
        await content.update_item(
            session, principal, deal.evaluation_id, content.CRITERIA, criterion_id, body
        )
    except (ValidationError, ValidationFailed) as exc:
        return render(
            request,
            "error.html",
            {"status": 400, "title": "Invalid outcome", "message": "; ".join(field_errors(exc).values())},
            400,
        )
    return redirect(request, f"/deals/{deal.id}#plan")
