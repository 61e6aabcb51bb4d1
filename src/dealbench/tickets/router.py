"""Tickets in the Opine dialect (Opine's ticket object), plus GET/DELETE of one ticket and list filters."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from starlette.responses import Response

from dealbench.auth.principal import Principal
from dealbench.auth.tokens import scoped
from dealbench.kit.etags import IfMatch, IfNoneMatch, require_current, tagged_response
from dealbench.kit.fastjson import json_response
from dealbench.kit.locks import Lock
from dealbench.kit.pagination import Paging
from dealbench.kit.routing import add_update_route
from dealbench.kit.schemas import IdOnly, Page, PathId
from dealbench.kit.session import DbSession
from dealbench.models.sales import TicketState, TicketType
from dealbench.tickets import presenter, service
from dealbench.tickets.schemas import TicketCreate, TicketOut, TicketUpdate

router = APIRouter(prefix="/v1", tags=["Tickets"])

TicketsRead = Annotated[Principal, scoped("tickets:read")]
TicketsWrite = Annotated[Principal, scoped("tickets:write")]


@router.get("/tickets", response_model=Page[TicketOut])
async def list_tickets(
    principal: TicketsRead,
    session: DbSession,
    paging: Paging,
    state: TicketState | None = None,
    type: TicketType | None = None,
    label: Annotated[str | None, Query(max_length=255, description="A label name (case-sensitive).")] = None,
    deal_id: Annotated[
        str | None,
        Query(
            alias="dealId",
            max_length=300,
            description="A deal id or `eid:<vendorEntityId>`.",
            json_schema_extra={"pattern": "^([1-9][0-9]{0,8}|eid:.+)$"},
        ),
    ] = None,
) -> Response:
    """List tickets. Requires the 'tickets:read' scope."""
    filters = service.TicketFilters(
        state=state.value if state else None,
        type=type.value if type else None,
        label=label,
        deal=deal_id,
    )
    found, total = await service.list_tickets(session, principal, paging, filters)
    return json_response(paging.page(presenter.tickets(found), total))


@router.post("/tickets", response_model=TicketOut, status_code=201)
async def create_ticket(principal: TicketsWrite, session: DbSession, body: TicketCreate) -> Response:
    """Create a new ticket. Requires the 'tickets:write' scope."""
    return json_response(presenter.ticket(await service.create_ticket(session, principal, body)), 201)


@router.get("/tickets/{id}", response_model=TicketOut)
async def get_ticket(
    id: PathId, principal: TicketsRead, session: DbSession, if_none_match: IfNoneMatch = None
) -> Response:
    return tagged_response(presenter.ticket(await service.read_ticket(session, principal, id)), if_none_match)


def _current(session: DbSession, principal: Principal, id: int, lock: Lock) -> Any:
    """The ticket as ``GET`` answers it (links and labels included), read under the write's row lock."""

    async def current() -> Any:
        await service.get_ticket(session, principal, id, lock=lock)
        return presenter.ticket(await service.read_ticket(session, principal, id))

    return current


async def update_ticket(
    id: PathId, principal: TicketsWrite, session: DbSession, body: TicketUpdate, if_match: IfMatch = None
) -> Response:
    """Update an existing ticket. Requires the 'tickets:write' scope. `labels` replaces all labels;
    `deals` lists changes to the links (`delete: true` removes one; links not mentioned stay)."""
    await require_current(if_match, _current(session, principal, id, Lock.UPDATE))
    return json_response(presenter.ticket(await service.update_ticket(session, principal, id, body)))


add_update_route(router, "/tickets/{id}", update_ticket, response_model=TicketOut)


@router.delete("/tickets/{id}", response_model=IdOnly)
async def delete_ticket(
    id: PathId, principal: TicketsWrite, session: DbSession, if_match: IfMatch = None
) -> IdOnly:
    await require_current(if_match, _current(session, principal, id, Lock.DELETE))
    return IdOnly(id=await service.delete_ticket(session, principal, id))
