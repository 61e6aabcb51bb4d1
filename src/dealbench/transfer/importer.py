"""``dealbench org import``: load an archive into this server's database and storage.

Everything happens in one database transaction: the organization appears whole at the commit or
not at all. Rows get new ids (the destination's sequences hand them out, so other organizations
can keep writing meanwhile); every reference is renumbered through the id map of its table. Blobs
go to the configured storage first (content-addressed: one that is already there is not copied
again), verified against their digest; if the import fails, the blobs it stored are collected
again, exactly as when a document is deleted. Memory holds the id maps (two 64-bit integers per
row) and one batch of rows, never a whole table.
"""

from __future__ import annotations

import bisect
from array import array
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import bindparam, func, insert, select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from dealbench.documents.storage import collect_blobs, get_storage, lock_collection
from dealbench.kit.services import Services
from dealbench.kit.storage import Storage, blob_key
from dealbench.kit.uow import transaction
from dealbench.organizations.service import SLUG
from dealbench.transfer.archive import CHUNK_BYTES, ArchiveError, ArchiveReader, TransferError, decoder
from dealbench.transfer.declarations import as_id
from dealbench.transfer.exporter import NoProgress, TransferProgress, fingerprint
from dealbench.transfer.plan import Plan, TablePlan, default_plan

BATCH_ROWS = 500
BATCH_BYTES = 4 * 1024 * 1024


class IdMap:
    """Old id -> new id for one table: two sorted arrays (rows arrive in old-id order)."""

    def __init__(self) -> None:
        self.old = array("q")
        self.new = array("q")

    def add(self, old: int, new: int) -> None:
        if self.old and old <= self.old[-1]:
            raise ArchiveError(f"ids out of order in the archive ({old} after {self.old[-1]})")
        self.old.append(old)
        self.new.append(new)

    def get(self, old: int) -> int | None:
        i = bisect.bisect_left(self.old, old)
        if i < len(self.old) and self.old[i] == old:
            return self.new[i]
        return None

    def __len__(self) -> int:
        return len(self.old)

    def items(self) -> Iterable[tuple[int, int]]:
        return zip(self.old, self.new, strict=True)


@dataclass
class ImportReport:
    organization: dict[str, Any]
    rows: dict[str, int] = field(default_factory=dict)
    blobs_stored: int = 0
    blobs_present: int = 0
    blob_bytes: int = 0
    #: ``table.column -> n``: references to rows that were not in the archive, written as null.
    dangling: dict[str, int] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    #: ``table -> old id -> new id``.
    ids: dict[str, IdMap] = field(default_factory=dict)


class _Allocator:
    """New primary keys: PostgreSQL's sequence (safe while others insert), or, on SQLite, the
    next values after the current maximum (the import holds the write lock)."""

    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn
        self.postgres = conn.dialect.name == "postgresql"
        self.next: dict[str, int] = {}

    async def take(self, tp: TablePlan, n: int) -> list[int]:
        assert tp.key is not None
        if self.postgres:
            rows = await self.conn.execute(
                text("SELECT nextval(pg_get_serial_sequence(:t, :c)) FROM generate_series(1, :n)"),
                {"t": tp.name, "c": tp.key, "n": n},
            )
            ids = sorted(int(r[0]) for r in rows)
            if len(ids) != n:
                raise TransferError(f"could not allocate ids for {tp.name}")
            return ids
        if tp.name not in self.next:
            top = (await self.conn.execute(select(func.max(tp.table.c[tp.key])))).scalar()
            self.next[tp.name] = int(top or 0) + 1
        start = self.next[tp.name]
        self.next[tp.name] = start + n
        return list(range(start, start + n))


class Loader:
    def __init__(
        self,
        session: AsyncSession,
        storage: Storage,
        archive: ArchiveReader,
        *,
        secret_key: str,
        slug: str | None,
        progress: TransferProgress,
        plan: Plan,
    ) -> None:
        self.session = session
        self.storage = storage
        self.archive = archive
        self.secret_key = secret_key
        self.new_slug = slug
        self.progress = progress
        self.plan = plan
        manifest_org = archive.manifest.get("organization") or {}
        self.report = ImportReport(organization=dict(manifest_org))
        self.maps: dict[str, IdMap] = self.report.ids
        #: Blobs this import put into the storage (collected again if it fails).
        self.stored: list[str] = []
        self.available_blobs: set[str] = set()
        self.deferred: dict[tuple[str, str], tuple[array[int], array[int]]] = {}

    # ------------------------------------------------------------------ checks

    def _check_compatible(self) -> dict[str, list[str]]:
        """The archive's columns per table; refuses an archive of a newer schema."""
        tables = self.archive.tables()
        unknown = sorted(set(tables) - {tp.name for tp in self.plan.tables} - set(self.plan.excluded))
        if unknown:
            raise ArchiveError(
                f"the archive has tables this Dealbench does not know ({', '.join(unknown)}): "
                "import it with the Dealbench version that exported it, or a newer one"
            )
        columns: dict[str, list[str]] = {}
        for tp in self.plan.tables:
            info = tables.get(tp.name)
            have = list(info["columns"]) if info else []
            extra = [c for c in have if c not in tp.table.c]
            if extra:
                raise ArchiveError(
                    f"the archive's table {tp.name} has columns this Dealbench does not know "
                    f"({', '.join(extra)}): use the Dealbench version that exported it, or a newer one"
                )
            if info:
                for column in tp.table.c:
                    missing = column.name not in have
                    no_default = column.default is None and column.server_default is None
                    if missing and not column.nullable and no_default and not column.primary_key:
                        raise ArchiveError(
                            f"the archive predates the required column {tp.name}.{column.name}, "
                            "which has no default: it cannot be imported into this version"
                        )
            columns[tp.name] = have
        return columns

    async def _check_slug(self, slug: str) -> None:
        root = self.plan[self.plan.root].table
        if not SLUG.match(slug):
            raise TransferError(f"'{slug}' is not a valid slug (lower-case letters, digits, inner hyphens)")
        taken = (await self.session.execute(select(root.c.id).where(root.c.slug == slug))).first()
        if taken is not None:
            raise TransferError(
                f"an organization with slug '{slug}' already exists in this database; "
                "choose another one with --slug NEW"
            )

    # ------------------------------------------------------------------ blobs

    async def _exists(self, sha: str) -> bool:
        return await self.storage.exists(blob_key(sha))

    async def load_blobs(self) -> None:
        for sha in self.archive.blob_digests():
            if await self._exists(sha):
                self.report.blobs_present += 1
                self.progress.bytes(self.archive.blob_size(sha))
                self.available_blobs.add(sha)
                continue
            pending = await self.storage.begin()
            try:
                with self.archive.open_blob(sha) as fh:
                    while chunk := fh.read(CHUNK_BYTES):
                        await pending.write(chunk)
                        self.progress.bytes(len(chunk))
                await pending.close()
                info = pending.info
                assert info is not None
                if info.sha256 != sha:
                    raise ArchiveError(
                        f"blob {sha} is damaged in the archive (its content hashes to {info.sha256})"
                    )
                self.stored.append(sha)  # before promote: a failure after it must collect the blob
                await pending.promote()
            except BaseException:
                await pending.discard()
                raise
            self.report.blobs_stored += 1
            self.report.blob_bytes += info.size
            self.available_blobs.add(sha)

    # ------------------------------------------------------------------ rows

    def lookup(self, table: str, old: Any) -> int | None:
        idmap = self.maps.get(table)
        value = as_id(old)
        if idmap is None or value is None:
            return None
        return idmap.get(value)

    def _defer(self, tp: TablePlan, column: str, new_key: int | None, old_target: int) -> None:
        if new_key is None:
            raise TransferError(f"{tp.name}.{column} cannot be filled in later: the table has no integer key")
        pks, olds = self.deferred.setdefault((tp.name, column), (array("q"), array("q")))
        pks.append(new_key)
        olds.append(old_target)

    def _dangling(self, tp: TablePlan, column: str) -> None:
        key = f"{tp.name}.{column}"
        self.report.dangling[key] = self.report.dangling.get(key, 0) + 1

    async def _check_unique(self, conn: AsyncConnection, tp: TablePlan, rows: list[dict[str, Any]]) -> None:
        for name in tp.global_unique:
            column = tp.table.c[name]
            values = [r[name] for r in rows if r.get(name) is not None]
            if not values:
                continue
            clash = (await conn.execute(select(column).where(column.in_(values)).limit(1))).scalar()
            if clash is not None:
                if tp.name == self.plan.root and name == "slug":
                    await self._check_slug(str(clash))
                raise TransferError(
                    f"this database already holds a value of {tp.name}.{name} from the archive: the "
                    "organization (or a copy of it) is already here. Tokens, plan links and opportunity "
                    "UUIDs are unique across a server; import into another database, or delete the "
                    "organization first"
                )

    async def _flush(
        self,
        conn: AsyncConnection,
        allocator: _Allocator,
        tp: TablePlan,
        decoders: list[tuple[str, Callable[[Any], Any]]],
        batch: list[dict[str, Any]],
    ) -> None:
        sources = [{c: dec(raw.get(c)) for c, dec in decoders} for raw in batch]
        old_keys: list[int | None] = [None] * len(sources)
        new_keys: list[int | None] = [None] * len(sources)
        if tp.key is not None:
            idmap = self.maps.setdefault(tp.name, IdMap())
            old_keys = [as_id(s.get(tp.key)) for s in sources]
            allocated = await allocator.take(tp, len(sources))
            for old_id, new_id in zip(old_keys, allocated, strict=True):
                if old_id is None:
                    raise ArchiveError(f"a row of {tp.name} has no id")
                idmap.add(old_id, new_id)
            new_keys = list(allocated)
        rows: list[dict[str, Any]] = []
        for src, old_key, new_key in zip(sources, old_keys, new_keys, strict=True):
            row = dict(src)
            if tp.key is not None:
                row[tp.key] = new_key
            for column, ref in tp.references.items():
                old = as_id(src.get(column))
                if old is None:
                    continue
                forwards = ref.target == tp.name and (old_key is None or old >= old_key)
                if column in tp.deferred or forwards:
                    # A row loaded later (a cycle, or a self-reference pointing forwards).
                    row[column] = None
                    self._defer(tp, column, new_key, old)
                    continue
                new = self.lookup(ref.target, old)
                if new is None:
                    if not ref.nullable:
                        raise ArchiveError(
                            f"{tp.name}.{column} names {ref.target} {old}, which is not in the archive"
                        )
                    self._dangling(tp, column)
                row[column] = new
            for column, spec in tp.json.items():
                if column in src:
                    row[column] = spec.remap(src[column], src, self.lookup)
            if tp.blob is not None:
                sha = str(src.get(tp.blob.digest))
                if sha not in self.available_blobs:
                    if not await self._exists(sha):
                        raise ArchiveError(
                            f"blob {sha} of {tp.name} is neither in the archive nor in the storage"
                        )
                    self.available_blobs.add(sha)
                row[tp.blob.key] = blob_key(sha)
            if tp.name == self.plan.root and self.new_slug:
                row["slug"] = self.new_slug
            rows.append(row)
        await self._check_unique(conn, tp, rows)
        try:
            await conn.execute(insert(tp.table), rows)
        except IntegrityError as exc:
            raise TransferError(f"the database refused a row of {tp.name}: {exc.orig}") from None
        self.report.rows[tp.name] = self.report.rows.get(tp.name, 0) + len(rows)
        self.progress.rows(tp.name, len(rows))

    async def load_rows(self, conn: AsyncConnection, columns: dict[str, list[str]]) -> None:
        allocator = _Allocator(conn)
        for tp in self.plan.tables:
            have = columns.get(tp.name) or []
            if not have:
                continue
            decoders = [(c, decoder(tp.table.c[c])) for c in have]
            batch: list[dict[str, Any]] = []
            size = 0
            for nbytes, raw in self.archive.rows(tp.name):
                batch.append(raw)
                size += nbytes
                if len(batch) >= BATCH_ROWS or size >= BATCH_BYTES:
                    await self._flush(conn, allocator, tp, decoders, batch)
                    batch, size = [], 0
            if batch:
                await self._flush(conn, allocator, tp, decoders, batch)

    async def fill_deferred(self, conn: AsyncConnection) -> None:
        for (table, column), (pks, olds) in self.deferred.items():
            tp = self.plan[table]
            assert tp.key is not None
            target = tp.references[column].target
            params = []
            for pk, old in zip(pks, olds, strict=True):
                new = self.lookup(target, old)
                if new is None:
                    self._dangling(tp, column)
                else:
                    params.append({"_key": pk, "_value": new})
            if not params:
                continue
            t = tp.table
            # Setting the columns with an ``onupdate`` to themselves keeps them as imported.
            keep = {c.name: c for c in t.c if c.onupdate is not None}
            stmt = (
                update(t)
                .where(t.c[tp.key] == bindparam("_key"))
                .values({column: bindparam("_value"), **keep})
            )
            for i in range(0, len(params), BATCH_ROWS):
                await conn.execute(stmt, params[i : i + BATCH_ROWS])

    # ------------------------------------------------------------------ the whole

    async def run(self) -> ImportReport:
        columns = self._check_compatible()
        manifest = self.archive.manifest
        conn = await self.session.connection()
        # Opens the transaction (on SQLite: BEGIN IMMEDIATE, the write lock) before any blob is
        # stored, and keeps blob collectors out until the commit.
        await lock_collection(self.session, exclusive=True)
        source_slug = str((manifest.get("organization") or {}).get("slug") or "")
        await self._check_slug(self.new_slug or source_slug)
        if manifest.get("secretKeyFingerprint") != fingerprint(self.secret_key):
            self.report.warnings.append(
                "this server's secret key differs from the source's: the imported API tokens and "
                "invitation codes will not be accepted (issue new tokens)"
            )
        rows_total = sum(int(t.get("rows") or 0) for t in manifest.get("tables", []))
        self.progress.start(rows_total, int((manifest.get("blobs") or {}).get("bytes") or 0))
        await self.load_blobs()
        await self.load_rows(conn, columns)
        await self.fill_deferred(conn)
        root = self.plan[self.plan.root]
        org_map = self.maps.get(root.name)
        if org_map is None or len(org_map) != 1:
            raise ArchiveError("the archive does not hold exactly one organization")
        new_id = next(iter(org_map.items()))[1]
        org = (await conn.execute(select(root.table).where(root.table.c.id == new_id))).mappings().one()
        self.report.organization = {"id": new_id, "slug": org["slug"], "name": org["name"]}
        return self.report


async def import_archive(
    services: Services,
    path: Path,
    *,
    slug: str | None = None,
    progress: TransferProgress | None = None,
    plan: Plan | None = None,
) -> ImportReport:
    """The import's boundary: one transaction, committed when everything is in; on any failure it
    is rolled back and the blobs it stored are collected."""
    archive = ArchiveReader(path)
    storage = get_storage(services)
    loader: Loader | None = None
    try:
        async with transaction(services.sessionmaker) as session:
            loader = Loader(
                session,
                storage,
                archive,
                secret_key=services.secret_key,
                slug=slug,
                progress=progress or NoProgress(),
                plan=plan or default_plan(),
            )
            report = await loader.run()
        return report
    except BaseException:
        if loader is not None:
            # In slices: the collector takes one lock per blob, in one transaction.
            for i in range(0, len(loader.stored), 256):
                await collect_blobs(services, loader.stored[i : i + 256])
        raise
    finally:
        archive.close()
