"""The statements of the imports domain: the runs of the caller's organization, the lock that
serializes its imports, and the temporary staging table of one import."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import undefer

from dealbench.kit.pagination import ListParams
from dealbench.kit.repository import MAX_ID, Repository
from dealbench.models import ImportRun

#: "PIPE": the imports of one organization take the advisory lock (class, organization id).
ADVISORY_LOCK_CLASS = 0x5049_5045


class ImportRunRepository(Repository[ImportRun]):
    model = ImportRun
    what = "Import"

    async def by_ref(self, ref: str, *, with_file: bool = False) -> ImportRun | None:
        """The run named by its UUID (or numeric id); ``with_file`` loads its error file too."""
        stmt = self.select()
        try:
            stmt = stmt.where(ImportRun.uuid == uuid.UUID(ref))
        except ValueError:
            if not (ref.isascii() and ref.isdigit() and int(ref) <= MAX_ID):
                return None
            stmt = stmt.where(ImportRun.id == int(ref))
        if with_file:
            stmt = stmt.options(undefer(ImportRun.error_csv))
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def page(self, params: ListParams) -> tuple[list[ImportRun], int]:
        """A page of runs (id order) and the total."""
        base = self.select()
        count = select(func.count()).select_from(base.subquery())
        total = int((await self.session.execute(count)).scalar_one())
        rows = await self.session.execute(
            base.order_by(ImportRun.id).limit(params.limit).offset(params.offset)
        )
        return list(rows.scalars()), total

    async def serialize_imports(self) -> None:
        """Wait for the organization's other imports to end, then hold them off until this
        transaction ends (PostgreSQL; SQLite writers are serialized by ``BEGIN IMMEDIATE``): two
        concurrent merges into one organization never deadlock."""
        if self.postgres:
            await self.session.execute(
                text("SELECT pg_advisory_xact_lock(:cls, :org)"),
                {"cls": ADVISORY_LOCK_CLASS, "org": self.organization_id},
            )


class StagingTable:
    """The temporary table of one import, on the session's connection.

    Its rows belong to the import that made it: a temporary table is private to its connection
    (and on PostgreSQL dropped at commit), so its statements need no organization. The merge into the
    target table is the target's repository's (it starts from the caller's organization).
    """

    def __init__(
        self, session: AsyncSession, columns: Sequence[tuple[str, str, str]], *, postgres: bool
    ) -> None:
        self.session = session
        self.postgres = postgres
        #: (column, PostgreSQL type, SQLite type)
        self.layout = tuple(columns)
        self.columns = [c for c, _, _ in self.layout]
        self.name = f"import_stage_{uuid.uuid4().hex[:12]}"

    async def create(self) -> None:
        if self.postgres:
            # The merge sorts the staged rows by key: keep that sort in memory (this transaction only).
            await self.session.execute(text("SET LOCAL work_mem = '64MB'"))
            cols = ", ".join(f"{c} {pg}" for c, pg, _ in self.layout)
            await self.session.execute(text(f"CREATE TEMPORARY TABLE {self.name} ({cols}) ON COMMIT DROP"))
        else:
            cols = ", ".join(f"{c} {lite}" for c, _, lite in self.layout)
            await self.session.execute(text(f"CREATE TEMPORARY TABLE {self.name} ({cols})"))

    async def load(self, records: list[tuple[Any, ...]]) -> None:
        """Append ``records`` (tuples in column order): PostgreSQL ``COPY``, SQLite ``executemany``."""
        if not records:
            return
        conn = await self.session.connection()
        if self.postgres:
            raw = await conn.get_raw_connection()
            driver: Any = raw.driver_connection
            await driver.copy_records_to_table(self.name, records=records, columns=self.columns)
        else:
            marks = ", ".join("?" for _ in self.columns)
            await conn.exec_driver_sql(f"INSERT INTO temp.{self.name} VALUES ({marks})", records)

    async def duplicates(self, key: Sequence[str]) -> tuple[int, list[tuple[Any, ...]]]:
        """How many staged rows repeat a ``key`` seen earlier, and up to ten examples
        ``(*key values, count)`` in file order."""
        keys = ", ".join(key)
        total = (
            await self.session.execute(
                text(
                    f"SELECT coalesce(sum(n - 1), 0) FROM (SELECT count(*) AS n FROM {self.name} "
                    f"GROUP BY {keys} HAVING count(*) > 1) AS d"
                )
            )
        ).scalar_one()
        if not total:
            return 0, []
        rows = await self.session.execute(
            text(
                f"SELECT {keys}, count(*) FROM {self.name} GROUP BY {keys} "
                f"HAVING count(*) > 1 ORDER BY min(row_no) LIMIT 10"
            )
        )
        return int(total), [tuple(r) for r in rows]

    async def drop(self) -> None:
        """SQLite keeps a temporary table until the connection closes; PostgreSQL drops it at commit."""
        if not self.postgres:
            await self.session.execute(text(f"DROP TABLE IF EXISTS temp.{self.name}"))
