"""Invitations in the GraphQL dialect: ``invitations`` (``invitations:read``), ``createInvitation``
and ``revokeInvitation`` (``invitations:write``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import strawberry

from dealbench.invitations import service
from dealbench.invitations.schemas import InvitationCreate
from dealbench.kit.graphql.context import ctx
from dealbench.kit.graphql.fields import scoped_field, scoped_mutation
from dealbench.kit.graphql.generate import gql_enum
from dealbench.kit.graphql.types import Page, orm, page, paging, to_model
from dealbench.models import InvitationStatus, Role

gql_enum(InvitationStatus)
gql_enum(Role)


@strawberry.type(name="Invitation")
class InvitationType:
    id: int
    status: InvitationStatus
    role: Role
    created_at: datetime
    updated_at: datetime
    expires_at: datetime
    inviter_user_id: int | None
    invitee_email: str
    organization_id: int


@strawberry.type
class InvitationCreated:
    invitation: InvitationType
    code: str = strawberry.field(description="The one-time code the invitee answers with; shown once.")


@strawberry.input
class InvitationCreateInput:
    invitee_email: str
    role: Role


@strawberry.type
class Query:
    @scoped_field(scope="invitations:read", description="Invitations, by id.")
    async def invitations(
        self,
        info: strawberry.Info,
        limit: int | None = 100,
        offset: int | None = 0,
        status: InvitationStatus | None = None,
        include_expired: bool = False,
    ) -> Page[InvitationType] | None:
        items, total = await ctx(info).call(
            service.list_invitations,
            paging(limit, offset),
            status=status,
            include_expired=include_expired,
        )
        return page(items, total)


async def _create(session: Any, principal: Any, data: InvitationCreate, secret_key: str) -> Any:
    return await service.create_invitation(session, principal, data, secret_key)


@strawberry.type
class Mutation:
    @scoped_mutation(scope="invitations:write", description="Invite an email with a role.")
    async def create_invitation(
        self, info: strawberry.Info, input: InvitationCreateInput
    ) -> InvitationCreated | None:
        context = ctx(info)
        data = to_model(InvitationCreate, input)
        invitation, code = await context.mutate(_create, data, context.services.secret_key)
        return InvitationCreated(invitation=orm(invitation), code=code)

    @scoped_mutation(scope="invitations:write", description="Revoke a PENDING invitation.")
    async def revoke_invitation(self, info: strawberry.Info, id: int) -> InvitationType | None:
        return orm(await ctx(info).mutate(service.revoke_invitation, id))
