"""The organization of the token, in the Opine dialect: ``/v1/organization``."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Response

from dealbench.auth.principal import Principal
from dealbench.auth.tokens import scoped
from dealbench.kit.etags import IfMatch, IfNoneMatch, require_current, tagged_response
from dealbench.kit.fastjson import json_response
from dealbench.kit.routing import add_update_route
from dealbench.kit.session import DbSession
from dealbench.organizations import presenter, service
from dealbench.organizations.schemas import OrganizationOut, OrganizationUpdate

router = APIRouter(prefix="/v1", tags=["Organization"])

OrgRead = Annotated[Principal, scoped("organization:read")]
OrgWrite = Annotated[Principal, scoped("organization:write")]


@router.get("/organization", response_model=OrganizationOut)
async def get_organization(
    principal: OrgRead,
    session: DbSession,
    if_none_match: IfNoneMatch = None,
) -> Response:
    """The organization of the token."""
    return tagged_response(
        presenter.organization(await service.get_organization(session, principal)), if_none_match
    )


async def _now(session: DbSession, principal: Principal) -> Any:
    """The organization as ``GET`` answers it, under the lock of its update."""
    return presenter.organization(await service.locked_organization(session, principal))


async def update_organization(
    body: OrganizationUpdate,
    principal: OrgWrite,
    session: DbSession,
    if_match: IfMatch = None,
) -> Response:
    """Update the organization's name, time zone, currency or settings (administrators only)."""
    await require_current(if_match, lambda: _now(session, principal))
    return json_response(presenter.organization(await service.update_organization(session, principal, body)))


add_update_route(router, "/organization", update_organization, response_model=OrganizationOut)
