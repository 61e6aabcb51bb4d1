"""Teams in the web app (administrators): ``/settings/teams`` lists and creates them,
``/settings/teams/{team_id}`` shows a team's members and adds or removes one by email; over the
teams service of ``/v1/teams``."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from pydantic import ValidationError
from starlette.responses import Response

from dealbench.auth.principal import Principal
from dealbench.auth.sessions import page_scoped
from dealbench.kit.errors import Conflict, NotFound, ValidationFailed
from dealbench.kit.pages import field_errors, form_values, redirect, render
from dealbench.kit.pagination import ListParams
from dealbench.kit.session import DbSession
from dealbench.teams import presenter, service
from dealbench.teams.schemas import TeamCreate

router = APIRouter(tags=["pages"], include_in_schema=False)

TeamsAdmin = Annotated[Principal, page_scoped("teams:write")]
TeamId = Annotated[int, Path(ge=1, le=2**31 - 1)]
LIST_LIMIT = 500


async def _list(
    request: Request, session: DbSession, principal: Principal, status: int = 200, **extra: Any
) -> Response:
    rows, total = await service.list_teams(session, principal, ListParams(limit=LIST_LIMIT))
    context = {"teams": presenter.teams(rows), "total": total, "values": {}, "errors": {}, **extra}
    return render(request, "settings/teams.html", context, status)


@router.get("/settings/teams")
async def teams_page(request: Request, principal: TeamsAdmin, session: DbSession) -> Response:
    return await _list(request, session, principal)


@router.post("/settings/teams")
async def create_team(request: Request, principal: TeamsAdmin, session: DbSession) -> Response:
    form = await request.form()
    values = {k: str(form.get(k) or "") for k in ("name", "description")}
    try:
        team = await service.create_team(session, principal, TeamCreate.model_validate(form_values(form)))
    except (ValidationError, ValidationFailed) as exc:
        return await _list(request, session, principal, 400, values=values, errors=field_errors(exc))
    except Conflict as exc:
        return await _list(request, session, principal, 409, values=values, errors={"name": exc.message})
    return redirect(request, f"/settings/teams/{team.id}")


async def _team(
    request: Request, session: DbSession, principal: Principal, team_id: int, status: int = 200, **extra: Any
) -> Response:
    team = await service.get_team(session, principal, team_id)
    rows, total = await service.list_team_users(session, principal, team_id, ListParams(limit=LIST_LIMIT))
    context = {
        "team": presenter.team(team),
        "members": presenter.members(rows),
        "total": total,
        "email": "",
        "error": None,
        **extra,
    }
    return render(request, "settings/team.html", context, status)


@router.get("/settings/teams/{team_id}")
async def team_page(request: Request, team_id: TeamId, principal: TeamsAdmin, session: DbSession) -> Response:
    return await _team(request, session, principal, team_id)


@router.post("/settings/teams/{team_id}/members")
async def add_member(
    request: Request, team_id: TeamId, principal: TeamsAdmin, session: DbSession
) -> Response:
    form = await request.form()
    email = str(form.get("email") or "").strip()
    await service.get_team(session, principal, team_id)  # another organization's team: the 404 page
    try:
        if not email:
            raise ValidationFailed.at(["email"], "Enter the email of a person of this organization.")
        await service.add_team_user(session, principal, team_id, email)
    except ValidationFailed as exc:
        return await _team(
            request, session, principal, team_id, 400, email=email, error=field_errors(exc)["email"]
        )
    except NotFound as exc:
        return await _team(request, session, principal, team_id, 400, email=email, error=exc.message)
    return redirect(request, f"/settings/teams/{team_id}")


@router.post("/settings/teams/{team_id}/members/remove")
async def remove_member(
    request: Request, team_id: TeamId, principal: TeamsAdmin, session: DbSession
) -> Response:
    form = await request.form()
    await service.get_team(session, principal, team_id)
    try:
        await service.remove_team_user(session, principal, team_id, str(form.get("email") or ""))
    except NotFound as exc:
        return await _team(request, session, principal, team_id, 400, error=exc.message)
    return redirect(request, f"/settings/teams/{team_id}")
