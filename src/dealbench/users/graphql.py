"""Users in the GraphQL dialect: ``users``, ``user`` (scope ``users:read``)."""

from __future__ import annotations

from datetime import datetime

import strawberry

from dealbench.graphql.context import ctx
from dealbench.graphql.types import Page, orm, page, paging
from dealbench.models import Role
from dealbench.teams.graphql import TeamType
from dealbench.teams.loaders import teams_by_user_ids
from dealbench.users import service

strawberry.enum(
    Role,
    name="Role",
    description="ADMIN manages; MEMBER reads and writes; VIEWER reads.",
)


@strawberry.type(name="User")
class UserType:
    id: int
    email: str
    first_name: str | None
    last_name: str | None
    role: Role
    created_at: datetime
    updated_at: datetime

    @strawberry.field
    def full_name(self) -> str:
        return " ".join(p for p in (self.first_name, self.last_name) if p) or self.email

    @strawberry.field(description="The user's teams. Scope `teams:read`.")
    async def teams(self, info: strawberry.Info) -> list[TeamType] | None:
        return list(await ctx(info).load("teams:read", "teams_by_user", teams_by_user_ids, self.id))


@strawberry.type
class Query:
    @strawberry.field(description="The organization's users, by id. Scope `users:read`.")
    async def users(
        self, info: strawberry.Info, limit: int | None = 100, offset: int | None = 0
    ) -> Page[UserType] | None:
        items, total = await ctx(info).call("users:read", service.list_users, paging(limit, offset))
        return page(items, total)

    @strawberry.field(description="One user of the organization. Scope `users:read`.")
    async def user(self, info: strawberry.Info, id: int) -> UserType | None:
        return orm(await ctx(info).call("users:read", service.get_user, id))
