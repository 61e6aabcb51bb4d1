"""The statements of the teams domain (teams and their members), each within the caller's
organization."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import bindparam, delete, func, select

from dealbench.kit.pagination import ListParams, PagedQuery, paginate
from dealbench.kit.repository import Repository
from dealbench.models import Team, TeamMember, User
from dealbench.teams.presenter import MEMBER, TEAM

#: The list of teams: built once, its organization a bound parameter.
_TEAMS_PAGE = PagedQuery(
    select(*TEAM.columns).where(Team.organization_id == bindparam("org")).order_by(Team.id)
)


class TeamRepository(Repository[Team]):
    model = Team
    what = "Team"

    async def page(self, params: ListParams) -> tuple[list[Any], int]:
        """A page of teams as rows of the presenter's columns, in id order, and the total."""
        return await _TEAMS_PAGE.page(self.session, params, org=self.organization_id)

    async def named(self, name: str) -> Team | None:
        """The team called ``name``, ignoring case."""
        stmt = self.select().where(func.lower(Team.name) == name.lower())
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def of_users(self, user_ids: Sequence[int]) -> dict[int, list[Any]]:
        """The teams of each user as rows of the presenter's columns (in id order), in one statement."""
        if not user_ids:
            return {}
        stmt = (
            select(*TEAM.columns, TeamMember.user_id)
            .join(TeamMember, TeamMember.team_id == Team.id)
            .where(self.owned(), TeamMember.user_id.in_(list(user_ids)))
            .order_by(Team.id)
        )
        found: dict[int, list[Any]] = {}
        for row in (await self.session.execute(stmt)).all():
            found.setdefault(row[-1], []).append(row)
        return found

    # ------------------------------------------------------------------ members

    async def members_page(self, team: Team, params: ListParams) -> tuple[list[Any], int]:
        """A page of the team's current users as rows of the member shape's columns, and the total."""
        stmt = (
            select(*MEMBER.columns)
            .join(TeamMember, TeamMember.user_id == User.id)
            .where(self.owned(User), TeamMember.team_id == team.id, User.deleted_at.is_(None))
            .order_by(User.id)
        )
        return await paginate(self.session, stmt, params)

    async def is_member(self, team: Team, user: User) -> bool:
        return await self.session.get(TeamMember, (team.id, user.id)) is not None

    async def add_member(self, team: Team, user: User) -> None:
        self.session.add(TeamMember(team_id=team.id, user_id=user.id))
        await self.session.flush()

    async def remove_member(self, team: Team, user: User) -> bool:
        """Whether ``user`` was a member."""
        result = await self.session.execute(
            delete(TeamMember).where(TeamMember.team_id == team.id, TeamMember.user_id == user.id)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]
