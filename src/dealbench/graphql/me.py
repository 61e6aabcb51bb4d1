"""``me`` (organization and personal schemas): who the token acts as, with Optix's field names.

Optix answers ``me`` for both kinds of token: ``authType`` says which kind, ``user`` is the token's
user (null for an organization token, which acts as the organization), ``organization`` the token's
organization. ``me`` needs no scope: any token may ask whose it is.
"""

from __future__ import annotations

from enum import Enum

import strawberry

from dealbench.kit.graphql.context import ctx
from dealbench.kit.graphql.fields import public_field
from dealbench.models import Role
from dealbench.teams.service import teams_of_users


@strawberry.enum(description="The kind of token a request was authenticated with.")
class AuthType(Enum):
    ORGANIZATION = strawberry.enum_value(
        "ORGANIZATION", description="An organization token (ends in `o`): acts as the organization."
    )
    PERSONAL = strawberry.enum_value(
        "PERSONAL", description="A personal token (ends in `p`): acts as one user of the organization."
    )


@strawberry.type(name="AuthTeam", description="A team the token's user belongs to (Optix field names).")
class AuthTeam:
    team_id: int = strawberry.field(name="team_id", description="The team's id.")
    name: str = strawberry.field(description="The team's name.")


@strawberry.type(name="AuthUser", description="The user of a personal token (Optix field names).")
class AuthUser:
    user_id: int = strawberry.field(name="user_id", description="The user's id.")
    email: str = strawberry.field(description="The user's email address.")
    name: str | None = strawberry.field(description="First name.")
    surname: str | None = strawberry.field(description="Last name.")
    fullname: str = strawberry.field(description="First and last name (the email when both are empty).")
    is_admin: bool = strawberry.field(name="is_admin", description="Whether the user's role is ADMIN.")
    role: str = strawberry.field(description="The user's role: ADMIN, MEMBER or VIEWER.")

    @strawberry.field(description="The user's teams.")
    async def teams(self, info: strawberry.Info) -> list[AuthTeam]:
        # The teams domain's batch, as the caller (the loader `User.teams` uses in this request too).
        teams = await ctx(info).load("teams_by_user", teams_of_users, self.user_id)
        return [AuthTeam(team_id=t.id, name=t.name) for t in teams]


@strawberry.type(name="AuthOrganization", description="The token's organization (Optix field names).")
class AuthOrganization:
    organization_id: int = strawberry.field(name="organization_id", description="The organization's id.")
    name: str = strawberry.field(description="The organization's name.")
    subdomain: str = strawberry.field(description="The organization's slug.")
    timezone: str = strawberry.field(description="The organization's IANA time zone.")
    currency: str = strawberry.field(description="The organization's ISO 4217 currency code.")


@strawberry.type(name="AuthenticatedUser", description="Who a token acts as (Optix's `me`).")
class AuthenticatedUser:
    auth_type: AuthType = strawberry.field(description="The kind of token: ORGANIZATION or PERSONAL.")
    user: AuthUser | None = strawberry.field(description="The token's user; null for an organization token.")
    organization: AuthOrganization = strawberry.field(description="The token's organization.")


@strawberry.type
class Query:
    @public_field(
        description="Who this token acts as: its kind, its user (personal tokens) and organization."
    )
    def me(self, info: strawberry.Info) -> AuthenticatedUser:
        principal = ctx(info).caller
        user, org = principal.user, principal.organization
        return AuthenticatedUser(
            auth_type=AuthType.PERSONAL if user is not None else AuthType.ORGANIZATION,
            user=None
            if user is None
            else AuthUser(
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
