"""The requests pages of the web app: ``/requests`` (the buyers' feature requests and bugs, filtered
by state, type, label and deal, the largest revenue at stake first or by id; the deals each one
blocks, with the link's priority), ``/requests/new`` and ``/requests/{ticket_id}`` (the request's
fields and labels, its links to deals added, re-prioritized and removed).

Every form calls the same service as ``/v1/tickets`` with the same Pydantic models, and the revenue
at stake is the presenter's ``dealAmountSum``.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from pydantic import ValidationError
from starlette.datastructures import FormData
from starlette.responses import Response

from dealbench.auth.principal import Principal
from dealbench.auth.sessions import page_scoped
from dealbench.deals.references import deal_choices
from dealbench.kit.errors import NotFound, ValidationFailed
from dealbench.kit.pages import field_errors, redirect, render
from dealbench.kit.pagination import ListParams
from dealbench.kit.session import DbSession
from dealbench.models.sales import LinkPriority, TicketState, TicketType
from dealbench.tickets import presenter, service
from dealbench.tickets.schemas import TicketCreate, TicketUpdate

router = APIRouter(tags=["pages"], include_in_schema=False)
TicketsRead = Annotated[Principal, page_scoped("tickets:read")]
TicketsWrite = Annotated[Principal, page_scoped("tickets:write")]
TicketId = Annotated[int, Path(ge=1, le=2**31 - 1)]
DealId = Annotated[int, Path(ge=1, le=2**31 - 1)]
PAGE_SIZE = 25
SORTS = {"-dealAmountSum": "Revenue at stake, largest first", "id": "Oldest first"}
STATES = [s.value for s in TicketState]
TYPES = [t.value for t in TicketType]
PRIORITIES = [p.value for p in LinkPriority]


def _choices() -> dict[str, Any]:
    return {"states": STATES, "types": TYPES, "priorities": PRIORITIES, "sorts": SORTS}


@router.get("/requests")
async def requests_page(
    request: Request,
    principal: TicketsRead,
    session: DbSession,
    state: Annotated[str, Query(max_length=20)] = "",
    type: Annotated[str, Query(max_length=20)] = "",
    label: Annotated[str, Query(max_length=255)] = "",
    deal: Annotated[str, Query(max_length=300)] = "",
    sort: Annotated[str, Query(max_length=20)] = "-dealAmountSum",
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> Response:
    """A page of requests with their deals and labels: two statements whatever the page size, and
    one for the deals the filter offers."""
    state = state if state in STATES else ""
    type = type if type in TYPES else ""
    sort = sort if sort in SORTS else "-dealAmountSum"
    filters = service.TicketFilters(
        state=state or None, type=type or None, label=label or None, deal=deal or None, order=sort
    )
    params = ListParams(limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE)
    error = ""
    try:
        found, total = await service.list_tickets(session, principal, params, filters)
        tickets = presenter.tickets(found)
    except ValidationFailed as exc:
        tickets, total, error = [], 0, "; ".join(field_errors(exc).values())
    query = {"state": state, "type": type, "label": label, "deal": deal, "sort": sort}
    return render(
        request,
        "tickets/list.html",
        {
            "tickets": tickets,
            "total": total,
            "page": page,
            "pages": max(1, -(-total // PAGE_SIZE)),
            "query": query,
            "error": error,
            "deals": await deal_choices(session, principal),
            "can_write": principal.can("tickets:write"),
            **_choices(),
        },
    )


def _labels(text: str) -> list[str]:
    return [name.strip() for name in text.split(",") if name.strip()]


def _fields(form: FormData, *, edit: bool) -> dict[str, Any]:
    """The request's own fields: on a new request an empty field is left out; on an edit it is
    cleared (null), as the API's null clears it. Labels are comma-separated."""
    values: dict[str, Any] = {}
    for name in ("title", "type", "state", "description", "targetDueDate"):
        text = str(form.get(name) or "").strip()
        if text:
            values[name] = text
        elif edit and name in form:
            values[name] = None
    if "labels" in form:
        labels = _labels(str(form.get("labels") or ""))
        if labels or edit:
            values["labels"] = labels
    return values


def _link(form: FormData) -> dict[str, Any] | None:
    deal = str(form.get("dealId") or "").strip()
    if not deal:
        return None
    link: dict[str, Any] = {"id": int(deal) if deal.isdigit() else deal}
    priority = str(form.get("priority") or "").strip()
    if priority:
        link["priority"] = priority
    return link


@router.get("/requests/new")
async def new_request_page(
    request: Request,
    principal: TicketsWrite,
    session: DbSession,
    deal: Annotated[str, Query(max_length=20)] = "",
) -> Response:
    values = {"dealId": int(deal)} if deal.isdigit() else {}
    return await _new_form(request, session, principal, values, {}, 200)


async def _new_form(
    request: Request,
    session: DbSession,
    principal: Principal,
    values: dict[str, Any],
    errors: dict[str, str],
    status: int,
) -> Response:
    context = {
        "values": values,
        "errors": errors,
        "deals": await deal_choices(session, principal),
        **_choices(),
    }
    return render(request, "tickets/new.html", context, status)


@router.post("/requests/new")
async def create_request(request: Request, principal: TicketsWrite, session: DbSession) -> Response:
    form = await request.form()
    values = _fields(form, edit=False)
    link = _link(form)
    body = {**values, "deals": [link]} if link else values
    try:
        made = await service.create_ticket(session, principal, TicketCreate.model_validate(body))
    except (ValidationError, ValidationFailed) as exc:
        shown = {**values, "labels": ", ".join(values.get("labels", []))}
        if link:
            shown["dealId"], shown["priority"] = link["id"], link.get("priority")
        return await _new_form(request, session, principal, shown, field_errors(exc), 400)
    return redirect(request, f"/requests/{made.rows[0].id}")


# --------------------------------------------------------------------------- one request


async def _request_context(
    session: DbSession,
    principal: Principal,
    ticket_id: int,
    *,
    form: str = "",
    values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
) -> dict[str, Any]:
    ticket = presenter.ticket(await service.read_ticket(session, principal, ticket_id))
    can_write = principal.can("tickets:write")
    linked = {d["id"] for d in ticket["linkedDeals"]}
    choices = [d for d in await deal_choices(session, principal) if d[0] not in linked] if can_write else []
    shown = {**ticket, "labels": ", ".join(ticket["labels"])}
    return {
        "ticket": ticket,
        "can_write": can_write,
        "deals": choices,
        "form": form,
        "values": {**shown, **(values or {})} if form == "fields" else shown,
        "link_values": values if form == "link" else {},
        "errors": errors or {},
        **_choices(),
    }


@router.get("/requests/{ticket_id}")
async def request_page(
    request: Request, ticket_id: TicketId, principal: TicketsRead, session: DbSession
) -> Response:
    return render(request, "tickets/detail.html", await _request_context(session, principal, ticket_id))


async def _refused(
    request: Request,
    session: DbSession,
    principal: Principal,
    ticket_id: int,
    form: str,
    values: dict[str, Any],
    exc: Exception,
) -> Response:
    context = await _request_context(
        session, principal, ticket_id, form=form, values=values, errors=field_errors(exc)
    )
    return render(request, "tickets/detail.html", context, 400)


@router.post("/requests/{ticket_id}")
async def update_request(
    request: Request, ticket_id: TicketId, principal: TicketsWrite, session: DbSession
) -> Response:
    """The request's title, type, state, description, due date and labels (they replace its labels)."""
    values = _fields(await request.form(), edit=True)
    try:
        await service.update_ticket(session, principal, ticket_id, TicketUpdate.model_validate(values))
    except (ValidationError, ValidationFailed) as exc:
        shown = {**values, "labels": ", ".join(values.get("labels") or [])}
        return await _refused(request, session, principal, ticket_id, "fields", shown, exc)
    return redirect(request, f"/requests/{ticket_id}")


@router.post("/requests/{ticket_id}/deals")
async def link_deal(
    request: Request, ticket_id: TicketId, principal: TicketsWrite, session: DbSession
) -> Response:
    """Link a deal with a priority, or change the priority of a linked one."""
    link = _link(await request.form())
    try:
        body = TicketUpdate.model_validate({"deals": [link or {}]})
        await service.update_ticket(session, principal, ticket_id, body)
    except (ValidationError, ValidationFailed) as exc:
        return await _refused(request, session, principal, ticket_id, "link", link or {}, exc)
    return redirect(request, f"/requests/{ticket_id}#deals")


@router.post("/requests/{ticket_id}/deals/{deal_id}/delete")
async def unlink_deal(
    request: Request, ticket_id: TicketId, deal_id: DealId, principal: TicketsWrite, session: DbSession
) -> Response:
    ticket = presenter.ticket(await service.read_ticket(session, principal, ticket_id))
    if deal_id not in {d["id"] for d in ticket["linkedDeals"]}:
        raise NotFound("The request is not linked to this deal.")
    body = TicketUpdate.model_validate({"deals": [{"id": deal_id, "delete": True}]})
    await service.update_ticket(session, principal, ticket_id, body)
    return redirect(request, f"/requests/{ticket_id}#deals")


@router.post("/requests/{ticket_id}/delete")
async def delete_request(
    request: Request, ticket_id: TicketId, principal: TicketsWrite, session: DbSession
) -> Response:
    await service.delete_ticket(session, principal, ticket_id)
    return redirect(request, "/requests")
