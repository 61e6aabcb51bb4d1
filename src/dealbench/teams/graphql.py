"""Teams in the GraphQL dialect: ``teams`` (scope ``teams:read``)."""

from __future__ import annotations

from datetime import datetime

import strawberry

from dealbench.kit.graphql.context import ctx
from dealbench.kit.graphql.fields import scoped_field
from dealbench.kit.graphql.types import Page, page, paging
from dealbench.teams import service
from dealbench.teams.loaders import teams_by_user_ids


@strawberry.type(name="Team")
class TeamType:
    id: int
    name: str
    description: str | None
    created_at: datetime
    updated_at: datetime


@strawberry.type
class Query:
    @scoped_field(scope="teams:read", description="The organization's teams, by id.")
    async def teams(
        self, info: strawberry.Info, limit: int | None = 100, offset: int | None = 0
    ) -> Page[TeamType] | None:
        items, total = await ctx(info).call(service.list_teams, paging(limit, offset))
        return page(items, total)


@strawberry.type(description="The teams of a user (a relation the teams domain adds to `User`).")
class UserTeams:
    @scoped_field(scope="teams:read", description="The user's teams.")
    async def teams(self, info: strawberry.Info) -> list[TeamType] | None:
        return list(await ctx(info).load("teams_by_user", teams_by_user_ids, self.id))  # type: ignore[attr-defined]
