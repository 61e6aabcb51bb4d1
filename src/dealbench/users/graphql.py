"""Users in the GraphQL dialect: ``users``, ``user`` (scope ``users:read``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import strawberry

from dealbench.kit.graphql.context import ctx
from dealbench.kit.graphql.fields import scoped_field
from dealbench.kit.graphql.generate import gql_enum, output_type
from dealbench.kit.graphql.types import Limit, Offset, Page, PageNumber, page, paging, wire
from dealbench.models import Role
from dealbench.users import presenter, service
from dealbench.users.schemas import UserOut

if TYPE_CHECKING:
    from dealbench.graphql.composed import User

gql_enum(
    Role,
    "What a user may do: ADMIN manages; MEMBER reads and writes; VIEWER reads.",
    {
        "ADMIN": "Manages the organization, its users and tokens; reads and writes everything.",
        "MEMBER": "Reads and writes the organization's sales and documents.",
        "VIEWER": "Reads only.",
    },
)


_UserOut: Any = output_type(UserOut, "UserOut", describe={"role": "What the user may do."})


@strawberry.type(name="UserFields")
class UserFields(_UserOut):  # type: ignore[misc,valid-type]
    @strawberry.field(description="First and last name; the email when both are empty.")
    def full_name(self) -> str:
        return " ".join(p for p in (self.first_name, self.last_name) if p) or self.email  # type: ignore[attr-defined]


UserRef = Annotated["User", strawberry.lazy("dealbench.graphql.composed")]


@strawberry.type
class Query:
    @scoped_field(scope="users:read", description="The organization's users, by id.")
    async def users(
        self, info: strawberry.Info, limit: Limit = 100, offset: Offset = None, page_number: PageNumber = None
    ) -> Page[UserRef] | None:
        rows, total = await ctx(info).call(service.list_users, paging(limit, offset, page_number))
        return page(presenter.users(rows), total)

    @scoped_field(
        scope="users:read", description="One user of the organization.", args={"id": "The user's id."}
    )
    async def user(self, info: strawberry.Info, id: int) -> UserRef | None:
        return wire(presenter.user(await ctx(info).call(service.get_user, id)))
