"""``me`` (personal tokens only): the token's user and organization, with Optix's field names.

``me`` needs no scope: any personal token may ask whose it is.
"""

from __future__ import annotations

import strawberry

from dealbench.kit.graphql.context import ctx
from dealbench.kit.graphql.fields import public_field
from dealbench.models import Role
from dealbench.teams.service import teams_of_users


@strawberry.type(name="AuthTeam")
class AuthTeam:
    team_id: int = strawberry.field(name="team_id")
    name: str


@strawberry.type(name="AuthUser", description="The user of a personal token (Optix field names).")
class AuthUser:
    user_id: int = strawberry.field(name="user_id")
    email: str
    name: str | None = strawberry.field(description="First name.")
    surname: str | None = strawberry.field(description="Last name.")
    fullname: str
    is_admin: bool = strawberry.field(name="is_admin")
    role: str

    @strawberry.field(description="The user's teams.")
    async def teams(self, info: strawberry.Info) -> list[AuthTeam]:
        # The teams domain's batch, as the caller (the loader `User.teams` uses in this request too).
        teams = await ctx(info).load("teams_by_user", teams_of_users, self.user_id)
        return [AuthTeam(team_id=t.id, name=t.name) for t in teams]


@strawberry.type(name="AuthOrganization", description="The token's organization (Optix field names).")
class AuthOrganization:
    organization_id: int = strawberry.field(name="organization_id")
    name: str
    subdomain: str = strawberry.field(description="The organization's slug.")
    timezone: str
    currency: str


@strawberry.type(name="Auth", description="Who a personal token acts as.")
class Auth:
    user: AuthUser
    organization: AuthOrganization


@strawberry.type
class Query:
    @public_field(description="The user and organization of this personal token.")
    def me(self, info: strawberry.Info) -> Auth:
        principal = ctx(info).caller
        user, org = principal.user, principal.organization
        assert user is not None  # the personal schema is only served to personal tokens
        return Auth(
            user=AuthUser(
                user_id=user.id,
                email=user.email,
                name=user.first_name,
                surname=user.last_name,
                fullname=user.full_name,
                is_admin=user.role is Role.ADMIN,
                role=user.role.value,
            ),
            organization=AuthOrganization(
                organization_id=org.id,
                name=org.name,
                subdomain=org.slug,
                timezone=org.timezone,
                currency=org.currency,
            ),
        )
