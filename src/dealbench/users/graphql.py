"""Users in the GraphQL dialect: ``users``, ``user`` (scope ``users:read``)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import strawberry

from dealbench.kit.graphql.context import ctx
from dealbench.kit.graphql.fields import scoped_field
from dealbench.kit.graphql.types import Page, orm, page, paging
from dealbench.models import Role
from dealbench.users import service

if TYPE_CHECKING:
    from dealbench.graphql.composed import User

strawberry.enum(
    Role,
    name="Role",
    description="ADMIN manages; MEMBER reads and writes; VIEWER reads.",
)


@strawberry.type(name="UserFields")
class UserFields:
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


UserRef = Annotated["User", strawberry.lazy("dealbench.graphql.composed")]


@strawberry.type
class Query:
    @scoped_field(scope="users:read", description="The organization's users, by id.")
    async def users(
        self, info: strawberry.Info, limit: int | None = 100, offset: int | None = 0
    ) -> Page[UserRef] | None:
        items, total = await ctx(info).call(service.list_users, paging(limit, offset))
        return page(items, total)

    @scoped_field(scope="users:read", description="One user of the organization.")
    async def user(self, info: strawberry.Info, id: int) -> UserRef | None:
        return orm(await ctx(info).call(service.get_user, id))
