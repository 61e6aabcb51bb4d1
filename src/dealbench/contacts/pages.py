"""The contacts of a deal, as the fragment the deal page loads (``/deals/{id}/contacts``)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request
from starlette.responses import Response

from dealbench.auth.principal import Principal
from dealbench.auth.sessions import page_scoped
from dealbench.contacts import service
from dealbench.contacts.schemas import ContactOut
from dealbench.deals.references import find_deal
from dealbench.kit.pages import render
from dealbench.kit.pagination import ListParams
from dealbench.kit.session import DbSession

router = APIRouter(tags=["pages"], include_in_schema=False)
ContactsRead = Annotated[Principal, page_scoped("contacts:read")]


@router.get("/deals/{id}/contacts")
async def deal_contacts(
    request: Request, id: Annotated[str, Path(max_length=300)], principal: ContactsRead, session: DbSession
) -> Response:
    deal = await find_deal(session, principal, id)
    rows, total = await service.list_contacts(session, principal, ListParams(limit=50), deal_id=deal.id)
    contacts = [ContactOut.model_validate(c).model_dump(by_alias=True, mode="json") for c in rows]
    return render(request, "contacts/of_deal.html", {"contacts": contacts, "total": total})
