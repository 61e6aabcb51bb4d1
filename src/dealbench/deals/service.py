"""Deals: lookup by id or ``eid:<vendorEntityId>``, listing, create/update/soft delete, notes."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, func, null, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from dealbench.deals.schemas import DealCreate, DealUpdate, NoteCreate
from dealbench.kit.db import utcnow
from dealbench.kit.errors import Conflict, NotFound, ValidationFailed
from dealbench.kit.fastjson import RowShape
from dealbench.kit.pagination import ListParams
from dealbench.kit.principal import Principal
from dealbench.kit.tenancy import Lock, in_tenant, lock_rows, locked
from dealbench.models import Deal, DealNote, Evaluation, SalesProcess, SalesProcessStage, User
from dealbench.tickets.richtext import to_markdown

EID_PREFIX = "eid:"


def parse_deal_ref(ref: str | int) -> tuple[int | None, str | None]:
    """``(id, None)`` for a numeric id, ``(None, vendorEntityId)`` for ``eid:...``; ``(None, None)`` else."""
    if isinstance(ref, bool):
        return None, None
    if isinstance(ref, int):
        return (ref, None) if 0 < ref < 2**31 else (None, None)  # ids are 32-bit integers
    text = ref.strip()
    if text.startswith(EID_PREFIX):
        eid = text[len(EID_PREFIX) :]
        return (None, eid) if eid else (None, None)
    if text.isascii() and text.isdigit() and len(text) < 19 and 0 < int(text) < 2**31:
        return int(text), None
    return None, None


async def get_deal(
    session: AsyncSession, principal: Principal, ref: str | int, *, lock: Lock | None = None
) -> Deal:
    """The deal ``ref`` (numeric id or ``eid:<vendorEntityId>``) of the principal's organization, or 404.

    Soft-deleted deals still resolve (they answer ``deleted: true``). ``lock``: see :mod:`kit.tenancy`.
    """
    deal_id, eid = parse_deal_ref(ref)
    stmt = in_tenant(Deal, principal.organization_id)
    if deal_id is not None:
        stmt = stmt.where(Deal.id == deal_id)
    elif eid is not None:
        stmt = stmt.where(Deal.vendor_entity_id == eid)
    else:
        raise NotFound("Deal not found.")
    deal = (await session.execute(locked(stmt, lock))).scalar_one_or_none()
    if deal is None:
        raise NotFound("Deal not found.")
    return deal


async def resolve_deal_refs(
    session: AsyncSession, organization_id: int, refs: Iterable[str | int]
) -> dict[str | int, Deal]:
    """Many refs at once (two queries at most): ``{ref: Deal}`` for the refs that exist."""
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
        stmt = in_tenant(Deal, organization_id).where(Deal.id.in_(list(ids)))
        for deal in (await session.execute(stmt)).scalars():
            for ref in ids[deal.id]:
                found[ref] = deal
    if eids:
        stmt = in_tenant(Deal, organization_id).where(Deal.vendor_entity_id.in_(list(eids)))
        for deal in (await session.execute(stmt)).scalars():
            for ref in eids[deal.vendor_entity_id or ""]:
                found[ref] = deal
    return found


# --------------------------------------------------------------------------- listing


@dataclass(frozen=True, slots=True)
class DealFilters:
    include_deleted: bool = False
    include_summary: bool = False
    stage: str | None = None
    closed: bool | None = None
    won: bool | None = None
    q: str | None = None
    updated_since: datetime | None = None


def _like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


D = Deal.__table__.c  # table columns: the hot list runs Core statements, without ORM row loading


def _conditions(principal: Principal, f: DealFilters) -> list[ColumnElement[bool]]:
    conds: list[ColumnElement[bool]] = [D.organization_id == principal.organization_id]
    if not f.include_deleted:
        conds.append(D.deleted.is_(False))
    if f.stage is not None:
        conds.append(D.stage == f.stage)
    if f.closed is not None:
        conds.append(D.closed.is_(f.closed))
    if f.won is not None:
        conds.append(D.won.is_(f.won))
    if f.q:
        conds.append(func.lower(D.name).like(f"%{_like_escape(f.q.lower())}%", escape="\\"))
    if f.updated_since is not None:
        conds.append(D.updated_at >= f.updated_since)
    return conds


async def _count(session: AsyncSession, conds: list[ColumnElement[bool]]) -> int:
    return int((await session.execute(select(func.count(D.id)).where(*conds))).scalar_one())


async def list_deals(
    session: AsyncSession, principal: Principal, params: ListParams, filters: DealFilters | None = None
) -> tuple[list[Deal], int]:
    """A page of deals (ORM objects, id order) and the total; ``summary`` left to the caller."""
    conds = _conditions(principal, filters or DealFilters())
    total = await _count(session, conds)
    stmt = select(Deal).where(*conds).order_by(Deal.id).limit(params.limit).offset(params.offset)
    return list((await session.execute(stmt)).scalars()), total


def _deal_fields(include_summary: bool) -> list[tuple[str, ColumnElement[Any]]]:
    from dealbench.deals.schemas import DealOut

    fields: list[tuple[str, ColumnElement[Any]]] = []
    for name, info in DealOut.model_fields.items():
        column: ColumnElement[Any] = D[name]
        if name in {"summary", "summary_updated_at"} and not include_summary:
            column = null().label(name)
        fields.append((info.alias or name, column))
    return fields


_SHAPES = {flag: RowShape(_deal_fields(flag)) for flag in (False, True)}


async def list_deal_payloads(
    session: AsyncSession, principal: Principal, params: ListParams, filters: DealFilters
) -> tuple[list[dict[str, Any]], int]:
    """The hot path of ``GET /v1/deals``: one Core select (page and total), items as wire dicts."""
    conds = _conditions(principal, filters)
    shape = _SHAPES[filters.include_summary]
    count = select(func.count(D.id)).where(*conds).scalar_subquery()  # computed once, same round trip
    stmt = (
        select(*shape.columns, count.label("total"))
        .where(*conds)
        .order_by(D.id)
        .limit(params.limit)
        .offset(params.offset)
    )
    rows = (await session.execute(stmt)).all()
    if not rows:
        return [], await _count(session, conds)
    total = int(rows[0][-1])
    items = shape.dicts(row[:-1] for row in rows)
    for item in items:
        item["uuid"] = str(item["uuid"])
    return items, total


def hide_summary(deal: Deal) -> dict[str, Any]:
    """A deal as the wire dict without its summary (``includeSummary`` false)."""
    from dealbench.deals.schemas import DealOut

    data = DealOut.model_validate(deal).model_dump(by_alias=True, mode="json")
    data["summary"] = None
    data["summaryUpdatedAt"] = None
    return data


# --------------------------------------------------------------------------- writes


async def _check_references(
    session: AsyncSession, principal: Principal, deal: Deal | None, values: dict[str, Any]
) -> None:
    org = principal.organization_id
    issues: list[dict[str, Any]] = []
    owner = values.get("owner_user_id")
    if owner is not None:
        found = await session.scalar(
            select(User.id).where(User.organization_id == org, User.id == owner, User.deleted_at.is_(None))
        )
        if found is None:
            issues.append({"code": "custom", "path": ["ownerUserId"], "message": f"User {owner} not found."})
    process_id = values.get("sales_process_id", deal.sales_process_id if deal else None)
    if "sales_process_id" in values and process_id is not None:
        found = await session.scalar(
            select(SalesProcess.id).where(SalesProcess.organization_id == org, SalesProcess.id == process_id)
        )
        if found is None:
            issues.append(
                {
                    "code": "custom",
                    "path": ["salesProcessId"],
                    "message": f"Sales process {process_id} not found.",
                }
            )
    stage_id = values.get("sales_process_stage_id")
    if stage_id is not None:
        stage = (
            await session.execute(
                select(SalesProcessStage).where(
                    SalesProcessStage.organization_id == org, SalesProcessStage.id == stage_id
                )
            )
        ).scalar_one_or_none()
        if stage is None:
            issues.append(
                {
                    "code": "custom",
                    "path": ["salesProcessStageId"],
                    "message": f"Sales process stage {stage_id} not found.",
                }
            )
        elif process_id is not None and stage.sales_process_id != process_id:
            issues.append(
                {
                    "code": "custom",
                    "path": ["salesProcessStageId"],
                    "message": f"Stage {stage_id} does not belong to sales process {process_id}.",
                }
            )
        elif process_id is None:
            values["sales_process_id"] = stage.sales_process_id
    evaluation_id = values.get("evaluation_id")
    if evaluation_id is not None:
        found = await session.scalar(
            select(Evaluation.id).where(Evaluation.organization_id == org, Evaluation.id == evaluation_id)
        )
        if found is None:
            issues.append(
                {
                    "code": "custom",
                    "path": ["evaluationId"],
                    "message": f"Evaluation {evaluation_id} not found.",
                }
            )
        else:
            other = await session.scalar(
                select(Deal.id).where(
                    Deal.evaluation_id == evaluation_id, Deal.id != (deal.id if deal and deal.id else -1)
                )
            )
            if other is not None:
                raise Conflict(f"Evaluation {evaluation_id} is already linked to deal {other}.")
    if issues:
        raise ValidationFailed(issues)


def _apply(deal: Deal, values: dict[str, Any]) -> None:
    for name, value in values.items():
        setattr(deal, name, value)
    if "summary" in values:
        deal.summary_updated_at = utcnow() if values["summary"] is not None else None
    if values.get("closed") is False:
        deal.won = bool(values.get("won", False))


async def _flush_unique(session: AsyncSession, deal: Deal) -> None:
    try:
        async with session.begin_nested():
            session.add(deal)
            await session.flush()
    except IntegrityError as exc:
        raise Conflict(f"A deal with vendorEntityId '{deal.vendor_entity_id}' already exists.") from exc


async def _eid_free(
    session: AsyncSession, principal: Principal, eid: str | None, deal_id: int | None
) -> None:
    if eid is None:
        return
    stmt = select(Deal.id).where(
        Deal.organization_id == principal.organization_id, Deal.vendor_entity_id == eid
    )
    other = await session.scalar(stmt)
    if other is not None and other != deal_id:
        raise Conflict(f"A deal with vendorEntityId '{eid}' already exists.")


async def _lock_evaluation(session: AsyncSession, principal: Principal, values: dict[str, Any]) -> None:
    """A deal joining a plan locks the plan first (the plan before its deal, as plan updates do),
    so two deals never both take one plan."""
    evaluation_id = values.get("evaluation_id")
    if evaluation_id is not None:
        await lock_rows(session, Evaluation, principal.organization_id, Evaluation.id == evaluation_id)


async def create_deal(session: AsyncSession, principal: Principal, data: DealCreate) -> Deal:
    values = {k: v for k, v in data.model_dump().items() if v is not None}
    await _lock_evaluation(session, principal, values)
    await _check_references(session, principal, None, values)
    await _eid_free(session, principal, values.get("vendor_entity_id"), None)
    deal = Deal(organization_id=principal.organization_id, created_by_user_id=principal.acting_user_id)
    _apply(deal, values)
    if values.get("owner_user_id") is None and principal.user is not None:
        deal.owner_user_id = principal.user.id
    await _flush_unique(session, deal)
    return deal


async def update_deal(session: AsyncSession, principal: Principal, ref: str | int, data: DealUpdate) -> Deal:
    values = data.provided()
    await _lock_evaluation(session, principal, values)
    deal = await get_deal(session, principal, ref, lock=Lock.UPDATE)
    await _check_references(session, principal, deal, values)
    if "vendor_entity_id" in values:
        await _eid_free(session, principal, values["vendor_entity_id"], deal.id)
    _apply(deal, values)
    deal.updated_at = utcnow()
    await _flush_unique(session, deal)
    return deal


async def delete_deal(session: AsyncSession, principal: Principal, ref: str | int) -> Deal:
    """Soft delete: ``deleted: true`` and ``deletedDate``; hidden from lists unless asked for."""
    deal = await get_deal(session, principal, ref, lock=Lock.UPDATE)
    if not deal.deleted:
        deal.deleted = True
        deal.deleted_date = utcnow()
        deal.updated_at = deal.deleted_date
        await session.flush()
    return deal


# --------------------------------------------------------------------------- notes


async def add_note(session: AsyncSession, principal: Principal, ref: str | int, data: NoteCreate) -> DealNote:
    deal = await get_deal(session, principal, ref)
    note = DealNote(
        organization_id=principal.organization_id,
        deal_id=deal.id,
        title=data.title,
        body=to_markdown(data.body),
        created_by_user_id=principal.acting_user_id,
    )
    session.add(note)
    await session.flush()
    return note


async def list_notes(
    session: AsyncSession, principal: Principal, ref: str | int, params: ListParams
) -> tuple[list[DealNote], int]:
    deal = await get_deal(session, principal, ref)
    base: Select[Any] = in_tenant(DealNote, principal.organization_id).where(DealNote.deal_id == deal.id)
    total = int(
        (
            await session.execute(
                select(func.count(DealNote.id)).where(
                    DealNote.organization_id == principal.organization_id, DealNote.deal_id == deal.id
                )
            )
        ).scalar_one()
    )
    rows = await session.execute(base.order_by(DealNote.id).limit(params.limit).offset(params.offset))
    return list(rows.scalars()), total
