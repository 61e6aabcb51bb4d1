"""The CSV import engine: one file, one transaction, set-based upserts.

    run = await import_file(session, ctx, Kind.OPPORTUNITIES, path)

1. The encoding is detected (UTF-16/32 with a BOM, UTF-8 with or without BOM, else Windows-1252)
   and the delimiter sniffed (stdlib ``csv``); the header is matched to the kind's fields
   (:mod:`dealbench.imports.parsing`, :mod:`dealbench.imports.fields`).
2. Rows are parsed and validated in batches in a worker thread (bounded memory); rejected rows go
   to an error CSV (:mod:`dealbench.imports.reading`).
3. Valid rows are loaded into a temporary staging table, then merged into the target table in one
   statement by that table's repository (:mod:`dealbench.imports.staging`).
4. An :class:`ImportRun` records the counts and the error file, in the same transaction: the
   caller's commit is the single commit point of the whole file.

The engine never commits. On PostgreSQL a transaction-scoped advisory lock serializes imports of
one organization (no deadlocks between concurrent uploads); SQLite writers are serialized by
``BEGIN IMMEDIATE`` already.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from time import perf_counter
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from dealbench.imports.fields import KEY_LABEL, Kind
from dealbench.imports.parsing import FileRejected
from dealbench.imports.reading import RowReader
from dealbench.imports.repository import ImportRunRepository
from dealbench.imports.staging import Stager, resolve_contacts
from dealbench.kit import metrics
from dealbench.kit.db import utcnow
from dealbench.kit.errors import BadRequest
from dealbench.models import ImportRun
from dealbench.users.directory import ids_by_email

__all__ = ["ImportContext", "ImportFileInvalid", "Kind", "import_file"]

log = logging.getLogger("dealbench.imports")

MAX_WARNINGS = 50


class ImportFileInvalid(BadRequest):
    """The file as a whole cannot be imported; JSend ``fail`` data names the problem."""

    def __init__(self, message: str, data: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.data = data or {"file": message}

    def jsend_data(self) -> dict[str, Any]:
        return self.data


@dataclass(frozen=True, slots=True)
class ImportContext:
    """Who imports into which organization (built from a principal, or by the CLI)."""

    organization_id: int
    timezone: str = "UTC"
    acting_user_id: int | None = None
    token_id: int | None = None


def _owner_warnings(unknown: dict[str, list[int]]) -> list[str]:
    out = []
    for email, rows in unknown.items():
        shown = ", ".join(str(r) for r in rows[:5]) + (", ..." if len(rows) > 5 else "")
        out.append(
            f"No user with email '{email}' (Opportunity Owner Email, {len(rows)} row(s): {shown}): "
            "imported without an owner."
        )
    return out


async def import_file(
    session: AsyncSession,
    ctx: ImportContext,
    kind: Kind,
    path: Path,
    *,
    filename: str | None = None,
    on_bytes: Callable[[int], None] | None = None,
    tmp_dir: Path | None = None,
) -> ImportRun:
    """Import one CSV file into the context's organization; the caller commits (one transaction).
    Every import, from the API or the command line, is counted here (``dealbench_imports_total``,
    ``dealbench_import_rows_total``). The error file is spooled in ``tmp_dir`` (the system's
    temporary directory by default)."""
    try:
        run = await _import_file(
            session, ctx, kind, path, filename=filename, on_bytes=on_bytes, tmp_dir=tmp_dir
        )
    except Exception:
        metrics.import_failed(kind.value)
        raise
    metrics.import_completed(kind.value, run.total_imported_rows, run.total_error_rows)
    return run


async def _import_file(
    session: AsyncSession,
    ctx: ImportContext,
    kind: Kind,
    path: Path,
    *,
    filename: str | None,
    on_bytes: Callable[[int], None] | None,
    tmp_dir: Path | None,
) -> ImportRun:
    postgres = session.get_bind().dialect.name == "postgresql"
    users = await ids_by_email(session, ctx)
    try:
        reader = await asyncio.to_thread(
            RowReader,
            kind,
            path,
            users=users,
            timezone=ctx.timezone,
            postgres=postgres,
            on_bytes=on_bytes,
            tmp_dir=tmp_dir,
        )
    except FileRejected as exc:
        raise ImportFileInvalid(exc.message, {"file": exc.message, **exc.data}) from None
    stager = Stager(session, ctx, kind, postgres=postgres, actor=ctx.acting_user_id)
    started = perf_counter()
    try:
        await stager.create()
        imported = 0
        # Contacts are resolved against the deals between parsing and loading (and write error rows
        # themselves), so they go batch by batch; the other kinds parse the next batch in the worker
        # thread while the current one is loaded.
        pipelined = kind is not Kind.CONTACTS
        pending: asyncio.Future[list[tuple[Any, ...]]] | None = None
        try:
            while True:
                try:
                    batch = await (pending or asyncio.to_thread(reader.read_batch))
                except FileRejected as exc:
                    raise ImportFileInvalid(exc.message, {"file": exc.message, **exc.data}) from None
                pending = None
                if not batch:
                    break
                if pipelined:
                    pending = asyncio.ensure_future(asyncio.to_thread(reader.read_batch))
                else:
                    batch = await resolve_contacts(session, ctx, batch, reader.errors)
                await stager.load(batch)
                imported += len(batch)
        finally:
            if pending is not None:
                # A failure while loading: let the parsing thread finish before the reader is closed.
                with contextlib.suppress(Exception):
                    await pending
        runs = ImportRunRepository(session, ctx)
        await runs.serialize_imports()
        warnings = _owner_warnings(reader.warnings.unknown_owners)
        if imported:
            dupes, examples = await stager.duplicates()
            if dupes:
                label = KEY_LABEL[kind]
                shown = "; ".join(f"{' / '.join(str(v) for v in ex[:-1])} ({ex[-1]} rows)" for ex in examples)
                warnings.append(
                    f"{dupes} row(s) repeat a {label} seen earlier in the file; the last one was kept "
                    f"(e.g. {shown})."
                )
            staged = perf_counter()
            await stager.merge(reader.present, dedupe=dupes > 0)
            log.info(
                "import %s of org %s: %d rows parsed and staged in %.2fs, merged in %.2fs",
                kind.value,
                ctx.organization_id,
                imported,
                staged - started,
                perf_counter() - staged,
            )
        await stager.drop()
        if len(warnings) > MAX_WARNINGS:
            extra = len(warnings) - MAX_WARNINGS
            warnings = [*warnings[:MAX_WARNINGS], f"... and {extra} more warning(s)."]
        run = ImportRun(
            kind=kind.value,
            filename=filename,
            created_by_user_id=ctx.acting_user_id,
            token_id=ctx.token_id,
            total_original_rows=reader.total,
            total_imported_rows=imported,
            total_error_rows=reader.errors.count,
            ignored_columns=reader.match.ignored,
            warnings=warnings,
            error_csv=reader.errors.content() if reader.errors.count else None,
            created_at=utcnow(),
        )
        runs.add(run)
        await runs.flush()
        return run
    finally:
        reader.close()
