"""Invitations in the GraphQL dialect: ``invitations`` (``invitations:read``), ``createInvitation``
and ``revokeInvitation`` (``invitations:write``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import strawberry

import dealbench.users.graphql  # noqa: F401  (registers the Role enum)
from dealbench.graphql.context import ctx
from dealbench.graphql.types import Page, orm, page, paging, to_model
from dealbench.invitations import service
from dealbench.invitations.schemas import InvitationCreate
from dealbench.models import InvitationStatus, Role

strawberry.enum(InvitationStatus, name="InvitationStatus")


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
    @strawberry.field(description="Invitations, by id. Scope `invitations:read`.")
    async def invitations(
        self,
        info: strawberry.Info,
        limit: int | None = 100,
        offset: int | None = 0,
        status: InvitationStatus | None = None,
        include_expired: bool = False,
    ) -> Page[InvitationType] | None:
        items, total = await ctx(info).call(
            "invitations:read",
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
    @strawberry.mutation(description="Invite an email with a role. Scope `invitations:write`.")
    async def create_invitation(
        self, info: strawberry.Info, input: InvitationCreateInput
    ) -> InvitationCreated | None:
        context = ctx(info)
        context.require("invitations:write")  # the scope first: FORBIDDEN before any input check
        data = to_model(InvitationCreate, input)
        invitation, code = await context.mutate(
            "invitations:write", _create, data, context.services.secret_key
        )
        return InvitationCreated(invitation=orm(invitation), code=code)

    @strawberry.mutation(description="Revoke a PENDING invitation. Scope `invitations:write`.")
    async def revoke_invitation(self, info: strawberry.Info, id: int) -> InvitationType | None:
        return orm(await ctx(info).mutate("invitations:write", service.revoke_invitation, id))
