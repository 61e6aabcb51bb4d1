"""The plan of a deal, as the fragment the deal page loads (``/deals/{id}/plan``): its progress,
success criteria and tasks, from the same services as ``/v1/evaluations``."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request
from starlette.responses import Response

from dealbench.auth.principal import Principal
from dealbench.auth.sessions import page_scoped
from dealbench.deals.references import find_deal
from dealbench.evaluations import service
from dealbench.evaluations.schemas import CriterionOut, TaskOut
from dealbench.kit.pages import render
from dealbench.kit.session import DbSession

router = APIRouter(tags=["pages"], include_in_schema=False)
EvaluationsRead = Annotated[Principal, page_scoped("evaluations:read")]


@router.get("/deals/{id}/plan")
async def deal_plan(
    request: Request, id: Annotated[str, Path(max_length=300)], principal: EvaluationsRead, session: DbSession
) -> Response:
    deal = await find_deal(session, principal, id)
    if deal.evaluation_id is None:
        return render(request, "evaluations/of_deal.html", {"plan": None})
    evaluation = await service.get_evaluation(session, principal, deal.evaluation_id)
    (plan,) = await service.decorate(session, [evaluation])
    criteria = await service.list_items(session, principal, evaluation.id, service.CRITERIA)
    tasks = await service.list_items(session, principal, evaluation.id, service.TASKS)
    return render(
        request,
        "evaluations/of_deal.html",
        {
            "plan": plan,
            "criteria": [CriterionOut.model_validate(c).model_dump(by_alias=True) for c in criteria],
            "tasks": [TaskOut.model_validate(t).model_dump(by_alias=True) for t in tasks],
        },
    )
