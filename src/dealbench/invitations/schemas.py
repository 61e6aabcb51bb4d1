from __future__ import annotations

from pydantic import Field

from dealbench.kit.schemas import Email, InModel, OutModel, Timestamp
from dealbench.models import InvitationStatus, Role
from dealbench.users.schemas import UserOut


class InvitationOut(OutModel):
    id: int
    status: InvitationStatus
    role: Role
    created_at: Timestamp
    updated_at: Timestamp
    expires_at: Timestamp
    inviter_user_id: int | None
    invitee_email: str
    organization_id: int


class InvitationCreated(InvitationOut):
    #: The one-time code the invitee uses to accept or reject; shown once.
    code: str


class InvitationCreate(InModel):
    invitee_email: Email
    role: Role


class InvitationAnswer(InModel):
    code: str = Field(min_length=8, max_length=200)
    first_name: str | None = Field(default=None, max_length=100)
    last_name: str | None = Field(default=None, max_length=100)


class InvitationAccepted(OutModel):
    invitation: InvitationOut
    user: UserOut
