"""Invitations in the GraphQL dialect: ``invitations`` (``invitations:read``), ``createInvitation``
and ``revokeInvitation`` (``invitations:write``)."""

from __future__ import annotations

from typing import Any

import strawberry

from dealbench.invitations import presenter, service
from dealbench.invitations.schemas import InvitationCreate, InvitationOut
from dealbench.kit.graphql.context import ctx
from dealbench.kit.graphql.fields import scoped_field, scoped_mutation
from dealbench.kit.graphql.generate import gql_enum, output_type
from dealbench.kit.graphql.types import Limit, Offset, Page, PageNumber, page, paging, to_model, wire
from dealbench.models import InvitationStatus, Role

gql_enum(
    InvitationStatus,
    "Where an invitation stands.",
    {
        "PENDING": "Sent, not yet answered; it may still expire.",
        "ACCEPTED": "The invitee joined the organization.",
        "REJECTED": "The invitee declined.",
        "REVOKED": "Withdrawn by the organization.",
    },
)

InvitationType: Any = output_type(
    InvitationOut,
    "Invitation",
    description="An invitation of an email address to join the organization with a role.",
    describe={
        "status": "Where the invitation stands.",
        "role": "The role the invitee gets on joining.",
        "expires_at": "When a pending invitation expires.",
        "inviter_user_id": "The id of the user who sent the invitation.",
        "invitee_email": "The email address invited.",
    },
)


@strawberry.type(description="A new invitation, with its one-time code.")
class InvitationCreated:
    invitation: InvitationType = strawberry.field(description="The invitation.")
    code: str = strawberry.field(description="The one-time code the invitee answers with; shown once.")


@strawberry.input(description="A new invitation.")
class InvitationCreateInput:
    invitee_email: str = strawberry.field(description="The email address to invite.")
    role: Role = strawberry.field(description="The role the invitee gets on joining.")


@strawberry.type
class Query:
    @scoped_field(
        scope="invitations:read",
        description="Invitations, by id.",
        args={
            "status": "Only invitations in this state.",
            "include_expired": "Also list pending invitations that have expired.",
        },
    )
    async def invitations(
        self,
        info: strawberry.Info,
        limit: Limit = 100,
        offset: Offset = None,
        page_number: PageNumber = None,
        status: InvitationStatus | None = None,
        include_expired: bool = False,
    ) -> Page[InvitationType] | None:
        rows, total = await ctx(info).call(
            service.list_invitations,
            paging(limit, offset, page_number),
            status=status,
            include_expired=include_expired,
        )
        return page(presenter.invitations(rows), total)


@strawberry.type
class Mutation:
    @scoped_mutation(scope="invitations:write", description="Invite an email with a role.")
    async def create_invitation(
        self, info: strawberry.Info, input: InvitationCreateInput
    ) -> InvitationCreated | None:
        context = ctx(info)
        data = to_model(InvitationCreate, input)
        invitation, code = await context.mutate(service.create_invitation, data, context.services.secret_key)
        return InvitationCreated(invitation=wire(presenter.invitation(invitation)), code=code)

    @scoped_mutation(
        scope="invitations:write",
        description="Revoke a PENDING invitation.",
        args={"id": "The invitation's id."},
    )
    async def revoke_invitation(self, info: strawberry.Info, id: int) -> InvitationType | None:
        return wire(presenter.invitation(await ctx(info).mutate(service.revoke_invitation, id)))
