"""The requests linked to a deal, as the fragment the deal page loads (``/deals/{id}/requests``):
each with its priority for this deal and the revenue at stake (the summed amount of every deal it
blocks), as the API's presenter computes it."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request
from starlette.responses import Response

from dealbench.auth.principal import Principal
from dealbench.auth.sessions import page_scoped
from dealbench.deals.references import find_deal
from dealbench.kit.pages import render
from dealbench.kit.session import DbSession
from dealbench.tickets import presenter, service

router = APIRouter(tags=["pages"], include_in_schema=False)
TicketsRead = Annotated[Principal, page_scoped("tickets:read")]


@router.get("/deals/{id}/requests")
async def deal_requests(
    request: Request, id: Annotated[str, Path(max_length=300)], principal: TicketsRead, session: DbSession
) -> Response:
    deal = await find_deal(session, principal, id)
    found, _ = await service.tickets_of_deals(session, principal, [deal.id])
    tickets = presenter.tickets(found)
    for ticket in tickets:
        ticket["priority"] = next((d["priority"] for d in ticket["linkedDeals"] if d["id"] == deal.id), None)
    tickets.sort(key=lambda t: -(t["dealAmountSum"] or 0))
    context = {"tickets": tickets, "deal_id": deal.id, "can_write": principal.can("tickets:write")}
    return render(request, "tickets/of_deal.html", context)
