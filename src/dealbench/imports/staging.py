"""Staging and the set-based merge of one import.

Valid rows are loaded into a temporary staging table (PostgreSQL ``COPY``, SQLite batched
``executemany``; :class:`dealbench.imports.repository.StagingTable`), then merged into the kind's
target table with one ``INSERT ... SELECT ... ON CONFLICT DO UPDATE ... WHERE ... IS DISTINCT FROM``
by the repository of that table (the last row of a repeated key wins; unchanged rows are not
rewritten; :mod:`dealbench.kit.merge`). Every statement on a tenant table starts from the importing
organization.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from dealbench.contacts.repository import ContactRepository
from dealbench.deals.repository import DealRepository
from dealbench.imports.fields import SPECS, Kind
from dealbench.imports.reading import ErrorFile
from dealbench.imports.repository import StagingTable
from dealbench.kit.repository import Tenant
from dealbench.sales_targets.repository import SalesTargetRepository


class Stager:
    """The staging table of one import and its merge into the kind's target table."""

    def __init__(
        self, session: AsyncSession, tenant: Tenant, kind: Kind, *, postgres: bool, actor: int | None
    ) -> None:
        self.session = session
        self.tenant = tenant
        self.kind = kind
        self.actor = actor
        self.spec = SPECS[kind]
        self.table = StagingTable(session, self.spec.columns, postgres=postgres)

    @property
    def name(self) -> str:
        return self.table.name

    async def create(self) -> None:
        await self.table.create()

    async def load(self, records: list[tuple[Any, ...]]) -> None:
        await self.table.load(records)

    async def duplicates(self) -> tuple[int, list[tuple[Any, ...]]]:
        """How many staged rows repeat a key seen earlier, and up to ten examples."""
        return await self.table.duplicates(self.spec.key)

    async def merge(self, present: set[str], *, dedupe: bool = True) -> None:
        """Merge the staged rows into the target table, writing the columns the file's fields
        (``present``) give values to; ``dedupe=False`` when no key repeats."""
        staged, update = self.spec.staged, self.spec.update(present)
        if self.kind is Kind.OPPORTUNITIES:
            deals = DealRepository(self.session, self.tenant)
            await deals.merge_import(self.name, staged, update, actor=self.actor, dedupe=dedupe)
        elif self.kind is Kind.CONTACTS:
            await ContactRepository(self.session, self.tenant).merge_import(
                self.name, staged, update, dedupe=dedupe
            )
        else:
            targets = SalesTargetRepository(self.session, self.tenant)
            await targets.merge_import(self.name, staged, update, dedupe=dedupe)

    async def drop(self) -> None:
        await self.table.drop()


async def resolve_contacts(
    session: AsyncSession, tenant: Tenant, batch: list[tuple[Any, ...]], errors: ErrorFile
) -> list[tuple[Any, ...]]:
    """Replace each contact's Opportunity ID by its deal id; an unknown one makes an error row.

    The reader's contact records carry the Opportunity ID third and the row's cells last; the
    staged records carry the deal id instead and no cells."""
    found = await DealRepository(session, tenant).ids_by_eid(r[2] for r in batch if r[2] is not None)
    resolved = []
    for r in batch:
        ref = r[2]
        deal_id = None
        if ref is not None:
            deal_id = found.get(ref)
            if deal_id is None:
                errors.add(r[-1], f"No opportunity with Opportunity ID '{ref}' in this organization.")
                continue
        resolved.append((r[0], r[1], deal_id, *r[3:-1]))
    return resolved
