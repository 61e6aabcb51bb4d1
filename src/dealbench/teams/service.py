"""Teams: named groups of users (used for project access)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from dealbench.auth.principal import Principal
from dealbench.kit.errors import Conflict, NotFound
from dealbench.kit.locks import Lock
from dealbench.kit.pagination import ListParams
from dealbench.models import Team, User
from dealbench.teams.repository import TeamRepository
from dealbench.teams.schemas import TeamCreate
from dealbench.users.directory import find_by_email


async def list_teams(
    session: AsyncSession, principal: Principal, params: ListParams
) -> tuple[list[Any], int]:
    """A page of teams (rows of the presenter's columns) and the total."""
    return await TeamRepository(session, principal).page(params)


async def teams_of_users(
    session: AsyncSession, principal: Principal, user_ids: Sequence[int]
) -> list[list[Any]]:
    """The teams of each user of the caller's organization (rows of the presenter's columns, in id
    order), one list per id, in one statement: the batch of the GraphQL loader of ``User.teams``
    and ``me``."""
    found = await TeamRepository(session, principal).of_users(user_ids)
    return [found.get(uid, []) for uid in user_ids]


async def get_team(
    session: AsyncSession, principal: Principal, team_id: int, *, lock: Lock | None = None
) -> Team:
    return await TeamRepository(session, principal).one(team_id, lock=lock)


async def create_team(session: AsyncSession, principal: Principal, data: TeamCreate) -> Team:
    """Create a team; names are unique in the organization, ignoring case (409)."""
    repo = TeamRepository(session, principal)
    taken = Conflict(f"A team named '{data.name}' already exists.")
    if await repo.named(data.name) is not None:
        raise taken
    team = Team(name=data.name, description=data.description)
    try:
        async with session.begin_nested():
            repo.add(team)
    except IntegrityError as exc:
        raise taken from exc
    return team


async def list_team_users(
    session: AsyncSession, principal: Principal, team_id: int, params: ListParams
) -> tuple[list[Any], int]:
    """A page of the team's current users (rows of the member shape's columns) and the total."""
    repo = TeamRepository(session, principal)
    team = await repo.one(team_id)
    return await repo.members_page(team, params)


async def _team_and_user(
    repo: TeamRepository, principal: Principal, team_id: int, email: str
) -> tuple[Team, User]:
    # Membership changes of one team are serial: adding a member twice at once makes one row.
    team = await repo.one(team_id, lock=Lock.UPDATE)
    user = await find_by_email(repo.session, principal, email)
    if user is None:
        raise NotFound(f"No user with email '{email}' in this organization.")
    return team, user


async def add_team_user(session: AsyncSession, principal: Principal, team_id: int, email: str) -> User:
    """Idempotent: adding a member twice leaves one membership."""
    repo = TeamRepository(session, principal)
    team, user = await _team_and_user(repo, principal, team_id, email)
    if not await repo.is_member(team, user):
        await repo.add_member(team, user)
    return user


async def remove_team_user(session: AsyncSession, principal: Principal, team_id: int, email: str) -> User:
    repo = TeamRepository(session, principal)
    team, user = await _team_and_user(repo, principal, team_id, email)
    if not await repo.remove_member(team, user):
        raise NotFound(f"'{email}' is not a member of this team.")
    return user
