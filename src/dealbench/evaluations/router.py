"""Evaluations, plan content, activity, plan templates and the criteria library (Opine dialect)."""

from typing import Annotated, Any

from fastapi import APIRouter, Body, Query, Request
from starlette.responses import Response

from dealbench.auth.principal import Principal
from dealbench.auth.tokens import scoped
from dealbench.evaluations import activity, buyers, comments, content, library, plans, presenter
from dealbench.evaluations import schemas as s
from dealbench.evaluations import templates as plan_templates
from dealbench.kit.etags import IfMatch, IfNoneMatch, require_current, tagged_response
from dealbench.kit.fastjson import json_response
from dealbench.kit.links import public_base_url
from dealbench.kit.locks import Lock
from dealbench.kit.pagination import Paging
from dealbench.kit.routing import add_update_route
from dealbench.kit.schemas import Id, IdOnly, Page, PathId
from dealbench.kit.services import AppServices
from dealbench.kit.session import DbSession

router = APIRouter(prefix="/v1", tags=["Evaluations"])

EvalRead = Annotated[Principal, scoped("evaluations:read")]
EvalWrite = Annotated[Principal, scoped("evaluations:write")]


@router.get("/evaluations", response_model=Page[s.EvaluationOut])
async def list_evaluations(
    principal: EvalRead, session: DbSession, paging: Paging, active: bool | None = None
) -> Response:
    """The organization's evaluations (plans), with `dealId` and a `progress` summary."""
    found, total = await plans.list_evaluations(session, principal, paging, active)
    return json_response(paging.page(presenter.evaluations(found), total))


@router.post("/evaluations", response_model=s.EvaluationOut, status_code=201)
async def create_evaluation(principal: EvalWrite, session: DbSession, body: s.EvaluationCreate) -> Response:
    """Create a plan; `templateId` copies the template's phases, criteria and tasks; `dealId` links a deal."""
    return json_response(presenter.plan(await plans.create_evaluation(session, principal, body)), 201)


@router.get("/evaluations/{id}", response_model=s.EvaluationOut)
async def get_evaluation(
    id: PathId, principal: EvalRead, session: DbSession, if_none_match: IfNoneMatch = None
) -> Response:
    """A plan with its deal and progress. Its ETag changes with any change of its content (an item
    added, changed, removed or reordered moves `updatedAt`)."""
    return tagged_response(presenter.plan(await plans.read_evaluation(session, principal, id)), if_none_match)


async def _plan_now(session: DbSession, principal: Principal, id: int, lock: Lock) -> Any:
    """The plan as ``GET`` answers it, read under the write's row lock."""
    await plans.get_evaluation(session, principal, id, lock=lock)
    return presenter.plan(await plans.read_evaluation(session, principal, id))


async def update_evaluation(
    id: PathId, principal: EvalWrite, session: DbSession, body: s.EvaluationUpdate, if_match: IfMatch = None
) -> Response:
    """Update a plan; `dealId: null` unlinks its deal."""
    await require_current(if_match, lambda: _plan_now(session, principal, id, Lock.UPDATE))
    return json_response(presenter.plan(await plans.update_evaluation(session, principal, id, body)))


add_update_route(router, "/evaluations/{id}", update_evaluation, response_model=s.EvaluationOut)


@router.delete("/evaluations/{id}", response_model=IdOnly)
async def delete_evaluation(
    id: PathId, principal: EvalWrite, session: DbSession, if_match: IfMatch = None
) -> IdOnly:
    """Delete a plan with its content; its deal is unlinked."""
    await require_current(if_match, lambda: _plan_now(session, principal, id, Lock.DELETE))
    return IdOnly(id=await plans.delete_evaluation(session, principal, id))


@router.get("/evaluations/{id}/activity", response_model=Page[s.EvaluationActivityOut])
async def list_evaluation_activity(
    id: PathId, principal: EvalRead, session: DbSession, paging: Paging
) -> Response:
    """Every change to the plan: who (user, token), what changed, when; oldest first."""
    items, total = await activity.list_activity(session, principal, id, paging)
    return json_response(paging.page([presenter.activity(a) for a in items], total))


# --------------------------------------------------------------------------- who sees the plan


@router.get("/evaluations/{id}/buyers", response_model=Page[s.BuyerOut])
async def list_evaluation_buyers(id: PathId, principal: EvalRead, session: DbSession) -> Response:
    """The buyers invited to the plan's portal."""
    found = await buyers.list_buyers(session, principal, id)
    return json_response(presenter.whole(presenter.BUYER, found))


@router.post("/evaluations/{id}/buyers", response_model=s.BuyerOut, status_code=201)
async def invite_evaluation_buyer(
    id: PathId, principal: EvalWrite, session: DbSession, body: s.BuyerCreate
) -> Response:
    """Invite a buyer (email, name): they may sign in to a RESTRICTED portal and act in any portal."""
    return json_response(presenter.BUYER.one(await buyers.invite_buyer(session, principal, id, body)), 201)


@router.delete("/evaluations/{id}/buyers/{buyerId}", response_model=IdOnly)
async def remove_evaluation_buyer(
    id: PathId, buyerId: PathId, principal: EvalWrite, session: DbSession
) -> IdOnly:
    """Remove a buyer: their portal sessions and sign-in links end."""
    return IdOnly(id=await buyers.remove_buyer(session, principal, id, buyerId))


@router.post("/evaluations/{id}/buyers/{buyerId}/sign-in-link", response_model=s.SignInLinkOut)
async def evaluation_buyer_sign_in_link(
    id: PathId,
    buyerId: PathId,
    request: Request,
    principal: EvalWrite,
    session: DbSession,
    services: AppServices,
) -> Response:
    """A one-time sign-in link of the buyer (15 minutes), to pass on when the server sends no mail."""
    issued = await buyers.sign_in_link(session, principal, services.secret_key, id, buyerId)
    return json_response(presenter.sign_in_link(issued, public_base_url(request, services.settings)))


@router.post("/evaluations/{id}/rotate-access-code", response_model=s.AccessCodeOut)
async def rotate_evaluation_access_code(
    id: PathId, request: Request, principal: EvalWrite, session: DbSession, services: AppServices
) -> Response:
    """A new access code: the old portal link, buyer sessions and sign-in links end at once."""
    evaluation = await buyers.rotate_access_code(session, principal, id)
    return json_response(presenter.access_code(evaluation, public_base_url(request, services.settings)))


@router.get("/evaluations/{id}/comments", response_model=Page[s.CommentOut])
async def list_evaluation_comments(
    id: PathId, principal: EvalRead, session: DbSession, paging: Paging
) -> Response:
    """Buyers' comments on the plan's criteria and tasks, and the sellers' answers; oldest first."""
    items, total = await comments.list_comments(session, principal, id, paging)
    return json_response(paging.page(presenter.items(presenter.COMMENT, items), total))


@router.post("/evaluations/{id}/comments", response_model=s.CommentOut, status_code=201)
async def answer_evaluation_comment(
    id: PathId, principal: EvalWrite, session: DbSession, body: s.CommentAnswer
) -> Response:
    """Answer a comment (`parentId`); its buyer is notified when the plan notifies its buyers."""
    return json_response(
        presenter.COMMENT.one(await comments.answer_comment(session, principal, id, body)), 201
    )


def _content_routes(path: str, kind: content.Kind, out: Any, create: Any, change: Any) -> None:
    base = f"/evaluations/{{id}}/{path}"
    noun = path.replace("-", "_")

    async def list_(id: PathId, principal: EvalRead, session: DbSession) -> Response:
        return json_response(
            presenter.whole(kind.shape, await content.list_items(session, principal, id, kind))
        )

    async def add(id: PathId, principal: EvalWrite, session: DbSession, body: create) -> Response:  # type: ignore[valid-type]
        return json_response(kind.shape.one(await content.add_item(session, principal, id, kind, body)), 201)

    async def update_(
        id: PathId, itemId: PathId, principal: EvalWrite, session: DbSession, body: change
    ) -> Response:  # type: ignore[valid-type]
        return json_response(
            kind.shape.one(await content.update_item(session, principal, id, kind, itemId, body))
        )

    async def delete_(id: PathId, itemId: PathId, principal: EvalWrite, session: DbSession) -> IdOnly:
        return IdOnly(id=await content.delete_item(session, principal, id, kind, itemId))

    async def reorder(id: PathId, principal: EvalWrite, session: DbSession, body: s.Reorder) -> Response:
        items = await content.reorder_items(session, principal, id, kind, body.ids)
        return json_response(presenter.whole(kind.shape, items))

    list_.__name__ = f"list_evaluation_{noun}"
    add.__name__ = f"add_evaluation_{noun}"
    update_.__name__ = f"update_evaluation_{noun}"
    delete_.__name__ = f"delete_evaluation_{noun}"
    reorder.__name__ = f"reorder_evaluation_{noun}"
    router.add_api_route(
        base, list_, methods=["GET"], response_model=Page[out], summary=f"List the plan's {path} in order"
    )
    router.add_api_route(
        base, add, methods=["POST"], response_model=out, status_code=201, summary=f"Add to {path}"
    )
    router.add_api_route(
        f"{base}/reorder",
        reorder,
        methods=["POST"],
        response_model=Page[out],
        summary=f"Reorder {path}: send every id in the new order",
    )
    add_update_route(router, f"{base}/{{itemId}}", update_, response_model=out)
    router.add_api_route(f"{base}/{{itemId}}", delete_, methods=["DELETE"], response_model=IdOnly)


_content_routes("phases", content.PHASES, s.PhaseOut, s.PhaseCreate, s.PhaseUpdate)
_content_routes("criteria", content.CRITERIA, s.CriterionOut, s.CriterionCreate, s.CriterionUpdate)
_content_routes("tasks", content.TASKS, s.TaskOut, s.TaskCreate, s.TaskUpdate)
_content_routes("meetings", content.MEETINGS, s.MeetingOut, s.MeetingCreate, s.MeetingUpdate)


# --------------------------------------------------------------------------- plan templates

templates = APIRouter(prefix="/v1", tags=["Plan templates"])


@templates.get("/plan-templates", response_model=Page[s.PlanTemplateOut])
async def list_plan_templates(principal: EvalRead, session: DbSession, paging: Paging) -> Response:
    items, total = await plan_templates.list_templates(session, principal, paging)
    return json_response(paging.page([presenter.template(t) for t in items], total))


@templates.post("/plan-templates", response_model=s.PlanTemplateOut, status_code=201)
async def create_plan_template(
    principal: EvalWrite, session: DbSession, body: s.PlanTemplateCreate
) -> Response:
    """A reusable plan: phases (each with criteria and tasks), and criteria and tasks outside phases."""
    return json_response(
        presenter.template(await plan_templates.create_template(session, principal, body)), 201
    )


@templates.get("/plan-templates/{id}", response_model=s.PlanTemplateOut)
async def get_plan_template(
    id: PathId, principal: EvalRead, session: DbSession, if_none_match: IfNoneMatch = None
) -> Response:
    found = await plan_templates.get_template(session, principal, id)
    return tagged_response(presenter.template(found), if_none_match)


async def _template_now(session: DbSession, principal: Principal, id: int, lock: Lock) -> Any:
    return presenter.template(await plan_templates.get_template(session, principal, id, lock=lock))


@templates.post("/evaluations/{id}/save-as-template", response_model=s.PlanTemplateOut, status_code=201)
async def save_evaluation_as_template(
    id: PathId, principal: EvalWrite, session: DbSession, body: s.PlanTemplateFromPlan
) -> Response:
    """A new template holding the plan's phases, success criteria (with their library links, without
    outcomes) and tasks, in plan order."""
    await plans.get_evaluation(session, principal, id)
    made = await plan_templates.template_from_plan(session, principal, id, body)
    return json_response(presenter.template(made), 201)


async def update_plan_template(
    id: PathId, principal: EvalWrite, session: DbSession, body: s.PlanTemplateUpdate, if_match: IfMatch = None
) -> Response:
    """`phases`, `criteria`, `tasks` each replace that part when sent."""
    await require_current(if_match, lambda: _template_now(session, principal, id, Lock.UPDATE))
    return json_response(
        presenter.template(await plan_templates.update_template(session, principal, id, body))
    )


add_update_route(templates, "/plan-templates/{id}", update_plan_template, response_model=s.PlanTemplateOut)


@templates.delete("/plan-templates/{id}", response_model=IdOnly)
async def delete_plan_template(
    id: PathId, principal: EvalWrite, session: DbSession, if_match: IfMatch = None
) -> IdOnly:
    """Plans made from it keep their content (`derivedFromTemplateId` becomes null)."""
    await require_current(if_match, lambda: _template_now(session, principal, id, Lock.DELETE))
    return IdOnly(id=await plan_templates.delete_template(session, principal, id))


# --------------------------------------------------------------------------- criteria library

criteria = APIRouter(prefix="/v1", tags=["Criteria library"])


@criteria.get("/criteria", response_model=Page[s.LibraryCriterionOut])
async def list_library_criteria(
    principal: EvalRead,
    session: DbSession,
    paging: Paging,
    category: Annotated[str | None, Query(max_length=255)] = None,
) -> Response:
    items, total = await library.list_library(session, principal, paging, category)
    return json_response(paging.page([presenter.library_criterion(c) for c in items], total))


@criteria.post("/criteria", response_model=s.LibraryCriterionOut, status_code=201)
async def create_library_criterion(
    principal: EvalWrite, session: DbSession, body: s.LibraryCriterionCreate
) -> Response:
    created = await library.create_library_criterion(session, principal, body)
    return json_response(presenter.library_criterion(created), 201)


@criteria.get("/criteria/{id}", response_model=s.LibraryCriterionOut)
async def get_library_criterion(
    id: PathId, principal: EvalRead, session: DbSession, if_none_match: IfNoneMatch = None
) -> Response:
    found = await library.get_library_criterion(session, principal, id)
    return tagged_response(presenter.library_criterion(found), if_none_match)


async def _criterion_now(session: DbSession, principal: Principal, id: int, lock: Lock) -> Any:
    return presenter.library_criterion(await library.get_library_criterion(session, principal, id, lock=lock))


async def update_library_criterion(
    id: PathId,
    principal: EvalWrite,
    session: DbSession,
    body: s.LibraryCriterionUpdate,
    if_match: IfMatch = None,
) -> Response:
    await require_current(if_match, lambda: _criterion_now(session, principal, id, Lock.UPDATE))
    updated = await library.update_library_criterion(session, principal, id, body)
    return json_response(presenter.library_criterion(updated))


add_update_route(criteria, "/criteria/{id}", update_library_criterion, response_model=s.LibraryCriterionOut)


@criteria.delete("/criteria/{id}", response_model=IdOnly)
async def delete_library_criterion(
    id: PathId, principal: EvalWrite, session: DbSession, if_match: IfMatch = None
) -> IdOnly:
    """Plans keep their copies; their link to the library is cleared."""
    await require_current(if_match, lambda: _criterion_now(session, principal, id, Lock.DELETE))
    return IdOnly(id=await library.delete_library_criterion(session, principal, id))


@criteria.get("/criteria/{id}/metrics", response_model=s.CriterionMetrics)
async def library_criterion_metrics(id: PathId, principal: EvalRead, session: DbSession) -> Response:
    """How many plans use this criterion, their outcomes, and how many of their deals were won or lost."""
    return json_response(presenter.metrics(await library.criterion_metrics(session, principal, id)))


@criteria.post("/criteria/{id}/add-to-plan", response_model=s.CriterionOut, status_code=201)
async def add_library_criterion_to_plan(
    id: PathId,
    principal: EvalWrite,
    session: DbSession,
    evaluation_id: Annotated[Id, Body(alias="evaluationId", embed=True)],
) -> Response:
    """Copy a library criterion into a plan (the plan keeps a link to it)."""
    added = await library.add_library_criterion_to_plan(session, principal, id, evaluation_id)
    return json_response(presenter.CRITERION.one(added), 201)
