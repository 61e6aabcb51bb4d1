"""The organization of the token, in the Opine dialect: ``/v1/organization``."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Response

from dealbench.auth.principal import Principal
from dealbench.auth.tokens import scoped
from dealbench.kit.fastjson import json_response
from dealbench.kit.routing import add_update_route
from dealbench.kit.session import DbSession
from dealbench.organizations import presenter, service
from dealbench.organizations.schemas import OrganizationOut, OrganizationUpdate

router = APIRouter(prefix="/v1", tags=["Organization"])

OrgRead = Annotated[Principal, scoped("organization:read")]
OrgWrite = Annotated[Principal, scoped("organization:write")]


@router.get("/organization", response_model=OrganizationOut)
async def get_organization(principal: OrgRead, session: DbSession) -> Response:
    """The organization of the token."""
    return json_response(presenter.organization(await service.get_organization(session, principal)))


async def update_organization(body: OrganizationUpdate, principal: OrgWrite, session: DbSession) -> Response:
    """Update the organization's name, time zone, currency or settings (administrators only)."""
    return json_response(presenter.organization(await service.update_organization(session, principal, body)))


add_update_route(router, "/organization", update_organization, response_model=OrganizationOut)
