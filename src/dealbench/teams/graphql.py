"""Teams in the GraphQL dialect: ``teams`` (scope ``teams:read``), and ``User.teams``."""

from __future__ import annotations

from typing import Any

import strawberry

from dealbench.kit.graphql.context import ctx
from dealbench.kit.graphql.fields import scoped_field
from dealbench.kit.graphql.generate import output_type
from dealbench.kit.graphql.types import Limit, Offset, Page, PageNumber, page, paging, wire
from dealbench.teams import presenter, service
from dealbench.teams.schemas import TeamOut

TeamType: Any = output_type(TeamOut, "Team", description="A team of users of the organization.")


@strawberry.type
class Query:
    @scoped_field(scope="teams:read", description="The organization's teams, by id.")
    async def teams(
        self, info: strawberry.Info, limit: Limit = 100, offset: Offset = None, page_number: PageNumber = None
    ) -> Page[TeamType] | None:
        rows, total = await ctx(info).call(service.list_teams, paging(limit, offset, page_number))
        return page(presenter.teams(rows), total)


@strawberry.type(description="The teams of a user (a relation the teams domain adds to `User`).")
class UserTeams:
    @scoped_field(scope="teams:read", description="The user's teams.")
    async def teams(self, info: strawberry.Info) -> list[TeamType] | None:
        rows = await ctx(info).load("teams_by_user", service.teams_of_users, self.id)  # type: ignore[attr-defined]
        return [wire(t) for t in presenter.teams(rows)]
