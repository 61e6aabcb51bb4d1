"""The statements of the deals domain: deals, their notes, and the signals of the opportunity view.

Every statement starts from the caller's organization (:class:`dealbench.kit.repository.Repository`).
Lists and single reads run Core statements whose columns are the presenter's (no ORM row loading);
writes load ORM objects.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Row, bindparam, case, func, or_, select, text

from dealbench.kit.locks import Lock, locked
from dealbench.kit.merge import merge_sql, now_param
from dealbench.kit.pagination import ListParams
from dealbench.kit.repository import Repository, is_id
from dealbench.models import (
    Contact,
    Deal,
    DealNote,
    Evaluation,
    EvaluationActivity,
    SalesProcess,
    SalesProcessStage,
    TicketDealLink,
    User,
)

EID_PREFIX = "eid:"

#: A version 4 UUID in SQLite's SQL (PostgreSQL has ``gen_random_uuid()``): the uuid of an imported deal.
_SQLITE_UUID = (
    "lower(hex(randomblob(4)) || hex(randomblob(2)) || '4' || substr(hex(randomblob(2)), 2) || "
    "substr('89ab', 1 + (abs(random()) % 4), 1) || substr(hex(randomblob(2)), 2) || hex(randomblob(6)))"
)


def parse_deal_ref(ref: str | int) -> tuple[int | None, str | None]:
    """``(id, None)`` for a numeric id, ``(None, vendorEntityId)`` for ``eid:...``; ``(None, None)`` else."""
    if isinstance(ref, bool):
        return None, None
    if isinstance(ref, int):
        return (ref, None) if is_id(ref) else (None, None)
    text = ref.strip()
    if text.startswith(EID_PREFIX):
        eid = text[len(EID_PREFIX) :]
        return (None, eid) if eid else (None, None)
    if text.isascii() and text.isdigit() and len(text) < 19 and is_id(int(text)):
        return int(text), None
    return None, None


@dataclass(frozen=True, slots=True)
class DealFilters:
    include_deleted: bool = False
    include_summary: bool = False
    stage: str | None = None
    closed: bool | None = None
    won: bool | None = None
    q: str | None = None
    updated_since: datetime | None = None
    owner_user_id: int | None = None
    #: One of :data:`ORDERS` (the web app's sortable columns); id order otherwise.
    order: str = "id"


#: The orders a deal list may ask for, by name: ``-`` first for descending. Ties break by id.
ORDERS: dict[str, tuple[str, bool]] = {
    "id": ("id", False),
    "name": ("name", False),
    "-name": ("name", True),
    "amount": ("amount", False),
    "-amount": ("amount", True),
    "closeDate": ("close_date", False),
    "-closeDate": ("close_date", True),
    "-updatedAt": ("updated_at", True),
}


def _like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


#: The single-deal reads, by (columns, by vendorEntityId): built once (see ``row_by_ref``).
_ONE: dict[tuple[tuple[Any, ...], bool], Any] = {}


class DealRepository(Repository[Deal]):
    model = Deal
    what = "Deal"

    def _ref_condition(self, ref: str | int) -> ColumnElement[bool] | None:
        deal_id, eid = parse_deal_ref(ref)
        if deal_id is not None:
            return Deal.id == deal_id
        if eid is not None:
            return Deal.vendor_entity_id == eid
        return None

    async def by_ref(self, ref: str | int, *, lock: Lock | None = None) -> Deal | None:
        """The deal ``ref`` (numeric id or ``eid:<vendorEntityId>``), soft-deleted ones included."""
        condition = self._ref_condition(ref)
        if condition is None:
            return None
        return (await self.session.execute(locked(self.select().where(condition), lock))).scalar_one_or_none()

    async def row_by_ref(self, ref: str | int, columns: Sequence[Any]) -> Row[Any] | None:
        """``columns`` of the deal ``ref`` as one Core row (the single-object read path): a statement
        built once per set of columns, run on the connection past the ORM's execution layer."""
        deal_id, eid = parse_deal_ref(ref)
        if deal_id is None and eid is None:
            return None
        by_eid = deal_id is None
        key = (tuple(columns), by_eid)
        stmt = _ONE.get(key)
        if stmt is None:
            match = Deal.vendor_entity_id if by_eid else Deal.id
            stmt = _ONE[key] = select(*columns).where(
                Deal.organization_id == bindparam("org"), match == bindparam("ref")
            )
        connection = await self.session.connection()
        params = {"org": self.organization_id, "ref": eid if by_eid else deal_id}
        return (await connection.execute(stmt, params)).first()

    async def by_refs(self, refs: Iterable[str | int]) -> dict[str | int, Deal]:
        """Many refs at once (two statements at most): ``{ref: Deal}`` for the refs that exist."""
        ids: dict[int, list[str | int]] = {}
        eids: dict[str, list[str | int]] = {}
        for ref in refs:
            deal_id, eid = parse_deal_ref(ref)
            if deal_id is not None:
                ids.setdefault(deal_id, []).append(ref)
            elif eid is not None:
                eids.setdefault(eid, []).append(ref)
        found: dict[str | int, Deal] = {}
        if ids:
            for deal in (await self.session.execute(self.select().where(Deal.id.in_(list(ids))))).scalars():
                for ref in ids[deal.id]:
                    found[ref] = deal
        if eids:
            stmt = self.select().where(Deal.vendor_entity_id.in_(list(eids)))
            for deal in (await self.session.execute(stmt)).scalars():
                for ref in eids[deal.vendor_entity_id or ""]:
                    found[ref] = deal
        return found

    async def holder_of_eid(self, eid: str) -> int | None:
        """The id of the deal whose ``vendorEntityId`` is ``eid``."""
        return await self.session.scalar(self.select(Deal.id).where(Deal.vendor_entity_id == eid))

    async def holder_of_plan(self, evaluation_id: int, *, other_than: int | None) -> int | None:
        """The id of another deal already linked to the plan ``evaluation_id``."""
        stmt = self.select(Deal.id).where(Deal.evaluation_id == evaluation_id)
        if other_than is not None:
            stmt = stmt.where(Deal.id != other_than)
        return await self.session.scalar(stmt)

    async def oldest(self, limit: int) -> list[Row[Any]]:
        """``(id, account_name)`` of the organization's first ``limit`` deals, in id order."""
        stmt = self.select(Deal.id, Deal.account_name).order_by(Deal.id).limit(limit)
        return list((await self.session.execute(stmt)).all())

    async def ids_by_eid(self, eids: Iterable[str]) -> dict[str, int]:
        """``{vendorEntityId: id}`` of the deals (not deleted) that hold one of ``eids``."""
        wanted = sorted(set(eids))
        found: dict[str, int] = {}
        for i in range(0, len(wanted), 1000):
            stmt = self.select(Deal.vendor_entity_id, Deal.id).where(
                Deal.deleted.is_(False), Deal.vendor_entity_id.in_(wanted[i : i + 1000])
            )
            found.update({eid: deal_id for eid, deal_id in (await self.session.execute(stmt)).all()})
        return found

    # ------------------------------------------------------------------ imports

    #: The key of an imported opportunity: its ``vendorEntityId`` (unique in the organization when set).
    IMPORT_KEY = ("vendor_entity_id",)

    async def merge_import(
        self, stage: str, staged: list[str], update: list[str], *, actor: int | None, dedupe: bool = True
    ) -> None:
        """Create or update the deals of a staging table in one statement (:mod:`dealbench.kit.merge`),
        by ``vendorEntityId``. ``staged`` also holds ``closed`` and ``won`` (derived from the stage);
        a new deal is created by ``actor``; importing a deal again brings it back if it was deleted."""
        postgres = self.postgres
        sql = merge_sql(
            table="deals",
            stage=stage,
            key=self.IMPORT_KEY,
            staged=[c for c in staged if c not in ("closed", "won")],
            update=update,
            postgres=postgres,
            dedupe=dedupe,
            conflict_where="vendor_entity_id IS NOT NULL",
            inserts={
                "uuid": "gen_random_uuid()" if postgres else _SQLITE_UUID,
                "created_by_user_id": ":actor",
                "deleted": "false",
                "closed": "coalesce(s.closed, false)",
                "won": "coalesce(s.won, false)",
            },
            also_set=("deleted = false", "deleted_date = NULL"),
            also_changed=("deals.deleted",),
        )
        params = {"org": self.organization_id, "now": now_param(postgres), "actor": actor}
        await self.session.execute(text(sql), params)

    # ------------------------------------------------------------------ references a deal names

    async def active_user_exists(self, user_id: int) -> bool:
        stmt = select(User.id).where(self.owned(User), User.id == user_id, User.deleted_at.is_(None))
        return is_id(user_id) and await self.session.scalar(stmt) is not None

    async def process_exists(self, process_id: int) -> bool:
        stmt = select(SalesProcess.id).where(self.owned(SalesProcess), SalesProcess.id == process_id)
        return is_id(process_id) and await self.session.scalar(stmt) is not None

    async def stage_process(self, stage_id: int) -> int | None:
        """The sales process of the stage ``stage_id``; ``None`` when there is no such stage."""
        if not is_id(stage_id):
            return None
        stmt = select(SalesProcessStage.sales_process_id).where(
            self.owned(SalesProcessStage), SalesProcessStage.id == stage_id
        )
        return await self.session.scalar(stmt)

    async def lock_plan(self, evaluation_id: int) -> None:
        """Lock the plan a deal is joining (see :mod:`dealbench.kit.locks`)."""
        if is_id(evaluation_id):
            stmt = select(Evaluation.id).where(self.owned(Evaluation), Evaluation.id == evaluation_id)
            await self.session.execute(locked(stmt, Lock.UPDATE))

    async def plan_exists(self, evaluation_id: int) -> bool:
        stmt = select(Evaluation.id).where(self.owned(Evaluation), Evaluation.id == evaluation_id)
        return is_id(evaluation_id) and await self.session.scalar(stmt) is not None

    # ------------------------------------------------------------------ lists

    def conditions(self, f: DealFilters) -> list[ColumnElement[bool]]:
        d = self.c
        conds: list[ColumnElement[bool]] = [self.owned()]
        if not f.include_deleted:
            conds.append(d.deleted.is_(False))
        if f.stage is not None:
            conds.append(d.stage == f.stage)
        if f.closed is not None:
            conds.append(d.closed.is_(f.closed))
        if f.won is not None:
            conds.append(d.won.is_(f.won))
        if f.q:
            conds.append(func.lower(d.name).like(f"%{_like_escape(f.q.lower())}%", escape="\\"))
        if f.updated_since is not None:
            conds.append(d.updated_at >= f.updated_since)
        if f.owner_user_id is not None:
            conds.append(d.owner_user_id == f.owner_user_id)
        return conds

    def ordering(self, f: DealFilters) -> list[Any]:
        name, descending = ORDERS.get(f.order, ORDERS["id"])
        column = self.c[name]
        if name == "id":
            return [column.desc() if descending else column]
        return [column.desc().nulls_last() if descending else column.asc().nulls_last(), self.c.id]

    async def page(
        self, columns: Sequence[Any], filters: DealFilters, params: ListParams
    ) -> tuple[Sequence[Any], int]:
        """A page of ``columns`` (id order) and the total, in one round trip: the total rides along as
        an uncorrelated scalar subquery; a separate count only when the page is empty."""
        conds = self.conditions(filters)
        total = select(func.count(self.c.id)).where(*conds).scalar_subquery()
        stmt = (
            select(*columns, total.label("_total"))
            .where(*conds)
            .order_by(*self.ordering(filters))
            .limit(params.limit)
            .offset(params.offset)
        )
        rows = (await self.session.execute(stmt)).all()
        if rows:
            return rows, int(rows[0][-1])
        return [], int((await self.session.execute(select(func.count(self.c.id)).where(*conds))).scalar_one())

    # ------------------------------------------------------------------ the opportunity view

    async def opportunity_rows(
        self, *, owner_user_id: int | None, limit: int | None, offset: int
    ) -> tuple[Sequence[Any], Any]:
        """Deals that are not deleted (of one owner when given), in id order, with the id subquery
        the signal statements below reuse."""
        ids = self.select(Deal.id).where(Deal.deleted.is_(False))
        if owner_user_id is not None:
            ids = ids.where(Deal.owner_user_id == owner_user_id)
        ids = ids.order_by(Deal.id).offset(offset)
        if limit is not None:
            ids = ids.limit(limit)
        id_subquery = ids.scalar_subquery()
        rows = (
            await self.session.execute(
                select(
                    Deal.id,
                    Deal.uuid,
                    Deal.closed,
                    Deal.won,
                    Deal.vendor_entity_id,
                    Deal.name,
                    Deal.company_vendor_entity_id,
                    Deal.account_name,
                    Deal.amount,
                    Deal.close_date,
                    Deal.stage,
                    Deal.forecast_category,
                    Deal.opportunity_type,
                    Deal.account_website,
                )
                .where(Deal.id.in_(id_subquery))
                .order_by(Deal.id)
            )
        ).all()
        return rows, id_subquery

    async def recent_counts(self, id_subquery: Any, since: datetime) -> tuple[dict[int, int], ...]:
        """Per deal, since ``since``: notes, plan activity entries, request links."""
        notes = dict(
            (
                await self.session.execute(
                    select(DealNote.deal_id, func.count())
                    .where(DealNote.deal_id.in_(id_subquery), DealNote.created_at >= since)
                    .group_by(DealNote.deal_id)
                )
            ).all()
        )
        plan_changes = dict(
            (
                await self.session.execute(
                    select(Deal.id, func.count())
                    .join(EvaluationActivity, EvaluationActivity.evaluation_id == Deal.evaluation_id)
                    .where(Deal.id.in_(id_subquery), EvaluationActivity.created_at >= since)
                    .group_by(Deal.id)
                )
            ).all()
        )
        links = dict(
            (
                await self.session.execute(
                    select(TicketDealLink.deal_id, func.count())
                    .where(TicketDealLink.deal_id.in_(id_subquery), TicketDealLink.created_at >= since)
                    .group_by(TicketDealLink.deal_id)
                )
            ).all()
        )
        return notes, plan_changes, links  # type: ignore[return-value]

    async def contact_signals(
        self, id_subquery: Any, executive_patterns: Sequence[str]
    ) -> dict[int, tuple[int, bool, bool]]:
        """Per deal: how many contacts, whether one has an executive title, whether one has a phone."""
        title = func.lower(func.coalesce(Contact.title, ""))
        executive = or_(*(title.like(p) for p in executive_patterns))
        has_phone = or_(func.coalesce(Contact.phone, "") != "", func.coalesce(Contact.mobile_phone, "") != "")
        rows = await self.session.execute(
            select(
                Contact.deal_id,
                func.count(),
                func.max(case((executive, 1), else_=0)),
                func.max(case((has_phone, 1), else_=0)),
            )
            .where(self.owned(Contact), Contact.deal_id.in_(id_subquery))
            .group_by(Contact.deal_id)
        )
        return {deal_id: (count, bool(exe), bool(ph)) for deal_id, count, exe, ph in rows.all()}


class NoteRepository(Repository[DealNote]):
    model = DealNote
    what = "Note"

    async def page_of_deal(self, deal_id: int, params: ListParams) -> tuple[list[DealNote], int]:
        total = int(
            (
                await self.session.execute(
                    select(func.count(DealNote.id)).where(self.owned(), DealNote.deal_id == deal_id)
                )
            ).scalar_one()
        )
        stmt = (
            self.select()
            .where(DealNote.deal_id == deal_id)
            .order_by(DealNote.id)
            .limit(params.limit)
            .offset(params.offset)
        )
        return list((await self.session.execute(stmt)).scalars()), total
