"""Signing in and out: ``/login`` (email and password) and ``/logout``."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from starlette.responses import Response

from dealbench.auth import sessions
from dealbench.auth.sessions import SignedIn
from dealbench.kit.errors import RateLimited, Unauthorized
from dealbench.kit.pages import redirect, render, safe_next
from dealbench.kit.session import DbSession
from dealbench.web.errors import PAGE_TAG

router = APIRouter(tags=[PAGE_TAG], include_in_schema=False)


@router.get("/login")
async def login_page(
    request: Request, session: DbSession, next: Annotated[str | None, Query(max_length=2000)] = None
) -> Response:
    if await sessions.current(request, session) is not None:
        return redirect(request, safe_next(next))
    sessions.anonymous_csrf(request)
    response = render(request, "login.html", {"next": safe_next(next, ""), "email": ""})
    sessions.set_anonymous_csrf(response, request)
    return response


@router.post("/login")
async def login(
    request: Request,
    session: DbSession,
    email: Annotated[str, Form(max_length=320)] = "",
    password: Annotated[str, Form(max_length=4096)] = "",
    next: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    await sessions.check_anonymous_csrf(request)
    try:
        value = await sessions.sign_in(request, session, email, password)
    except (Unauthorized, RateLimited) as exc:
        sessions.anonymous_csrf(request)
        page = render(
            request,
            "login.html",
            {"next": safe_next(next, ""), "email": email, "error": exc.message},
            status=exc.status_code,
        )
        page.headers.update(exc.headers)
        return page
    response = redirect(request, safe_next(next))
    sessions.set_session_cookie(response, request, value)
    return response


@router.post("/logout")
async def logout(
    request: Request,
    principal: SignedIn,
    session: DbSession,
    everywhere: Annotated[bool, Form()] = False,
) -> Response:
    await sessions.sign_out(session, request.state.web, everywhere=everywhere)
    response = redirect(request, "/login")
    sessions.clear_session_cookie(response, request)
    return response
