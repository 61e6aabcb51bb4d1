"""Invitations in the browser: ``/invitations/{code}`` asks the invitee's name and a password,
accepts with the same service as ``/v1/invitations/accept``, and signs them in;
``/settings/invitations`` (administrators) invites an email with a role, sends a pending invitation
again (a new code) and revokes one. The invitee's link is emailed when SMTP is configured, and shown
to the administrator otherwise (the code is never stored, so the link is shown only then)."""

from __future__ import annotations

import logging
from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from pydantic import ValidationError
from starlette.responses import Response

from dealbench.auth import sessions
from dealbench.auth.principal import Principal
from dealbench.auth.sessions import page_scoped
from dealbench.invitations import presenter, service
from dealbench.invitations.schemas import InvitationAnswer, InvitationCreate
from dealbench.kit.errors import Conflict, ValidationFailed
from dealbench.kit.links import public_base_url
from dealbench.kit.mail import MailError
from dealbench.kit.pages import field_errors, form_values, redirect, render
from dealbench.kit.pagination import ListParams
from dealbench.kit.passwords import check_strength
from dealbench.kit.services import AppServices
from dealbench.kit.session import DbSession
from dealbench.models import Invitation, InvitationStatus, Role
from dealbench.users.directory import set_password

router = APIRouter(tags=["pages"], include_in_schema=False)
Code = Annotated[str, Path(min_length=8, max_length=200)]


@router.get("/invitations/{code}")
async def invitation_page(
    request: Request, code: Code, session: DbSession, services: AppServices
) -> Response:
    invitation = await service.open_invitation(session, code, services.secret_key)
    sessions.anonymous_csrf(request)
    response = render(
        request,
        "invitations/accept.html",
        {"invitation": invitation, "code": code, "values": {}, "errors": {}},
    )
    sessions.set_anonymous_csrf(response, request)
    return response


@router.post("/invitations/{code}")
async def accept(request: Request, code: Code, session: DbSession, services: AppServices) -> Response:
    await sessions.check_anonymous_csrf(request)
    form = await request.form()
    values = {k: str(form.get(k) or "") for k in ("firstName", "lastName")}
    password = str(form.get("password") or "")
    try:
        check_strength(password)
        answer = InvitationAnswer.model_validate({"code": code, **{k: v or None for k, v in values.items()}})
        _, user = await service.accept_invitation(session, answer, services.secret_key)
        await set_password(session, user, password)
    except (ValidationError, ValidationFailed) as exc:
        invitation = await service.open_invitation(session, code, services.secret_key)
        sessions.anonymous_csrf(request)
        context = {"invitation": invitation, "code": code, "values": values, "errors": field_errors(exc)}
        return render(request, "invitations/accept.html", context, 400)
    value, _ = await sessions.start_session(session, services.secret_key, services.settings, user)
    response = redirect(request, "/")
    sessions.set_session_cookie(response, request, value)
    return response


# --------------------------------------------------------------------------- /settings/invitations

InvitationsAdmin = Annotated[Principal, page_scoped("invitations:write")]
InvitationId = Annotated[int, Path(ge=1, le=2**31 - 1)]
log = logging.getLogger("dealbench.invitations")


async def _settings_page(
    request: Request, session: DbSession, principal: Principal, status: int = 200, **extra: Any
) -> Response:
    pending, params = InvitationStatus.PENDING, ListParams(limit=200)
    every, _ = await service.list_invitations(
        session, principal, params, status=pending, include_expired=True
    )
    live, _ = await service.list_invitations(session, principal, params, status=pending)
    live_ids = {item["id"] for item in presenter.invitations(live)}
    context = {
        "invitations": presenter.invitations(every),
        "live_ids": live_ids,
        "roles": [r.value for r in Role],
        "values": {"role": Role.MEMBER.value},
        "errors": {},
        "sent": None,
        **extra,
    }
    return render(request, "settings/invitations.html", context, status)


async def _hand_out(
    request: Request, principal: Principal, services: Any, invitation: Invitation, code: str
) -> dict[str, Any]:
    """Email the invitee their link when SMTP is configured; the link itself for the admin when it
    is not (or the server refused the email)."""
    link = f"{public_base_url(request, services.settings)}/invitations/{code}"
    smtp_url = services.settings.smtp_url
    failed = False
    if smtp_url:
        inviter = principal.user.full_name if principal.user else principal.organization.name
        try:
            await service.mail_invitation(
                smtp_url, services.settings.mail_from, invitation, principal.organization.name, inviter, link
            )
            return {"email": invitation.invitee_email, "mailed": True, "link": None}
        except MailError as exc:
            log.warning("could not email invitation %s: %s", invitation.id, exc)
            failed = True
    if link.startswith("/"):
        # Shown only to the administrator, on the address their own browser used for this page.
        link = f"{str(request.base_url).rstrip('/')}{link}"
    return {"email": invitation.invitee_email, "mailed": False, "failed": failed, "link": link}


@router.get("/settings/invitations")
async def invitations_page(request: Request, principal: InvitationsAdmin, session: DbSession) -> Response:
    return await _settings_page(request, session, principal)


@router.post("/settings/invitations")
async def invite(
    request: Request, principal: InvitationsAdmin, session: DbSession, services: AppServices
) -> Response:
    form = await request.form()
    values = {k: str(form.get(k) or "") for k in ("inviteeEmail", "role")}
    try:
        body = InvitationCreate.model_validate(form_values(form))
        invitation, code = await service.create_invitation(session, principal, body, services.secret_key)
    except (ValidationError, ValidationFailed) as exc:
        return await _settings_page(request, session, principal, 400, values=values, errors=field_errors(exc))
    except Conflict as exc:
        errors = {"inviteeEmail": exc.message}
        return await _settings_page(request, session, principal, 409, values=values, errors=errors)
    sent = await _hand_out(request, principal, services, invitation, code)
    return await _settings_page(request, session, principal, 201, sent=sent)


@router.post("/settings/invitations/{invitation_id}/resend")
async def resend(
    request: Request,
    invitation_id: InvitationId,
    principal: InvitationsAdmin,
    session: DbSession,
    services: AppServices,
) -> Response:
    invitation, code = await service.resend_invitation(session, principal, invitation_id, services.secret_key)
    sent = await _hand_out(request, principal, services, invitation, code)
    return await _settings_page(request, session, principal, sent=sent)


@router.post("/settings/invitations/{invitation_id}/revoke")
async def revoke(
    request: Request, invitation_id: InvitationId, principal: InvitationsAdmin, session: DbSession
) -> Response:
    await service.revoke_invitation(session, principal, invitation_id)
    return redirect(request, "/settings/invitations")
