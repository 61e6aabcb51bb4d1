"""The organization's settings in the web app (administrators): ``/settings/organization`` changes
its name, whether API tokens may be used at all, and whether new document projects allow downloads
through the API by default; over the service of ``PATCH /v1/organization``."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Request
from pydantic import ValidationError
from starlette.responses import Response

from dealbench.auth.principal import Principal
from dealbench.auth.sessions import page_scoped
from dealbench.kit.errors import ValidationFailed
from dealbench.kit.pages import field_errors, redirect, render
from dealbench.kit.session import DbSession
from dealbench.organizations import presenter, service
from dealbench.organizations.schemas import OrganizationUpdate

router = APIRouter(tags=["pages"], include_in_schema=False)

OrgAdmin = Annotated[Principal, page_scoped("organization:write")]


def _render(request: Request, principal: Principal, status: int = 200, **extra: Any) -> Response:
    org = presenter.organization(principal.organization)
    context = {"org": org, "values": {"name": org["name"]}, "errors": {}, "saved": False, **extra}
    return render(request, "settings/organization.html", context, status)


@router.get("/settings/organization")
async def organization_page(request: Request, principal: OrgAdmin, session: DbSession) -> Response:
    return _render(request, principal, saved=request.query_params.get("saved") == "1")


@router.post("/settings/organization")
async def update_organization(request: Request, principal: OrgAdmin, session: DbSession) -> Response:
    form = await request.form()
    name = str(form.get("name") or "")
    body = {
        "name": name,
        "settings": {
            # a checkbox that is not ticked is not sent: off
            "apiAccessEnabled": form.get("apiAccessEnabled") == "on",
            "apiDownloadEnabledDefault": form.get("apiDownloadEnabledDefault") == "on",
        },
    }
    try:
        await service.update_organization(session, principal, OrganizationUpdate.model_validate(body))
    except (ValidationError, ValidationFailed) as exc:
        return _render(request, principal, 400, values={"name": name}, errors=field_errors(exc))
    return redirect(request, "/settings/organization?saved=1")
