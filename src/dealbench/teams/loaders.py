"""Transport-free batch reads of teams, for GraphQL DataLoaders and ``me``."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from dealbench.auth.principal import Principal
from dealbench.models import Team, TeamMember


async def teams_by_user_ids(
    session: AsyncSession, principal: Principal, user_ids: Sequence[int]
) -> list[list[Team]]:
    """The teams of each user (in the principal's organization), one list per id, in id order."""
    rows = await session.execute(
        select(TeamMember.user_id, Team)
        .join(Team, Team.id == TeamMember.team_id)
        .where(Team.organization_id == principal.organization_id, TeamMember.user_id.in_(list(user_ids)))
        .order_by(Team.id)
    )
    found: dict[int, list[Team]] = {uid: [] for uid in user_ids}
    for user_id, team in rows.all():
        found.setdefault(user_id, []).append(team)
    return [found[uid] for uid in user_ids]
