"""The wire shapes of the invitations domain, shared by REST and GraphQL: an invitation, the one
just made (with its one-time code), and an accepted one with its new user (in the users domain's
own shape)."""

from __future__ import annotations

from typing import Any

from dealbench.invitations.schemas import InvitationOut
from dealbench.kit.presenter import Shape
from dealbench.models import Invitation, User
from dealbench.users import presenter as users

_I = Invitation.__table__.c

INVITATION = Shape([(info.alias or name, _I[name]) for name, info in InvitationOut.model_fields.items()])


def invitation(obj: Any) -> dict[str, Any]:
    return INVITATION.one(obj)


def invitations(rows: Any) -> list[dict[str, Any]]:
    return INVITATION.many(rows)


def created(obj: Invitation, code: str) -> dict[str, Any]:
    """A new invitation with its one-time code: the only answer that ever carries it."""
    return {**INVITATION.one(obj), "code": code}


def accepted(obj: Invitation, user: User) -> dict[str, Any]:
    return {"invitation": INVITATION.one(obj), "user": users.user(user)}
