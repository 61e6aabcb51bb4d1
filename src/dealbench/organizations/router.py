from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter

from dealbench.auth.principal import Principal
from dealbench.auth.tokens import scoped
from dealbench.kit.routing import add_update_route
from dealbench.kit.session import DbSession
from dealbench.organizations import service
from dealbench.organizations.schemas import OrganizationOut, OrganizationUpdate

router = APIRouter(prefix="/v1", tags=["Organization"])

OrgRead = Annotated[Principal, scoped("organization:read")]
OrgWrite = Annotated[Principal, scoped("organization:write")]


def _out(principal: Principal) -> OrganizationOut:
    org = principal.organization
    out = OrganizationOut.model_validate(org)
    out.settings = service.settings_of(org)
    return out


@router.get("/organization", response_model=OrganizationOut)
async def get_organization(principal: OrgRead) -> OrganizationOut:
    """The organization of the token."""
    return _out(principal)


async def update_organization(
    body: OrganizationUpdate, principal: OrgWrite, session: DbSession
) -> OrganizationOut:
    """Update the organization's name, time zone, currency or settings (administrators only)."""
    await service.update_organization(session, principal, body)
    return _out(principal)


add_update_route(router, "/organization", update_organization, response_model=OrganizationOut)
