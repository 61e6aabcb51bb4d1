"""Imports in the web app: ``/imports`` shows the organization's recent imports (their counts and
error files) and, to those who may import (administrators), a CSV upload per kind: opportunities,
contacts, sales targets. The same engine as ``POST /v1/imports/{kind}``: the file streams to a
temporary file (htmx sends the session's CSRF header, so the body is never parsed twice), the
import runs and commits, and the page shows the counts with a link to the rejected rows."""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path as FilePath
from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from starlette.responses import Response

from dealbench.auth.principal import Principal
from dealbench.auth.sessions import CSRF_HEADER, page_scoped
from dealbench.imports import service
from dealbench.imports.fields import COLUMNS, Kind
from dealbench.imports.flow import error_file_response, upload_and_import
from dealbench.imports.upload import FileMissing
from dealbench.kit.errors import BadRequest, PayloadTooLarge, UnsupportedMediaType, ValidationFailed
from dealbench.kit.pages import field_errors, render
from dealbench.kit.pagination import ListParams
from dealbench.kit.services import AppServices, Services
from dealbench.kit.session import DbSession
from dealbench.kit.uow import checkpoint
from dealbench.models import ImportRun

router = APIRouter(tags=["pages"], include_in_schema=False)

ImportsRead = Annotated[Principal, page_scoped("imports:read")]
ImportsWrite = Annotated[Principal, page_scoped("imports:write")]
KindPath = Annotated[str, Path(pattern="^(opportunities|contacts|salestargets)$")]
RunId = Annotated[str, Path(min_length=1, max_length=64)]
#: How many of the newest imports the page lists.
RECENT = 50
TITLES = {Kind.OPPORTUNITIES: "Opportunities", Kind.CONTACTS: "Contacts", Kind.SALESTARGETS: "Sales targets"}


def _run(run: ImportRun) -> dict[str, Any]:
    return {
        "id": str(run.uuid),
        "kind": TITLES.get(Kind(run.kind), run.kind),
        "filename": run.filename,
        "total": run.total_original_rows,
        "imported": run.total_imported_rows,
        "rejected": run.total_error_rows,
        "ignored": list(run.ignored_columns or []),
        "warnings": list(run.warnings or []),
        "created_at": run.created_at,
    }


async def _page(
    request: Request, session: DbSession, principal: Principal, status: int = 200, **extra: Any
) -> Response:
    _, total = await service.list_runs(session, principal, ListParams(limit=1))
    runs, _ = await service.list_runs(
        session, principal, ListParams(limit=RECENT, offset=max(0, total - RECENT))
    )
    kinds = [
        {
            "kind": kind.value,
            "title": TITLES[kind],
            "required": [c.label for c in COLUMNS[kind] if c.required],
            "optional": [c.label for c in COLUMNS[kind] if not c.required],
        }
        for kind in Kind
    ]
    context = {
        "runs": [_run(r) for r in reversed(runs)],
        "total": total,
        "kinds": kinds,
        "can_write": principal.can("imports:write"),
        "limit_mb": f"{request.app.state.services.settings.import_max_bytes / (1024 * 1024):g}",
        "errors": {},
        "result": None,
        **extra,
    }
    return render(request, "imports/imports.html", context, status)


@router.get("/imports")
async def imports_page(request: Request, principal: ImportsRead, session: DbSession) -> Response:
    return await _page(request, session, principal)


async def _from_parsed_form(
    request: Request, session: DbSession, principal: Principal, services: Services, kind: Kind
) -> ImportRun:
    """A browser without scripts: the CSRF check has read the form already; its file is copied to
    a temporary file of the scratch directory and imported the same way."""
    upload = (await request.form()).get("file")
    if upload is None or isinstance(upload, str) or not upload.filename:
        raise FileMissing("Choose a CSV file.")
    if upload.size is not None and upload.size > services.settings.import_max_bytes:
        raise PayloadTooLarge("The file is larger than the limit.")
    await checkpoint(session)
    scratch = services.scratch.directory
    fd, name = tempfile.mkstemp(prefix="dealbench-import-", suffix=".csv", dir=scratch)
    try:
        with os.fdopen(fd, "wb") as fh:
            while chunk := await upload.read(1024 * 1024):
                fh.write(chunk)
        run = await service.run_import(
            session, principal, kind, FilePath(name), filename=upload.filename, tmp_dir=scratch
        )
        await checkpoint(session)
        return run
    finally:
        with contextlib.suppress(OSError):
            os.unlink(name)


@router.post("/imports/{kind}")
async def upload(
    request: Request, kind: KindPath, principal: ImportsWrite, session: DbSession, services: AppServices
) -> Response:
    import_kind = Kind(kind)
    try:
        if request.headers.get(CSRF_HEADER):
            outcome = await upload_and_import(
                request, session, principal, services, import_kind, send_error_email=False, error_link=None
            )
            run, warnings = outcome.run, outcome.warnings
        else:
            run = await _from_parsed_form(request, session, principal, services, import_kind)
            warnings = list(run.warnings or [])
    except (BadRequest, ValidationFailed, PayloadTooLarge, UnsupportedMediaType) as exc:
        message = field_errors(exc).get("file") if isinstance(exc, ValidationFailed) else exc.message
        status = exc.status_code
        return await _page(request, session, principal, status, errors={kind: message or exc.message})
    result = {**_run(run), "warnings": warnings}
    return await _page(request, session, principal, result=result)


@router.get("/imports/{run_id}/errors")
async def error_file(request: Request, run_id: RunId, principal: ImportsRead, session: DbSession) -> Response:
    """The rejected rows of an import as uploaded, with an ``error`` column (a CSV download)."""
    return error_file_response(*await service.error_file(session, principal, run_id))
