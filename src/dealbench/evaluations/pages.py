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
from dealbench.evaluations import activity, buyers, comments, content, plans, presenter, templates
from dealbench.evaluations.schemas import BuyerCreate, CommentAnswer, CriterionUpdate, EvaluationCreate
from dealbench.kit.errors import NotFound, ValidationFailed
from dealbench.kit.links import public_base_url
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
    invited = await buyers.list_buyers(session, principal, deal.evaluation_id)
    said, _ = await comments.list_comments(session, principal, deal.evaluation_id, ListParams(limit=200))
    visits = await activity.buyer_activity(session, principal, deal.evaluation_id)
    base = public_base_url(request, request.app.state.services.settings)
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
            "buyers": presenter.items(presenter.BUYER, invited),
            "comments": presenter.items(presenter.COMMENT, said),
            "visits": [presenter.activity(a) for a in visits],
            "portal_url": base + presenter.portal_path(plan["accessCode"]),
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


# --------------------------------------------------------------------------- sharing with the buyer


def _invalid(request: Request, title: str, exc: Exception) -> Response:
    message = "; ".join(field_errors(exc).values())
    return render(request, "error.html", {"status": 400, "title": title, "message": message}, 400)


async def _plan_of(session: DbSession, principal: Principal, ref: str) -> tuple[int, int]:
    """The deal's id and its plan's (404 when the deal has no plan)."""
    deal = await find_deal(session, principal, ref)
    if deal.evaluation_id is None:
        raise NotFound("This deal has no plan.")
    return deal.id, deal.evaluation_id


@router.post("/deals/{id}/plan/buyers")
async def invite_buyer(
    request: Request, id: DealRef, principal: EvaluationsWrite, session: DbSession
) -> Response:
    """Invite a buyer (email, name) to the plan's portal."""
    deal_id, plan_id = await _plan_of(session, principal, id)
    try:
        body = BuyerCreate.model_validate(form_values(await request.form()))
        await buyers.invite_buyer(session, principal, plan_id, body)
    except (ValidationError, ValidationFailed) as exc:
        return _invalid(request, "Invalid buyer", exc)
    return redirect(request, f"/deals/{deal_id}#plan")


@router.post("/deals/{id}/plan/buyers/{buyer_id}/remove")
async def remove_buyer(
    request: Request, id: DealRef, buyer_id: ItemId, principal: EvaluationsWrite, session: DbSession
) -> Response:
    deal_id, plan_id = await _plan_of(session, principal, id)
    await buyers.remove_buyer(session, principal, plan_id, buyer_id)
    return redirect(request, f"/deals/{deal_id}#plan")


@router.post("/deals/{id}/plan/buyers/{buyer_id}/link")
async def buyer_link(
    request: Request, id: DealRef, buyer_id: ItemId, principal: EvaluationsWrite, session: DbSession
) -> Response:
    """A one-time sign-in link of the buyer, shown once to copy (for a server that sends no mail)."""
    deal_id, plan_id = await _plan_of(session, principal, id)
    services = request.app.state.services
    issued = await buyers.sign_in_link(session, principal, services.secret_key, plan_id, buyer_id)
    return render(
        request,
        "evaluations/buyer_link.html",
        {
            "deal_id": deal_id,
            "issued": issued,
            "url": public_base_url(request, services.settings) + issued.path,
        },
    )


@router.post("/deals/{id}/plan/rotate-access-code")
async def rotate_access_code(
    request: Request, id: DealRef, principal: EvaluationsWrite, session: DbSession
) -> Response:
    """A new portal link: the old one, buyer sessions and sign-in links end."""
    deal_id, plan_id = await _plan_of(session, principal, id)
    await buyers.rotate_access_code(session, principal, plan_id)
    return redirect(request, f"/deals/{deal_id}#plan")


@router.post("/deals/{id}/plan/comments")
async def answer_comment(
    request: Request, id: DealRef, principal: EvaluationsWrite, session: DbSession
) -> Response:
    """Answer a buyer's comment (``parentId``, ``body``)."""
    deal_id, plan_id = await _plan_of(session, principal, id)
    values: dict[str, object] = form_values(await request.form())
    parent = values.get("parentId")
    if isinstance(parent, str) and parent.isdigit() and len(parent) < 11:
        values["parentId"] = int(parent)
    try:
        await comments.answer_comment(session, principal, plan_id, CommentAnswer.model_validate(values))
    except (ValidationError, ValidationFailed) as exc:
        return _invalid(request, "Invalid answer", exc)
    return redirect(request, f"/deals/{deal_id}#plan")
