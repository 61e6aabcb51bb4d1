"""Invitations, in the Opine dialect; accept and reject need only the invitation's code."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from dealbench.auth.principal import Principal
from dealbench.auth.tokens import scoped
from dealbench.invitations import presenter, service
from dealbench.invitations.schemas import (
    InvitationAccepted,
    InvitationAnswer,
    InvitationCreate,
    InvitationCreated,
    InvitationOut,
)
from dealbench.kit.fastjson import json_response
from dealbench.kit.pagination import Paging
from dealbench.kit.schemas import IdOnly, Page, PathId
from dealbench.kit.services import AppServices
from dealbench.kit.session import DbSession
from dealbench.models import InvitationStatus

router = APIRouter(prefix="/v1", tags=["Invitations"])

InvitationsRead = Annotated[Principal, scoped("invitations:read")]
InvitationsWrite = Annotated[Principal, scoped("invitations:write")]


@router.get("/organization/invitations", response_model=Page[InvitationOut])
async def list_invitations(
    principal: InvitationsRead,
    session: DbSession,
    paging: Paging,
    status: Annotated[InvitationStatus | None, Query()] = None,
    includeExpired: Annotated[bool, Query()] = False,
) -> Response:
    """Invitations of the organization; expired ones only with `includeExpired=true`."""
    rows, total = await service.list_invitations(
        session, principal, paging, status=status, include_expired=includeExpired
    )
    return json_response(paging.page(presenter.invitations(rows), total))


@router.post("/organization/invitations", response_model=InvitationCreated, status_code=201)
async def create_invitation(
    body: InvitationCreate, principal: InvitationsWrite, session: DbSession, services: AppServices
) -> Response:
    """Invite an email with a role. The answer carries the one-time `code`, shown this once."""
    invitation, code = await service.create_invitation(session, principal, body, services.secret_key)
    return json_response(presenter.created(invitation, code), 201)


@router.post("/organization/invitations/{id}/revoke", response_model=IdOnly)
async def revoke_invitation(id: PathId, principal: InvitationsWrite, session: DbSession) -> IdOnly:
    invitation = await service.revoke_invitation(session, principal, id)
    return IdOnly(id=invitation.id)


@router.post(
    "/invitations/accept",
    response_model=InvitationAccepted,
    tags=["Invitations"],
    responses={404: {"description": "No invitation with this code."}},
)
async def accept_invitation(body: InvitationAnswer, session: DbSession, services: AppServices) -> Response:
    """Accept an invitation with its code (no token needed): creates the user."""
    invitation, user = await service.accept_invitation(session, body, services.secret_key)
    return json_response(presenter.accepted(invitation, user))


@router.post(
    "/invitations/reject",
    response_model=InvitationOut,
    tags=["Invitations"],
    responses={404: {"description": "No invitation with this code."}},
)
async def reject_invitation(body: InvitationAnswer, session: DbSession, services: AppServices) -> Response:
    """Reject an invitation with its code (no token needed)."""
    return json_response(
        presenter.invitation(await service.reject_invitation(session, body, services.secret_key))
    )
