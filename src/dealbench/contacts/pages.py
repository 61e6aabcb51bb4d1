"""The contacts of a deal, as the fragment the deal page loads (``/deals/{id}/contacts``)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request
from starlette.responses import Response

from dealbench.auth.principal import Principal
from dealbench.auth.sessions import page_scoped
from dealbench.contacts import presenter, service
from dealbench.kit.pages import render
from dealbench.kit.pagination import ListParams
from dealbench.kit.session import DbSession

router = APIRouter(tags=["pages"], include_in_schema=False)
ContactsRead = Annotated[Principal, page_scoped("contacts:read")]


@router.get("/deals/{id}/contacts")
async def deal_contacts(
    request: Request, id: Annotated[str, Path(max_length=300)], principal: ContactsRead, session: DbSession
) -> Response:
    rows, total = await service.list_deal_contacts(session, principal, id, ListParams(limit=50))
    contacts = presenter.contacts(rows)
    return render(request, "contacts/of_deal.html", {"contacts": contacts, "total": total})
