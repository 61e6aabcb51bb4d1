"""The deals pages of the web app: ``/deals`` (search, filters, sort, paging), ``/deals/new`` and
``/deals/{id}`` (details, editable; notes), over the same services and presenter as ``/v1/deals``.

The deal page's plan, requests and contacts are fragments the evaluations, tickets and contacts
domains serve (``/deals/{id}/plan`` ...), loaded by htmx, so this domain knows none of them.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from pydantic import ValidationError
from starlette.responses import Response

from dealbench.auth.principal import Principal
from dealbench.auth.sessions import page_scoped
from dealbench.deals import presenter, service
from dealbench.deals.repository import ORDERS
from dealbench.deals.schemas import DealCreate, DealUpdate, NoteCreate
from dealbench.kit.errors import Conflict, ValidationFailed
from dealbench.kit.pages import field_errors, form_values, redirect, render
from dealbench.kit.pagination import ListParams
from dealbench.kit.session import DbSession

router = APIRouter(tags=["pages"], include_in_schema=False)

DealsRead = Annotated[Principal, page_scoped("deals:read")]
DealsWrite = Annotated[Principal, page_scoped("deals:write")]
DealRef = Annotated[str, Path(max_length=300)]
PAGE_SIZE = 25

#: The fields of the deal form, in order: (wire name, label, input type).
FIELDS: list[tuple[str, str, str]] = [
    ("name", "Name", "text"),
    ("accountName", "Account", "text"),
    ("stage", "Stage", "text"),
    ("amount", "Amount", "number"),
    ("probability", "Probability (%)", "number"),
    ("closeDate", "Close date", "date"),
    ("nextStep", "Next step", "text"),
    ("description", "Description", "textarea"),
]
STATUSES = {"open": (False, None), "won": (True, True), "lost": (True, False), "all": (None, None)}


@router.get("/deals")
async def deals_page(
    request: Request,
    principal: DealsRead,
    session: DbSession,
    q: Annotated[str, Query(max_length=255)] = "",
    stage: Annotated[str, Query(max_length=255)] = "",
    status: Annotated[str, Query(max_length=10)] = "open",
    sort: Annotated[str, Query(max_length=20)] = "-updatedAt",
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> Response:
    status = status if status in STATUSES else "open"
    sort = sort if sort in ORDERS else "-updatedAt"
    closed, won = STATUSES[status]
    filters = service.DealFilters(q=q or None, stage=stage or None, closed=closed, won=won, order=sort)
    params = ListParams(limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE)
    rows, total = await service.list_deals(session, principal, params, filters)
    context = {
        "deals": presenter.deals(rows),
        "total": total,
        "page": page,
        "pages": max(1, -(-total // PAGE_SIZE)),
        "q": q,
        "stage": stage,
        "status": status,
        "sort": sort,
        "can_write": principal.can("deals:write"),
    }
    template = "deals/rows.html" if request.headers.get("hx-request") == "true" else "deals/list.html"
    return render(request, template, context)


@router.get("/deals/new")
async def new_deal_page(request: Request, principal: DealsWrite) -> Response:
    return render(request, "deals/new.html", {"fields": FIELDS, "values": {}, "errors": {}})


@router.post("/deals/new")
async def create_deal(request: Request, principal: DealsWrite, session: DbSession) -> Response:
    values = form_values(await request.form())
    try:
        deal = await service.create_deal(session, principal, DealCreate.model_validate(values))
    except (ValidationError, ValidationFailed, Conflict) as exc:
        errors = field_errors(exc)
        return render(request, "deals/new.html", {"fields": FIELDS, "values": values, "errors": errors}, 400)
    return redirect(request, f"/deals/{deal.id}")


async def _deal_context(
    session: DbSession, principal: Principal, ref: str, errors: dict[str, str] | None = None
) -> dict[str, Any]:
    deal = presenter.deal(await service.read_deal(session, principal, ref))
    notes, _ = await service.list_notes(session, principal, deal["id"], ListParams(limit=100))
    return {
        "deal": deal,
        "notes": [presenter.note(n) for n in notes],
        "fields": FIELDS,
        "values": {name: deal.get(name) for name, _, _ in FIELDS},
        "errors": errors or {},
        "can_write": principal.can("deals:write"),
    }


@router.get("/deals/{id}")
async def deal_page(request: Request, id: DealRef, principal: DealsRead, session: DbSession) -> Response:
    return render(request, "deals/detail.html", await _deal_context(session, principal, id))


@router.post("/deals/{id}")
async def update_deal(request: Request, id: DealRef, principal: DealsWrite, session: DbSession) -> Response:
    form = await request.form()
    # A field the form shows and the person emptied is cleared (null), as the API's null clears it.
    values = {name: (v if isinstance(v, str) and v.strip() else None) for name, v in form.items()}
    values.pop("csrf_token", None)
    try:
        deal = await service.update_deal(session, principal, id, DealUpdate.model_validate(values))
    except (ValidationError, ValidationFailed, Conflict) as exc:
        context = await _deal_context(session, principal, id, field_errors(exc))
        context["values"] = values
        return render(request, "deals/detail.html", context, 400)
    return redirect(request, f"/deals/{deal.id}")


@router.post("/deals/{id}/notes")
async def add_note(request: Request, id: DealRef, principal: DealsWrite, session: DbSession) -> Response:
    values = form_values(await request.form())
    try:
        note = await service.add_note(session, principal, id, NoteCreate.model_validate(values))
    except (ValidationError, ValidationFailed) as exc:
        context = await _deal_context(session, principal, id)
        context["note_errors"], context["note_values"] = field_errors(exc), values
        return render(request, "deals/detail.html", context, 400)
    deal_id = note.deal_id
    return redirect(request, f"/deals/{deal_id}#notes")
