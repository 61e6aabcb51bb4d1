"""Invitations: an admin invites an email with a role; the invitee accepts or rejects with a code."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from dealbench.auth.principal import Principal
from dealbench.events import outbox
from dealbench.invitations import presenter
from dealbench.invitations.repository import InvitationRepository, by_code_hash
from dealbench.invitations.schemas import InvitationAnswer, InvitationCreate
from dealbench.kit.crypto import keyed_hash, new_code
from dealbench.kit.db import lock_key, utcnow
from dealbench.kit.errors import Conflict, NotFound
from dealbench.kit.locks import Lock
from dealbench.kit.mail import build_message, send_mail
from dealbench.kit.pagination import ListParams
from dealbench.kit.repository import TenantOf
from dealbench.models import Invitation, InvitationStatus, User
from dealbench.users import presenter as users_presenter
from dealbench.users.directory import add_user, find_by_email
from dealbench.users.schemas import UserCreate

VALIDITY = timedelta(days=7)
#: ``lock_key`` namespace: one invitation of an email at a time per organization.
INVITATION_LOCK = 0x696E76  # "inv"


async def list_invitations(
    session: AsyncSession,
    principal: Principal,
    params: ListParams,
    *,
    status: InvitationStatus | None = None,
    include_expired: bool = False,
) -> tuple[list[Any], int]:
    """A page of invitations (rows of the presenter's columns) and the total; expired ones only
    with ``include_expired``."""
    return await InvitationRepository(session, principal).page(
        params, status=status, live_at=None if include_expired else utcnow()
    )


async def create_invitation(
    session: AsyncSession, principal: Principal, data: InvitationCreate, secret_key: str
) -> tuple[Invitation, str]:
    """Invite an email with a role: the invitation and its one-time code (shown once). 409 when the
    email is a member already or has a pending invitation."""
    repo = InvitationRepository(session, principal)
    email = str(data.invitee_email).strip().lower()
    await lock_key(session, INVITATION_LOCK, f"{principal.organization_id}:{email}")
    if await find_by_email(session, principal, email) is not None:
        raise Conflict(f"'{email}' is already a member of this organization.")
    if await repo.pending_for(email, utcnow()) is not None:
        raise Conflict(f"A pending invitation for '{email}' already exists.")
    code = new_code()
    now = utcnow()
    invitation = repo.add(
        Invitation(
            invitee_email=email,
            role=data.role,
            inviter_user_id=principal.acting_user_id,
            code_hash=keyed_hash(secret_key, code),
            created_at=now,
            updated_at=now,
            expires_at=now + VALIDITY,
        )
    )
    await session.flush()
    await outbox.record(session, principal, "invitation.created", presenter.invitation(invitation))
    return invitation, code


async def revoke_invitation(session: AsyncSession, principal: Principal, invitation_id: int) -> Invitation:
    invitation = await InvitationRepository(session, principal).one(invitation_id, lock=Lock.UPDATE)
    if invitation.status is not InvitationStatus.PENDING:
        raise Conflict(f"Only a PENDING invitation can be revoked; this one is {invitation.status.value}.")
    invitation.status = InvitationStatus.REVOKED
    await session.flush()
    await outbox.record(session, principal, "invitation.revoked", presenter.invitation(invitation))
    return invitation


async def resend_invitation(
    session: AsyncSession, principal: Principal, invitation_id: int, secret_key: str
) -> tuple[Invitation, str]:
    """A new one-time code for a PENDING invitation (expired or not), valid for another
    :data:`VALIDITY`: the old code stops working, since only the HMAC of the new one is kept."""
    invitation = await InvitationRepository(session, principal).one(invitation_id, lock=Lock.UPDATE)
    if invitation.status is not InvitationStatus.PENDING:
        raise Conflict(f"Only a PENDING invitation can be sent again; this one is {invitation.status.value}.")
    code = new_code()
    now = utcnow()
    invitation.code_hash = keyed_hash(secret_key, code)
    invitation.expires_at = now + VALIDITY
    invitation.updated_at = now
    await session.flush()
    await outbox.record(session, principal, "invitation.resent", presenter.invitation(invitation))
    return invitation, code


async def mail_invitation(
    smtp_url: str, sender: str, invitation: Invitation, organization_name: str, inviter: str, link: str
) -> None:
    """Email the invitee their link; raises ``MailError`` when the SMTP server refuses."""
    body = (
        f"{inviter} invited you to join {organization_name} on Dealbench as {invitation.role.value}.\n\n"
        f"Accept the invitation (it expires on {invitation.expires_at:%Y-%m-%d}):\n{link}\n"
        + ("(a path on your Dealbench server)\n" if link.startswith("/") else "")
        + "\nIf you did not expect it, ignore this email.\n"
    )
    msg = build_message(
        sender=sender,
        to=[invitation.invitee_email],
        subject=f"Join {organization_name} on Dealbench",
        body=body,
    )
    await send_mail(smtp_url, msg)


async def _by_code(session: AsyncSession, code: str, secret_key: str) -> Invitation:
    # Answers and revocations of one invitation are serial: the second sees the first's status.
    invitation = await by_code_hash(session, keyed_hash(secret_key, code), lock=Lock.UPDATE)
    if invitation is None:
        raise NotFound("Invitation not found.")
    if invitation.status is not InvitationStatus.PENDING:
        raise Conflict(f"This invitation is {invitation.status.value} and can no longer be answered.")
    if invitation.expires_at <= utcnow():
        raise Conflict("This invitation has expired.")
    return invitation


async def accept_invitation(
    session: AsyncSession, data: InvitationAnswer, secret_key: str
) -> tuple[Invitation, User]:
    """Accept with the one-time code (no token): the invitee becomes a user with the invited role."""
    invitation = await _by_code(session, data.code, secret_key)
    user = await add_user(
        session,
        TenantOf(invitation.organization_id),
        UserCreate(
            email=invitation.invitee_email,
            first_name=data.first_name,
            last_name=data.last_name,
            role=invitation.role,
        ),
    )
    invitation.status = InvitationStatus.ACCEPTED
    await session.flush()
    tenant, actor = TenantOf(invitation.organization_id), outbox.user_actor(user)
    await outbox.record(
        session, None, "invitation.accepted", presenter.invitation(invitation), tenant=tenant, actor=actor
    )
    await outbox.record(session, None, "user.created", users_presenter.user(user), tenant=tenant, actor=actor)
    return invitation, user


async def reject_invitation(session: AsyncSession, data: InvitationAnswer, secret_key: str) -> Invitation:
    invitation = await _by_code(session, data.code, secret_key)
    invitation.status = InvitationStatus.REJECTED
    await session.flush()
    await outbox.record(
        session,
        None,
        "invitation.rejected",
        presenter.invitation(invitation),
        tenant=TenantOf(invitation.organization_id),
        actor={"type": "invitee", "email": invitation.invitee_email},
    )
    return invitation


async def open_invitation(session: AsyncSession, code: str, secret_key: str) -> Invitation:
    """The pending invitation of ``code`` (404 unknown, 409 answered or expired): the page an
    invitee opens before accepting."""
    return await _by_code(session, code, secret_key)
