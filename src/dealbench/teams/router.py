"""Teams, in the Opus 2 dialect."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Response

from dealbench.auth.principal import Principal
from dealbench.auth.tokens import scoped
from dealbench.kit.fastjson import json_response
from dealbench.kit.pagination import Paging
from dealbench.kit.schemas import Page, PathId
from dealbench.kit.session import DbSession
from dealbench.teams import presenter, service
from dealbench.teams.schemas import TeamCreate, TeamOut
from dealbench.users.schemas import UserOut

router = APIRouter(prefix="/v1", tags=["Teams"])

TeamsRead = Annotated[Principal, scoped("teams:read")]
TeamsWrite = Annotated[Principal, scoped("teams:write")]


@router.get("/teams", response_model=Page[TeamOut])
async def list_teams(principal: TeamsRead, session: DbSession, paging: Paging) -> Response:
    rows, total = await service.list_teams(session, principal, paging)
    return json_response(paging.page(presenter.teams(rows), total))


@router.post("/teams", response_model=TeamOut, status_code=201)
async def create_team(body: TeamCreate, principal: TeamsWrite, session: DbSession) -> Response:
    """Create a team; names are unique in the organization, ignoring case (409)."""
    return json_response(presenter.team(await service.create_team(session, principal, body)), 201)


@router.get("/teams/{teamId}/users", response_model=Page[UserOut])
async def list_team_users(
    teamId: PathId, principal: TeamsRead, session: DbSession, paging: Paging
) -> Response:
    rows, total = await service.list_team_users(session, principal, teamId, paging)
    return json_response(paging.page(presenter.members(rows), total))


@router.put("/teams/{teamId}/users/{email}", response_model=UserOut)
async def add_team_user(teamId: PathId, email: str, principal: TeamsWrite, session: DbSession) -> Response:
    """Add the user with this email to the team (idempotent)."""
    return json_response(presenter.member(await service.add_team_user(session, principal, teamId, email)))


@router.delete("/teams/{teamId}/users/{email}", response_model=UserOut)
async def remove_team_user(teamId: PathId, email: str, principal: TeamsWrite, session: DbSession) -> Response:
    return json_response(presenter.member(await service.remove_team_user(session, principal, teamId, email)))
