""" "Forgot password" at ``/login/forgot``: a person gives their email and, when the server sends
email (``DEALBENCH_SMTP_URL``), receives a one-time link (:mod:`dealbench.auth.recovery`) to
``/login/reset/{token}``, where they choose a new password. The answer is the same whether or not
the address has an account, and the email leaves after the answer, so its time says nothing either.
Choosing the new password ends every session of the person and signs this browser in."""

from __future__ import annotations

import logging
from typing import Annotated, Any

from fastapi import APIRouter, Form, Path, Request
from starlette.background import BackgroundTask
from starlette.responses import Response

from dealbench.auth import recovery, repository, sessions
from dealbench.kit import metrics
from dealbench.kit.clientinfo import client_address
from dealbench.kit.errors import RateLimited, ValidationFailed
from dealbench.kit.links import host_tenant_slug, public_base_url
from dealbench.kit.mail import MailError, build_message, send_mail
from dealbench.kit.pages import field_errors, redirect, render
from dealbench.kit.passwords import check_strength
from dealbench.kit.services import AppServices, Services
from dealbench.kit.session import DbSession
from dealbench.users.directory import set_password
from dealbench.web.errors import PAGE_TAG

router = APIRouter(tags=[PAGE_TAG], include_in_schema=False)
log = logging.getLogger("dealbench.auth")
Token = Annotated[str, Path(min_length=10, max_length=120)]


def _form(request: Request, template: str, context: dict[str, Any], status: int = 200) -> Response:
    sessions.anonymous_csrf(request)
    response = render(request, template, context, status)
    sessions.set_anonymous_csrf(response, request)
    return response


@router.get("/login/forgot")
async def forgot_page(request: Request, services: AppServices) -> Response:
    return _form(request, "password/forgot.html", {"sent": False, "mail": bool(services.settings.smtp_url)})


async def _throttle(request: Request, services: Services, email: str) -> None:
    settings = services.settings
    budgets = (
        (f"reset:address:{client_address(request.scope)}", settings.signin_attempts_per_address),
        (f"reset:account:{email}", settings.signin_attempts_per_account),
    )
    for key, limit in budgets:
        verdict = await services.rate_limiter.hit(key, limit)
        if not verdict.allowed:
            metrics.rate_limit_refused("signin")
            raise RateLimited(
                "Too many requests; wait a minute and try again.",
                headers={"Retry-After": str(max(1, verdict.retry_after))},
            )


async def _mail_links(smtp_url: str, sender: str, email: str, links: list[tuple[str, str]]) -> None:
    lines = "\n".join(f"{organization}:\n{link}\n" for organization, link in links)
    minutes = int(recovery.LIFETIME.total_seconds() // 60)
    body = (
        "Someone asked to set a new Dealbench password for this address. To choose one, open\n"
        f"the link of your organization (it works once, within {minutes} minutes):\n\n{lines}\n"
        "If you did not ask, ignore this email: your password stays as it is.\n"
    )
    msg = build_message(sender=sender, to=[email], subject="Set a new Dealbench password", body=body)
    try:
        await send_mail(smtp_url, msg)
    except MailError as exc:
        log.warning("could not email a password reset link: %s", exc)


@router.post("/login/forgot")
async def forgot(
    request: Request,
    session: DbSession,
    services: AppServices,
    email: Annotated[str, Form(max_length=320)] = "",
) -> Response:
    await sessions.check_anonymous_csrf(request)
    email = email.strip().lower()
    settings = services.settings
    await _throttle(request, services, email)
    response = _form(request, "password/forgot.html", {"sent": True, "mail": bool(settings.smtp_url)})
    if settings.smtp_url and email:
        slug = host_tenant_slug(request.headers.get("host"), settings.base_domain)
        base = public_base_url(request, settings)
        links = [
            (org.name, f"{base}/login/reset/{recovery.reset_token(services.secret_key, user)}")
            for user, org in await repository.signin_candidates(session, email, slug)
        ]
        if links:  # after the answer: its timing is the same either way
            response.background = BackgroundTask(
                _mail_links, settings.smtp_url, settings.mail_from, email, links
            )
    return response


_DEAD = "This link has expired or has already been used. Ask for a new one."


@router.get("/login/reset/{token}")
async def reset_page(request: Request, token: Token, session: DbSession, services: AppServices) -> Response:
    user = await recovery.user_of_token(session, services.secret_key, token)
    context: dict[str, Any] = {"token": token, "dead": _DEAD if user is None else None, "errors": {}}
    return _form(request, "password/reset.html", context, 200 if user else 400)


@router.post("/login/reset/{token}")
async def reset(
    request: Request,
    token: Token,
    session: DbSession,
    services: AppServices,
    password: Annotated[str, Form(max_length=4096)] = "",
    confirm: Annotated[str, Form(max_length=4096)] = "",
) -> Response:
    await sessions.check_anonymous_csrf(request)
    user = await recovery.user_of_token(session, services.secret_key, token)
    if user is None:
        return _form(request, "password/reset.html", {"token": token, "dead": _DEAD, "errors": {}}, 400)
    try:
        check_strength(password)
        if password != confirm:
            raise ValidationFailed.at(["confirm"], "The two passwords differ.")
    except ValidationFailed as exc:
        context = {"token": token, "dead": None, "errors": field_errors(exc)}
        return _form(request, "password/reset.html", context, 400)
    await set_password(session, user, password)  # ends every session of the person
    value, _ = await sessions.start_session(session, services.secret_key, services.settings, user)
    response = redirect(request, "/")
    sessions.set_session_cookie(response, request, value)
    return response
