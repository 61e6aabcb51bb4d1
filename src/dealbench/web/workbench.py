"""The workbench (``/``): the signed-in person's open deals with their plans' progress, their open
tasks (nearest due date first), and the recent activity of those plans. It joins two domains, so
it lives here rather than in either; each part comes from its domain's service and schema."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from dealbench.auth.sessions import SignedIn
from dealbench.deals import presenter as deals_presenter
from dealbench.deals import service as deals
from dealbench.evaluations import activity as plan_activity
from dealbench.evaluations import content, plans
from dealbench.evaluations import presenter as plan_presenter
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
    progress: dict[int, dict[str, object]] = {}
    titles: dict[int, str] = {}
    if principal.can("deals:read"):
        filters = deals.DealFilters(owner_user_id=me, closed=False, order="-updatedAt")
        rows, _ = await deals.list_deals(session, principal, ListParams(limit=15), filters)
        my_deals = deals_presenter.deals(rows)
    tasks: list[dict[str, object]] = []
    activity: list[dict[str, object]] = []
    if principal.can("evaluations:read"):
        plan_ids: list[int] = [int(d["evaluationId"]) for d in my_deals if d["evaluationId"] is not None]  # type: ignore[call-overload]
        summaries = await plans.summaries_by_ids(session, principal, plan_ids)
        progress = {pid: plan_presenter.progress(summary) for pid, summary in summaries.items()}
        titles = {e.id: e.title for e in await plans.evaluations_by_ids(session, principal, plan_ids) if e}
        tasks = plan_presenter.items(plan_presenter.TASK, await content.open_tasks_of(session, principal, me))
        activity = [
            plan_presenter.activity(a)
            for a in await plan_activity.recent_activity(session, principal, plan_ids)
        ]
    return render(
        request,
        "workbench.html",
        {"deals": my_deals, "progress": progress, "tasks": tasks, "activity": activity, "titles": titles},
    )
