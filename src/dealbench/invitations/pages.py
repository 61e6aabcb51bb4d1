"""Accepting an invitation in the browser: ``/invitations/{code}`` asks the invitee's name and a
password, accepts with the same service as ``/v1/invitations/accept``, and signs them in."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request
from pydantic import ValidationError
from starlette.responses import Response

from dealbench.auth import sessions
from dealbench.invitations import service
from dealbench.invitations.schemas import InvitationAnswer
from dealbench.kit.errors import ValidationFailed
from dealbench.kit.pages import field_errors, redirect, render
from dealbench.kit.passwords import check_strength
from dealbench.kit.services import AppServices
from dealbench.kit.session import DbSession
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
