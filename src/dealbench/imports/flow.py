"""The HTTP side of an import, shared by ``/api/v1/admin/*/upload`` and ``POST /v1/imports/{kind}``.

Stream the upload to a temporary file (413 while streaming), import it, commit (the single commit
point of the file), then mail the error file when asked to. The email goes out only after the
commit, so its link and attachment describe data that exists; a mail failure becomes a warning.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from starlette.requests import Request
from starlette.responses import Response

from dealbench.auth.principal import Principal
from dealbench.imports import service
from dealbench.imports.engine import Kind
from dealbench.imports.upload import received_csv
from dealbench.kit.errors import ValidationFailed
from dealbench.kit.links import public_base_url
from dealbench.kit.mail import MailError
from dealbench.kit.services import Services
from dealbench.kit.uow import checkpoint
from dealbench.models import ImportRun

log = logging.getLogger("dealbench.imports")

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


@dataclass
class UploadOutcome:
    run: ImportRun
    warnings: list[str] = field(default_factory=list)


def base_url(request: Request, services: Services) -> str:
    """The base of the links in answers and emails (``""``: relative links), see ``kit/links.py``."""
    return public_base_url(request, services.settings)


def _flag(value: str, name: str) -> bool:
    lowered = value.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ValidationFailed.at([name], f"{name} must be true or false.")


async def upload_and_import(
    request: Request,
    session: AsyncSession,
    principal: Principal,
    services: Services,
    kind: Kind,
    *,
    send_error_email: bool,
    error_link: Any,
) -> UploadOutcome:
    """``error_link(run) -> str``: the URL of the run's error file in the caller's dialect."""
    # End the authentication's transaction: SQLite must not hold its write lock while the body streams.
    await checkpoint(session)
    scratch = services.scratch.directory
    async with received_csv(request, services.settings.import_max_bytes, scratch) as received:
        if "send_error_email" in received.fields:
            send_error_email = _flag(received.fields["send_error_email"], "send_error_email")
        run = await service.run_import(
            session, principal, kind, received.path, filename=received.filename, tmp_dir=scratch
        )
        await checkpoint(session)
    outcome = UploadOutcome(run=run, warnings=list(run.warnings or []))
    if send_error_email and run.total_error_rows:
        smtp_url = services.settings.smtp_url
        if not smtp_url:
            outcome.warnings.append("The error file was not emailed: no SMTP server is configured.")
            return outcome
        recipients = await service.error_email_recipients(session, principal)
        if not recipients:
            outcome.warnings.append("The error file was not emailed: nobody to send it to.")
            return outcome
        content = run.error_csv or b""
        try:
            await service.mail_error_file(
                smtp_url, services.settings.mail_from, recipients, run, content, error_link(run)
            )
        except MailError as exc:
            log.warning("error file of import %s not emailed: %s", run.uuid, exc)
            outcome.warnings.append(f"The error file was not emailed: {exc}")
    return outcome


def error_file_response(run: ImportRun, content: bytes) -> Response:
    """An import's error file as a CSV download (the same in the /v1 and JSend dialects)."""
    return Response(
        content,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{service.error_file_name(run)}"'},
    )
