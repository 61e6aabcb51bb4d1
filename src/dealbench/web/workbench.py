"""The workbench (``/``): the signed-in person's open deals with their plans' progress, their open
tasks (nearest due date first), and the recent activity of those plans. It joins two domains, so
it lives here rather than in either; each part comes from its domain's service and schema."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from dealbench.auth.sessions import SignedIn
from dealbench.deals import presenter as deals_presenter
from dealbench.deals import service as deals
from dealbench.evaluations import service as evaluations
from dealbench.evaluations.schemas import ActivityOut, TaskOut
from dealbench.kit.pages import render
from dealbench.kit.pagination import ListParams
from dealbench.kit.session import DbSession
from dealbench.web.errors import PAGE_TAG

router = APIRouter(tags=[PAGE_TAG], include_in_schema=False)


@router.get("/")
async def workbench(request: Request, principal: SignedIn, session: DbSession) -> Response:
    assert principal.user is not None  # a session always acts as its user
    me = principal.user.id
    my_deals: list[dict[str, object]] = []
    plans: dict[int, dict[str, object]] = {}
    if principal.can("deals:read"):
        filters = deals.DealFilters(owner_user_id=me, closed=False, order="-updatedAt")
        rows, _ = await deals.list_deals(session, principal, ListParams(limit=15), filters)
        my_deals = deals_presenter.deals(rows)
    tasks: list[dict[str, object]] = []
    activity: list[dict[str, object]] = []
    if principal.can("evaluations:read"):
        plan_ids = [d["evaluationId"] for d in my_deals if d["evaluationId"] is not None]
        plans = await evaluations.plans_by_id(session, principal, plan_ids)  # type: ignore[arg-type]
        tasks = [
            TaskOut.model_validate(t).model_dump(by_alias=True)
            for t in await evaluations.open_tasks_of(session, principal, me)
        ]
        activity = [
            ActivityOut.model_validate(a).model_dump(by_alias=True)
            for a in await evaluations.recent_activity(session, principal, plan_ids)  # type: ignore[arg-type]
        ]
    titles = {pid: p["title"] for pid, p in plans.items()}
    return render(
        request,
        "workbench.html",
        {"deals": my_deals, "plans": plans, "tasks": tasks, "activity": activity, "titles": titles},
    )
