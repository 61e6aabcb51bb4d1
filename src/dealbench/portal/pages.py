"""The buyer portal's pages: ``/p/{accessCode}`` and what hangs from it.

- Who: an ``ANYONE_WITH_LINK`` plan opens to anyone with the link; a ``RESTRICTED`` one shows only
  the seller's organization and an email form until its buyer signs in with a one-time link.
  Acting (checking a buyer-side task, commenting) always needs a signed-in buyer.
- The buyer's cookie (``dealbench_buyer``) is not the seller's: its path is the plan's portal, so a
  browser sends it to that plan only, and the session behind it opens that plan only.
- Every request counts against two budgets of the rate limiter: the access code and the client
  address (resolved through the trusted proxies); over either, 429.
- The pages answer with the web app's security headers (``kit/pages.py``) and hold the few fields
  a buyer may see, named one by one in the templates: nothing of the deal, no other plan, no
  document that is not shared.
"""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import APIRouter, Form, Path, Request
from pydantic import TypeAdapter, ValidationError
from starlette.responses import Response, StreamingResponse

from dealbench.auth import sessions as web_sessions
from dealbench.documents import sharing
from dealbench.documents.storage import get_storage
from dealbench.evaluations import portal
from dealbench.evaluations.portal import Buyer, OpenPlan
from dealbench.kit import metrics
from dealbench.kit.clientinfo import client_address, is_https
from dealbench.kit.content import content_disposition
from dealbench.kit.errors import Forbidden, NotFound, RateLimited
from dealbench.kit.links import public_base_url
from dealbench.kit.pages import redirect, render, secure
from dealbench.kit.schemas import Email
from dealbench.kit.session import DbSession
from dealbench.kit.uow import transaction
from dealbench.models.sales import BuyerAccessLevel
from dealbench.portal.ics import meeting_ics
from dealbench.tickets import service as tickets

router = APIRouter(tags=["pages"], include_in_schema=False)

COOKIE = "dealbench_buyer"
#: Marks a browser whose visit is recorded (for 30 minutes), so reloading adds no activity.
SEEN_COOKIE = "dealbench_buyer_seen"
SEEN_SECONDS = 1800
Code = Annotated[str, Path(min_length=1, max_length=100)]
ItemId = Annotated[int, Path(ge=1, le=2**31 - 1)]
_EMAIL = TypeAdapter(Email)
_COLOR = re.compile(r"^#[0-9a-fA-F]{6}$")


def _services(request: Request):  # type: ignore[no-untyped-def]
    return request.app.state.services


async def _limit(request: Request, code: str) -> None:
    services = _services(request)
    settings = services.settings
    budgets = (
        (f"portal:code:{code[:100]}", settings.portal_requests_per_code),
        (f"portal:address:{client_address(request.scope)}", settings.portal_requests_per_address),
    )
    for key, limit in budgets:
        verdict = await services.rate_limiter.hit(key, limit)
        if not verdict.allowed:
            metrics.rate_limit_refused("portal")
            raise RateLimited(
                "Too many requests for this plan; wait a minute and try again.",
                headers={"Retry-After": str(max(1, verdict.retry_after))},
            )


async def _open(request: Request, session: DbSession, code: str) -> tuple[OpenPlan, Buyer | None]:
    """The plan of the code (404 otherwise) and the signed-in buyer, if any."""
    await _limit(request, code)
    plan = await portal.open_plan(session, code)
    buyer = await portal.current_buyer(
        session, plan, _services(request).secret_key, request.cookies.get(COOKIE)
    )
    return plan, buyer


def _restricted(plan: OpenPlan) -> bool:
    return plan.evaluation.buyer_access_level != BuyerAccessLevel.ANYONE_WITH_LINK.value


async def _viewer(request: Request, session: DbSession, code: str) -> tuple[OpenPlan, Buyer | None]:
    """A request that reads the plan: a RESTRICTED plan needs its buyer (404 for anyone else)."""
    plan, buyer = await _open(request, session, code)
    if buyer is None and _restricted(plan):
        raise NotFound("No plan here.")
    return plan, buyer


async def _actor(request: Request, session: DbSession, code: str) -> tuple[OpenPlan, Buyer]:
    """A request that acts: a signed-in buyer of this plan, with the session's CSRF token."""
    plan, buyer = await _open(request, session, code)
    if buyer is None:
        raise Forbidden("Sign in with your email to act on this plan.")
    form = await request.form()
    sent = request.headers.get(web_sessions.CSRF_HEADER) or form.get(web_sessions.CSRF_FIELD)
    if not web_sessions._same(sent if isinstance(sent, str) else None, buyer.csrf_token):
        raise web_sessions.CsrfRefused()
    return plan, buyer


def _base(code: str) -> str:
    return f"/p/{code}"


def _set_cookie(response: Response, request: Request, name: str, value: str, code: str, max_age: int) -> None:
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        path=_base(code),
        httponly=True,
        samesite="lax",
        secure=is_https(request.scope),
    )


async def _record_view(request: Request, plan: OpenPlan, buyer: Buyer | None) -> str | None:
    """Record the visit in its own transaction (the page itself is a read), once per browser and
    identity every half hour; the marker to set, if any."""
    who = buyer.email if buyer is not None else "anonymous"
    if request.cookies.get(SEEN_COOKIE) == who:
        return None
    async with transaction(_services(request).sessionmaker) as own:
        await portal.record_view(own, plan, buyer)
    return who


# --------------------------------------------------------------------------- the plan


@router.get("/p/{code}")
async def plan_page(request: Request, code: Code, session: DbSession) -> Response:
    plan, buyer = await _open(request, session, code)
    context = {"org_name": plan.organization.name, "code": code, "buyer": buyer}
    if buyer is None and _restricted(plan):
        web_sessions.anonymous_csrf(request)
        response = render(request, "portal/signin.html", {**context, "plan": None, "csrf": _anon(request)})
        web_sessions.set_anonymous_csrf(response, request)
        return response
    seen = await _record_view(request, plan, buyer)
    shown = await portal.view(session, plan)
    deal_id = shown.deal_id
    documents = await sharing.shared_of_deal(session, plan, deal_id) if deal_id is not None else []
    requests = await tickets.shared_with_buyer(session, plan, deal_id) if deal_id is not None else []
    if buyer is None:
        web_sessions.anonymous_csrf(request)
    response = render(
        request,
        "portal/plan.html",
        {
            **context,
            "plan": plan.evaluation,
            "view": shown,
            "documents": documents,
            "requests": requests,
            "csrf": buyer.csrf_token if buyer is not None else _anon(request),
        },
    )
    if buyer is None:
        web_sessions.set_anonymous_csrf(response, request)
    if seen is not None:
        _set_cookie(response, request, SEEN_COOKIE, seen, code, SEEN_SECONDS)
    return response


def _anon(request: Request) -> str:
    return str(getattr(request.state, "anon_csrf", ""))


@router.get("/p/{code}/theme.css")
async def theme(request: Request, code: Code, session: DbSession) -> Response:
    """The plan's branding colour as a stylesheet (the pages allow no inline style)."""
    plan, _ = await _open(request, session, code)
    color = plan.evaluation.branding_color_hex or ""
    color = color if _COLOR.match(color) else "#1f4f8f"
    css = f":root {{ --brand: {color}; }}\n"
    return secure(Response(css, media_type="text/css"))


# --------------------------------------------------------------------------- signing in


@router.post("/p/{code}/signin")
async def ask_for_link(
    request: Request, code: Code, session: DbSession, email: Annotated[str, Form(max_length=320)] = ""
) -> Response:
    """Mail a one-time link to an invited buyer or a contact of the deal; the same answer, in the
    same time (the mail is queued), for any other address."""
    plan, _ = await _open(request, session, code)
    await web_sessions.check_anonymous_csrf(request)
    context = {"org_name": plan.organization.name, "code": code, "buyer": None, "plan": None}
    try:
        address = _EMAIL.validate_python(email)
    except ValidationError:
        web_sessions.anonymous_csrf(request)
        context["error"] = "Enter a valid email address."
        return render(request, "portal/signin.html", {**context, "csrf": _anon(request)}, status=400)
    services = _services(request)
    verdict = await services.rate_limiter.hit(
        f"portal:signin:{address}", services.settings.signin_attempts_per_account
    )
    if verdict.allowed:
        await portal.request_sign_in(
            session, plan, services.secret_key, address, public_base_url(request, services.settings)
        )
    return render(request, "portal/sent.html", context)


@router.get("/p/{code}/signin/{link}")
async def link_page(request: Request, code: Code, link: Code, session: DbSession) -> Response:
    """The link of a mail: a button that signs in (a mail scanner that follows links uses none)."""
    plan, _ = await _open(request, session, code)
    web_sessions.anonymous_csrf(request)
    response = render(
        request,
        "portal/link.html",
        {
            "org_name": plan.organization.name,
            "code": code,
            "link": link,
            "buyer": None,
            "plan": None,
            "csrf": _anon(request),
        },
    )
    web_sessions.set_anonymous_csrf(response, request)
    return response


@router.post("/p/{code}/signin/{link}")
async def use_link(request: Request, code: Code, link: Code, session: DbSession) -> Response:
    plan, _ = await _open(request, session, code)
    await web_sessions.check_anonymous_csrf(request)
    services = _services(request)
    max_age = services.settings.buyer_session_max_age_seconds
    value = await portal.redeem_link(session, plan, services.secret_key, link, max_age)
    response = redirect(request, _base(code))
    _set_cookie(response, request, COOKIE, value, code, max_age)
    return response


@router.post("/p/{code}/signout")
async def sign_out(request: Request, code: Code, session: DbSession) -> Response:
    _, buyer = await _actor(request, session, code)
    await portal.sign_out(session, buyer)
    response = redirect(request, _base(code))
    response.delete_cookie(
        COOKIE, path=_base(code), httponly=True, samesite="lax", secure=is_https(request.scope)
    )
    return response


# --------------------------------------------------------------------------- acting


@router.post("/p/{code}/tasks/{task_id}")
async def check_task(request: Request, code: Code, task_id: ItemId, session: DbSession) -> Response:
    """Check off (``completed=true``) or reopen a buyer-side task."""
    plan, buyer = await _actor(request, session, code)
    done = str((await request.form()).get("completed", "true")).lower() in {"true", "1", "on", "yes"}
    await portal.complete_task(session, plan, buyer, task_id, done)
    return redirect(request, f"{_base(code)}#task-{task_id}")


@router.post("/p/{code}/comments")
async def add_comment(request: Request, code: Code, session: DbSession) -> Response:
    """A comment on a criterion (``criterionId``) or a task (``taskId``)."""
    plan, buyer = await _actor(request, session, code)
    form = await request.form()

    def number(name: str) -> int | None:
        value = str(form.get(name) or "").strip()
        return int(value) if value.isdigit() and len(value) < 11 else None

    criterion_id, task_id = number("criterionId"), number("taskId")
    await portal.comment(
        session, plan, buyer, criterion_id=criterion_id, task_id=task_id, body=str(form.get("body") or "")
    )
    anchor = f"criterion-{criterion_id}" if criterion_id is not None else f"task-{task_id}"
    return redirect(request, f"{_base(code)}#{anchor}")


# --------------------------------------------------------------------------- downloads


@router.get("/p/{code}/meetings/{meeting_id}/calendar.ics")
async def meeting_calendar(request: Request, code: Code, meeting_id: ItemId, session: DbSession) -> Response:
    plan, _ = await _viewer(request, session, code)
    meeting = await portal.meeting(session, plan, meeting_id)
    body = meeting_ics(meeting, request.headers.get("host", "").split(":")[0], plan.evaluation.title)
    headers = {"Content-Disposition": content_disposition(f"meeting-{meeting.id}.ics")}
    return secure(Response(body, media_type="text/calendar; charset=utf-8", headers=headers))


@router.get("/p/{code}/documents/{document_id}")
async def shared_document(request: Request, code: Code, document_id: ItemId, session: DbSession) -> Response:
    """A document of the deal shared with the buyer: its current version."""
    plan, _ = await _viewer(request, session, code)
    deal_id = await portal.view_deal(session, plan)
    if deal_id is None:
        raise NotFound("Document not found.")
    _, version = await sharing.shared_version(session, plan, deal_id, document_id)
    headers = {
        "Content-Disposition": content_disposition(version.file_name),
        "Content-Length": str(version.size),
    }
    storage = get_storage(_services(request))
    return secure(
        StreamingResponse(
            storage.stream(version.storage_key), headers=headers, media_type=version.content_type
        )
    )
