"""``dealbench org export``: one organization, every table that travels and its blobs, to one archive.

The export reads one consistent snapshot (PostgreSQL ``REPEATABLE READ, READ ONLY``; a SQLite read
transaction in WAL mode), so the server may keep running. Rows are streamed table by table in
primary-key order (a server-side cursor, a few hundred rows at a time) and blobs chunk by chunk:
memory does not grow with the organization.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

from sqlalchemy import ColumnElement, LargeBinary, Select, func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from dealbench import __version__
from dealbench.documents.storage import get_storage
from dealbench.kit.crypto import keyed_hash
from dealbench.kit.services import Services
from dealbench.kit.storage import Storage
from dealbench.kit.uow import transaction
from dealbench.transfer.archive import (
    FORMAT,
    FORMAT_VERSION,
    ArchiveWriter,
    TransferError,
    blob_member,
    dumps,
    encoder,
    table_member,
)
from dealbench.transfer.plan import Plan, TablePlan, default_plan

ROWS_PER_FETCH = 500
#: Tables with binary columns (an import's error file: up to the import limit each) fetch fewer rows.
BINARY_ROWS_PER_FETCH = 8


class TransferProgress(Protocol):
    """What a long export or import reports (the CLI draws Rich progress bars from it)."""

    def start(self, rows: int, blob_bytes: int) -> None: ...

    def rows(self, table: str, n: int) -> None: ...

    def bytes(self, n: int) -> None: ...


class NoProgress:
    def start(self, rows: int, blob_bytes: int) -> None:
        return None

    def rows(self, table: str, n: int) -> None:
        return None

    def bytes(self, n: int) -> None:
        return None


@dataclass
class ExportReport:
    path: Path
    organization: dict[str, Any]
    rows: dict[str, int] = field(default_factory=dict)
    blobs: int = 0
    blob_bytes: int = 0


def fingerprint(secret_key: str) -> str:
    """Says whether two servers share a secret key without revealing it (tokens stay valid then)."""
    return keyed_hash(secret_key, "dealbench organization archive")[:16]


def _missing(exc: BaseException) -> bool:
    """A blob that is not in the storage (local: FileNotFoundError; S3: obstore's NotFoundError)."""
    return isinstance(exc, FileNotFoundError) or type(exc).__name__ == "NotFoundError"


def scope(plan: Plan, tp: TablePlan, org_id: int) -> ColumnElement[bool]:
    """The organization's rows of a table: by ``organization_id``, or through the parent's rows."""
    if tp.scope_column is None:
        assert tp.key is not None
        return tp.table.c[tp.key] == org_id
    column = tp.table.c[tp.scope_column]
    if tp.scope_parent == plan.root:
        return column == org_id
    assert tp.scope_parent is not None and tp.scope_target is not None
    parent = plan[tp.scope_parent]
    return column.in_(select(parent.table.c[tp.scope_target]).where(scope(plan, parent, org_id)))


def _rows_statement(plan: Plan, tp: TablePlan, org_id: int) -> Select[Any]:
    table = tp.table
    order = [table.c[tp.key]] if tp.key else list(table.primary_key.columns)
    return select(*(table.c[c] for c in tp.columns)).where(scope(plan, tp, org_id)).order_by(*order)


async def _schema_revision(session: AsyncSession) -> str | None:
    try:
        async with session.begin_nested():
            return (await session.execute(text("SELECT version_num FROM alembic_version"))).scalar()
    except Exception:
        return None


async def _blob_rows(session: AsyncSession, plan: Plan, org_id: int) -> AsyncIterator[tuple[str, str, int]]:
    """``(digest, storage key, size)`` of each blob the organization's rows name, once each."""
    for tp in plan.tables:
        if tp.blob is None:
            continue
        t = tp.table
        digest, key, size = t.c[tp.blob.digest], t.c[tp.blob.key], t.c[tp.blob.size]
        stmt = (
            select(digest, func.min(key), func.min(size))
            .where(scope(plan, tp, org_id))
            .group_by(digest)
            .order_by(digest)
            .execution_options(yield_per=ROWS_PER_FETCH)
        )
        result = await session.stream(stmt)
        async for sha, storage_key, n in result:
            yield str(sha), str(storage_key), int(n)


async def _blob_totals(session: AsyncSession, plan: Plan, org_id: int) -> tuple[int, int]:
    count = total = 0
    for tp in plan.tables:
        if tp.blob is None:
            continue
        t = tp.table
        per_digest = (
            select(t.c[tp.blob.digest], func.min(t.c[tp.blob.size]).label("size"))
            .where(scope(plan, tp, org_id))
            .group_by(t.c[tp.blob.digest])
            .subquery()
        )
        n, s = (
            await session.execute(select(func.count(), func.coalesce(func.sum(per_digest.c.size), 0)))
        ).one()
        count, total = count + int(n), total + int(s)
    return count, total


async def write_archive(
    session: AsyncSession,
    storage: Storage,
    slug: str,
    out: Path,
    *,
    secret_key: str,
    progress: TransferProgress | None = None,
    plan: Plan | None = None,
) -> ExportReport:
    """Write the organization ``slug`` to ``out``; reads only (the caller ends the transaction)."""
    plan = plan or default_plan()
    progress = progress or NoProgress()
    root = plan[plan.root]
    org_row = (
        (await session.execute(select(root.table).where(root.table.c.slug == slug))).mappings().one_or_none()
    )
    if org_row is None:
        raise TransferError(f"no organization with slug '{slug}'")
    org_id = int(org_row["id"])
    report = ExportReport(out, {"id": org_id, "slug": org_row["slug"], "name": org_row["name"]})

    counts: dict[str, int] = {}
    for tp in plan.tables:
        counts[tp.name] = int(
            (
                await session.execute(
                    select(func.count()).select_from(tp.table).where(scope(plan, tp, org_id))
                )
            ).scalar_one()
        )
    _, blob_bytes = await _blob_totals(session, plan, org_id)
    progress.start(sum(counts.values()), blob_bytes)

    writer = ArchiveWriter(out)
    try:
        tables_manifest = []
        for tp in plan.tables:
            encoders = [(c, encoder(tp.table.c[c])) for c in tp.columns]
            binary = any(isinstance(tp.table.c[c].type, LargeBinary) for c in tp.columns)
            stmt = _rows_statement(plan, tp, org_id).execution_options(
                yield_per=BINARY_ROWS_PER_FETCH if binary else ROWS_PER_FETCH
            )
            written = 0
            with writer.open(table_member(tp.name), compress=True) as fh:
                result = await session.stream(stmt)
                async for partition in result.partitions():
                    for row in partition:
                        fh.write(dumps({c: enc(v) for (c, enc), v in zip(encoders, row, strict=True)}))
                    written += len(partition)
                    progress.rows(tp.name, len(partition))
            report.rows[tp.name] = written
            tables_manifest.append(
                {"name": tp.name, "file": table_member(tp.name), "rows": written, "columns": tp.columns}
            )

        async for sha, key, size in _blob_rows(session, plan, org_id):
            copied = 0
            with writer.open(blob_member(sha), compress=False) as fh:
                try:
                    async for chunk in storage.stream(key):
                        fh.write(chunk)
                        copied += len(chunk)
                        progress.bytes(len(chunk))
                except Exception as exc:
                    if not _missing(exc):
                        raise
                    raise TransferError(
                        f"blob {sha} is missing from the storage ({storage.url}); was it deleted during "
                        "the export? Run the export again."
                    ) from None
            if copied != size:
                raise TransferError(f"blob {sha} in the storage has {copied} bytes, its documents say {size}")
            report.blobs += 1
            report.blob_bytes += copied

        writer.write_manifest(
            {
                "format": FORMAT,
                "formatVersion": FORMAT_VERSION,
                "dealbenchVersion": __version__,
                "schemaRevision": await _schema_revision(session),
                "exportedAt": datetime.now(UTC).isoformat(),
                "sourceDialect": session.get_bind().dialect.name,
                "organization": report.organization,
                "secretKeyFingerprint": fingerprint(secret_key),
                "tables": tables_manifest,
                "blobs": {"count": report.blobs, "bytes": report.blob_bytes},
                "notExported": {"tables": plan.excluded, "columns": plan.excluded_columns},
            }
        )
    except BaseException:
        writer.abort()
        raise
    writer.finish()
    return report


async def export_organization(
    services: Services,
    slug: str,
    out: Path,
    *,
    progress: TransferProgress | None = None,
    plan: Plan | None = None,
) -> ExportReport:
    """The export's boundary: one read-only snapshot of the source database."""
    # SQLite: a deferred (read) transaction, no write lock; PostgreSQL: one read-only snapshot.
    async with transaction(services.sessionmaker, write=False) as session:
        if session.get_bind().dialect.name == "postgresql":
            await session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
            await session.execute(text("SET TRANSACTION READ ONLY"))
        return await write_archive(
            session,
            get_storage(services),
            slug,
            out,
            secret_key=services.secret_key,
            progress=progress,
            plan=plan,
        )
