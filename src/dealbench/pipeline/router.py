"""The SalesDirector.ai pipeline dialect: JSend under ``/api/v1``.

Errors on these paths render as JSend by ``kit/dialects.py`` (``fail`` for 4xx, ``error`` for 5xx).
The routes translate: the services hold the rules, the presenters the wire shapes
(``deals.presenter.opportunities``, ``imports.presenter.upload_result``).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from starlette.responses import Response

from dealbench.auth.principal import Principal
from dealbench.auth.tokens import scoped
from dealbench.deals import presenter, service
from dealbench.deals.schemas import OpportunitiesAnswer
from dealbench.imports import presenter as imports_presenter
from dealbench.imports import service as imports
from dealbench.imports.engine import Kind
from dealbench.imports.flow import base_url, error_file_response, upload_and_import
from dealbench.imports.schemas import UploadAnswer
from dealbench.kit.services import AppServices, Services
from dealbench.kit.session import DbSession
from dealbench.kit.uploads import multipart_openapi
from dealbench.models import ImportRun

router = APIRouter(prefix="/api/v1", tags=["Pipeline (JSend)"])

OpportunitiesRead = Annotated[Principal, scoped("opportunities:read")]
ImportsWrite = Annotated[Principal, scoped("imports:write")]
ImportsRead = Annotated[Principal, scoped("imports:read")]


def jsend(data: Any) -> dict[str, Any]:
    return {"status": "success", "data": data}


@router.get("/opportunities/my", responses={200: {"model": OpportunitiesAnswer}})
async def my_opportunities(
    principal: OpportunitiesRead,
    session: DbSession,
    limit: Annotated[
        int | None, Query(ge=1, le=2_147_483_647, description="At most this many (default: all).")
    ] = None,
    offset: Annotated[int, Query(ge=0, le=2_147_483_647, description="Skip this many.")] = 0,
) -> dict[str, Any]:
    """The opportunities of the token's user (personal token) or of the whole organization
    (organization token), not deleted, in id order."""
    found = await service.my_opportunities(session, principal, limit=limit, offset=offset)
    return jsend(presenter.opportunities(found, timezone=principal.organization.timezone))


def error_file_url(request: Request, services: Services, run: ImportRun) -> str:
    return f"{base_url(request, services)}/api/v1/admin/imports/{run.uuid}/error-file"


async def _upload(
    kind: Kind,
    request: Request,
    principal: Principal,
    session: DbSession,
    services: Services,
    send_error_email: bool,
) -> dict[str, Any]:
    outcome = await upload_and_import(
        request,
        session,
        principal,
        services,
        kind,
        send_error_email=send_error_email,
        error_link=lambda run: error_file_url(request, services, run),
    )
    run = outcome.run
    link = error_file_url(request, services, run)
    return jsend(imports_presenter.upload_result(run, error_file=link, warnings=outcome.warnings))


SendErrorEmail = Annotated[
    bool,
    Query(description="Email the error file to the uploader (or the admins, for an organization token)."),
]
UPLOAD_DOC = {
    "responses": {200: {"model": UploadAnswer}},
    "openapi_extra": multipart_openapi(),
}


@router.post("/admin/opportunities/upload", **UPLOAD_DOC)  # type: ignore[arg-type]
async def upload_opportunities(
    request: Request,
    principal: ImportsWrite,
    session: DbSession,
    services: AppServices,
    send_error_email: SendErrorEmail = False,
) -> dict[str, Any]:
    """Create or update opportunities (deals) from a CSV file (at most 20 MB), keyed by Opportunity ID.

    Fields: Opportunity ID*, Opportunity Name*, Amount, Close Date, Stage, Forecast Category,
    Opportunity Owner, Opportunity Owner Email, Account ID, Account Name, Account URL/Website,
    Opportunity Type, Next Step."""
    return await _upload(Kind.OPPORTUNITIES, request, principal, session, services, send_error_email)


@router.post("/admin/contacts/upload", **UPLOAD_DOC)  # type: ignore[arg-type]
async def upload_contacts(
    request: Request,
    principal: ImportsWrite,
    session: DbSession,
    services: AppServices,
    send_error_email: SendErrorEmail = False,
) -> dict[str, Any]:
    """Create or update contacts from a CSV file, keyed by Email.

    Fields: Opportunity ID, Email*, Fullname, First Name, Last Name, Title, Company Name, Account ID,
    Phone, Mobile Phone."""
    return await _upload(Kind.CONTACTS, request, principal, session, services, send_error_email)


@router.post("/admin/salestargets/upload", **UPLOAD_DOC)  # type: ignore[arg-type]
async def upload_sales_targets(
    request: Request,
    principal: ImportsWrite,
    session: DbSession,
    services: AppServices,
    send_error_email: SendErrorEmail = False,
) -> dict[str, Any]:
    """Create or update monthly sales targets from a CSV file, keyed by sales rep and month.

    Fields (all required): Email Address of Salesrep, Month, Amount."""
    return await _upload(Kind.SALESTARGETS, request, principal, session, services, send_error_email)


@router.get(
    "/admin/imports/{import_id}/error-file",
    response_class=Response,
    responses={
        200: {"content": {"text/csv": {}}, "description": "The rejected rows, with an `error` column."}
    },
)
async def download_error_file(import_id: str, principal: ImportsRead, session: DbSession) -> Response:
    """The error file of an import of this organization (other organizations get 404)."""
    return error_file_response(*await imports.error_file(session, principal, import_id))
