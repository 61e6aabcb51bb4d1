"""Imports as a service: run one file for a principal, find past runs, mail the error file."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from dealbench.auth.principal import Principal
from dealbench.events import outbox
from dealbench.imports.engine import ImportContext, Kind, import_file
from dealbench.imports.repository import ImportRunRepository
from dealbench.kit.errors import NotFound
from dealbench.kit.mail import Attachment, build_message, send_mail
from dealbench.kit.pagination import ListParams
from dealbench.kit.repository import TenantOf
from dealbench.models import ImportRun
from dealbench.users.directory import admin_emails

KIND_NAMES = ", ".join(k.value for k in Kind)


def parse_kind(value: str) -> Kind:
    """The import kind named in a path; 404 for anything else (there is no such resource)."""
    try:
        return Kind(value.lower())
    except ValueError:
        raise NotFound(f"No import kind '{value}': use {KIND_NAMES}.") from None


def context_of(principal: Principal) -> ImportContext:
    return ImportContext(
        organization_id=principal.organization_id,
        timezone=principal.organization.timezone or "UTC",
        acting_user_id=principal.acting_user_id,
        token_id=principal.token.id,
    )


async def run_import(
    session: AsyncSession,
    principal: Principal,
    kind: Kind,
    path: Path,
    *,
    filename: str | None = None,
    tmp_dir: Path | None = None,
) -> ImportRun:
    """Import one CSV file for the principal (upload permission is declared on the route)."""
    run = await import_file(session, context_of(principal), kind, path, filename=filename, tmp_dir=tmp_dir)
    await _record_completed(session, run, principal=principal)
    return run


async def run_command_import(
    session: AsyncSession,
    organization_id: int,
    timezone: str,
    kind: Kind,
    path: Path,
    *,
    filename: str | None = None,
    on_bytes: Callable[[int], None] | None = None,
    tmp_dir: Path | None = None,
) -> ImportRun:
    """Import one CSV file from the command line (``dealbench import``): the same engine and the
    same ``import.completed`` event, its actor the server's operator."""
    ctx = ImportContext(organization_id=organization_id, timezone=timezone)
    run = await import_file(session, ctx, kind, path, filename=filename, on_bytes=on_bytes, tmp_dir=tmp_dir)
    await _record_completed(
        session, run, tenant=TenantOf(organization_id), actor={"type": "system", "via": "command line"}
    )
    return run


async def _record_completed(
    session: AsyncSession,
    run: ImportRun,
    *,
    principal: Principal | None = None,
    tenant: TenantOf | None = None,
    actor: dict[str, Any] | None = None,
) -> None:
    """One event for the whole file, not one per row: imports keep their speed."""
    await outbox.record(
        session,
        principal,
        "import.completed",
        {
            "id": str(run.uuid),
            "kind": run.kind,
            "filename": run.filename,
            "totalOriginalRows": run.total_original_rows,
            "totalImportedRows": run.total_imported_rows,
            "totalErrorRows": run.total_error_rows,
        },
        tenant=tenant,
        actor=actor,
    )


async def get_run(
    session: AsyncSession, principal: Principal, ref: str, *, with_file: bool = False
) -> ImportRun:
    """An import of the principal's organization by its UUID (or numeric id), else 404."""
    run = await ImportRunRepository(session, principal).by_ref(ref, with_file=with_file)
    if run is None:
        raise NotFound("Import not found.")
    return run


async def error_file(session: AsyncSession, principal: Principal, ref: str) -> tuple[ImportRun, bytes]:
    run = await get_run(session, principal, ref, with_file=True)
    if not run.error_csv:
        raise NotFound("This import has no error file: every row was imported.")
    return run, run.error_csv


async def list_runs(
    session: AsyncSession, principal: Principal, params: ListParams
) -> tuple[list[ImportRun], int]:
    """A page of the organization's imports (oldest first) and the total."""
    return await ImportRunRepository(session, principal).page(params)


async def error_email_recipients(session: AsyncSession, principal: Principal) -> list[str]:
    """The uploading user, or the organization's administrators for an organization token."""
    if principal.user is not None:
        return [principal.user.email]
    return await admin_emails(session, principal)


def error_file_name(run: ImportRun) -> str:
    return f"{run.kind}-import-{run.uuid}-errors.csv"


async def mail_error_file(
    smtp_url: str, sender: str, recipients: list[str], run: ImportRun, content: bytes, link: str
) -> None:
    """Mail the error file (attached, and linked) to ``recipients``; raises ``MailError``."""
    body = (
        f"Your {run.kind} import{f' of {run.filename}' if run.filename else ''} finished:\n\n"
        f"  rows in the file : {run.total_original_rows}\n"
        f"  imported         : {run.total_imported_rows}\n"
        f"  rejected         : {run.total_error_rows}\n\n"
        f"The rejected rows are attached, each with an 'error' column saying why.\n"
        f"They can also be downloaded (with an API token of your organization) at:\n{link}\n"
        + ("(a path on your Dealbench server)\n" if link.startswith("/") else "")
    )
    msg = build_message(
        sender=sender,
        to=recipients,
        subject=f"Dealbench {run.kind} import: {run.total_error_rows} row(s) rejected",
        body=body,
        attachments=[Attachment(error_file_name(run), content)],
    )
    await send_mail(smtp_url, msg)
