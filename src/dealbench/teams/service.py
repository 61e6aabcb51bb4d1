"""Teams: named groups of users (used for project access)."""

from __future__ import annotations

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from dealbench.auth.principal import Principal
from dealbench.kit.errors import Conflict, NotFound
from dealbench.kit.pagination import ListParams, paginate
from dealbench.kit.tenancy import Lock, get_in_tenant, in_tenant
from dealbench.models import Team, TeamMember, User
from dealbench.teams.schemas import TeamCreate
from dealbench.users.directory import find_by_email


async def list_teams(
    session: AsyncSession, principal: Principal, params: ListParams
) -> tuple[list[Team], int]:
    base = in_tenant(Team, principal.organization_id)
    return await paginate(session, base.order_by(Team.id), params)


async def get_team(
    session: AsyncSession, principal: Principal, team_id: int, *, lock: Lock | None = None
) -> Team:
    return await get_in_tenant(session, Team, principal.organization_id, team_id, what="Team", lock=lock)


async def create_team(session: AsyncSession, principal: Principal, data: TeamCreate) -> Team:
    exists = await session.execute(
        in_tenant(Team, principal.organization_id).where(func.lower(Team.name) == data.name.lower())
    )
    if exists.scalar_one_or_none() is not None:
        raise Conflict(f"A team named '{data.name}' already exists.")
    team = Team(organization_id=principal.organization_id, name=data.name, description=data.description)
    try:
        async with session.begin_nested():
            session.add(team)
    except IntegrityError as exc:
        raise Conflict(f"A team named '{data.name}' already exists.") from exc
    return team


async def list_team_users(
    session: AsyncSession, principal: Principal, team_id: int, params: ListParams
) -> tuple[list[User], int]:
    team = await get_team(session, principal, team_id)
    base = (
        select(User)
        .join(TeamMember, TeamMember.user_id == User.id)
        .where(TeamMember.team_id == team.id, User.deleted_at.is_(None))
    )
    return await paginate(session, base.order_by(User.id), params)


async def _team_and_user(
    session: AsyncSession, principal: Principal, team_id: int, email: str
) -> tuple[Team, User]:
    # Membership changes of one team are serial: adding a member twice at once makes one row.
    team = await get_team(session, principal, team_id, lock=Lock.UPDATE)
    user = await find_by_email(session, principal, email)
    if user is None:
        raise NotFound(f"No user with email '{email}' in this organization.")
    return team, user


async def add_team_user(session: AsyncSession, principal: Principal, team_id: int, email: str) -> User:
    """Idempotent: adding a member twice leaves one membership."""
    team, user = await _team_and_user(session, principal, team_id, email)
    member = await session.get(TeamMember, (team.id, user.id))
    if member is None:
        session.add(TeamMember(team_id=team.id, user_id=user.id))
        await session.flush()
    return user


async def remove_team_user(session: AsyncSession, principal: Principal, team_id: int, email: str) -> User:
    team, user = await _team_and_user(session, principal, team_id, email)
    result = await session.execute(
        delete(TeamMember).where(TeamMember.team_id == team.id, TeamMember.user_id == user.id)
    )
    if not result.rowcount:  # type: ignore[attr-defined]
        raise NotFound(f"'{email}' is not a member of this team.")
    return user


async def team_ids_of_user(session: AsyncSession, user_id: int) -> list[int]:
    rows = await session.execute(select(TeamMember.team_id).where(TeamMember.user_id == user_id))
    return list(rows.scalars())
