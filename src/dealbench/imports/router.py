"""``/v1/imports``: the import engine in the Opine dialect (same engine as the JSend uploads and the CLI)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from starlette.responses import Response

from dealbench.auth.principal import Principal
from dealbench.auth.tokens import scoped
from dealbench.imports import presenter, service
from dealbench.imports.flow import base_url, error_file_response, upload_and_import
from dealbench.imports.schemas import ImportOut
from dealbench.kit.fastjson import json_response
from dealbench.kit.pagination import Paging
from dealbench.kit.schemas import Page
from dealbench.kit.services import AppServices, Services
from dealbench.kit.session import DbSession
from dealbench.kit.uploads import multipart_openapi
from dealbench.models import ImportRun

router = APIRouter(prefix="/v1", tags=["Imports"])

ImportsRead = Annotated[Principal, scoped("imports:read")]
ImportsWrite = Annotated[Principal, scoped("imports:write")]


def _error_url(request: Request, services: Services, run: ImportRun) -> str:
    return f"{base_url(request, services)}/v1/imports/{run.uuid}/errors"


def _out(
    request: Request, services: Services, run: ImportRun, warnings: list[str] | None = None
) -> dict[str, Any]:
    return presenter.import_run(run, error_file=_error_url(request, services, run), warnings=warnings)


@router.post(
    "/imports/{kind}",
    response_model=ImportOut,
    openapi_extra=multipart_openapi(),
)
async def create_import(
    kind: str,
    request: Request,
    principal: ImportsWrite,
    session: DbSession,
    services: AppServices,
    sendErrorEmail: Annotated[bool, Query(description="Email the error file to the uploader.")] = False,
) -> Response:
    """Import a CSV file (multipart field `file`, at most 20 MB) of `opportunities`, `contacts` or
    `salestargets`: one transaction per file, upserts by each kind's key."""
    import_kind = service.parse_kind(kind)
    outcome = await upload_and_import(
        request,
        session,
        principal,
        services,
        import_kind,
        send_error_email=sendErrorEmail,
        error_link=lambda run: _error_url(request, services, run),
    )
    return json_response(_out(request, services, outcome.run, outcome.warnings))


@router.get("/imports", response_model=Page[ImportOut])
async def list_imports(
    request: Request, principal: ImportsRead, session: DbSession, services: AppServices, paging: Paging
) -> Response:
    """The organization's imports, oldest first."""
    runs, total = await service.list_runs(session, principal, paging)
    return json_response(paging.page([_out(request, services, r) for r in runs], total))


@router.get(
    "/imports/{id}/errors",
    response_class=Response,
    responses={
        200: {"content": {"text/csv": {}}, "description": "The rejected rows, with an `error` column."}
    },
)
async def get_import_errors(id: str, principal: ImportsRead, session: DbSession) -> Response:
    """The error file of an import: its rejected rows as uploaded, plus an `error` column."""
    return error_file_response(*await service.error_file(session, principal, id))
