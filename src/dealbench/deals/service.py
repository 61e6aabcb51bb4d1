"""Deals: lookup by id or ``eid:<vendorEntityId>``, listing, create/update/soft delete, notes, and the
opportunity view of the pipeline dialect. Transport-free: every adapter calls these."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import Row
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from dealbench.auth.principal import Principal
from dealbench.deals import presenter
from dealbench.deals.references import find_deal
from dealbench.deals.repository import DealFilters, DealRepository, NoteRepository
from dealbench.deals.schemas import DealCreate, DealUpdate, NoteCreate
from dealbench.events import outbox
from dealbench.kit.db import utcnow
from dealbench.kit.errors import Conflict, NotFound, ValidationFailed
from dealbench.kit.locks import Lock
from dealbench.kit.pagination import ListParams
from dealbench.kit.richtext import to_markdown
from dealbench.models import Deal, DealNote

__all__ = ["DealFilters"]


async def get_deal(
    session: AsyncSession, principal: Principal, ref: str | int, *, lock: Lock | None = None
) -> Deal:
    """The deal ``ref`` (numeric id or ``eid:<vendorEntityId>``) of the caller's organization, or 404.

    Soft-deleted deals still resolve (they answer ``deleted: true``). ``lock``: see :mod:`dealbench.kit.locks`.
    """
    return await find_deal(session, principal, ref, lock=lock)


async def read_deal(session: AsyncSession, principal: Principal, ref: str | int) -> Row[Any]:
    """One deal as a row of the presenter's columns (the single-object read path), or 404."""
    row = await DealRepository(session, principal).row_by_ref(ref, presenter.deal_columns(True))
    if row is None:
        raise NotFound("Deal not found.")
    return row


async def list_deals(
    session: AsyncSession, principal: Principal, params: ListParams, filters: DealFilters | None = None
) -> tuple[list[Row[Any]], int]:
    """A page of deals (rows of the presenter's columns, id order) and the total."""
    filters = filters or DealFilters()
    columns = presenter.deal_columns(filters.include_summary)
    rows, total = await DealRepository(session, principal).page(columns, filters, params)
    return list(rows), total


# --------------------------------------------------------------------------- writes


def _issue(path: str, message: str) -> dict[str, Any]:
    return {"code": "custom", "path": [path], "message": message}


async def _check_references(repo: DealRepository, deal: Deal | None, values: dict[str, Any]) -> None:
    """Every id the body names must exist in the caller's organization: an issue at its path
    otherwise (nothing is written)."""
    issues: list[dict[str, Any]] = []
    owner = values.get("owner_user_id")
    if owner is not None and not await repo.active_user_exists(owner):
        issues.append(_issue("ownerUserId", f"User {owner} not found."))
    process_id = values.get("sales_process_id", deal.sales_process_id if deal else None)
    if "sales_process_id" in values and process_id is not None and not await repo.process_exists(process_id):
        issues.append(_issue("salesProcessId", f"Sales process {process_id} not found."))
    stage_id = values.get("sales_process_stage_id")
    if stage_id is not None:
        stage_process = await repo.stage_process(stage_id)
        if stage_process is None:
            issues.append(_issue("salesProcessStageId", f"Sales process stage {stage_id} not found."))
        elif process_id is not None and stage_process != process_id:
            issues.append(
                _issue(
                    "salesProcessStageId", f"Stage {stage_id} does not belong to sales process {process_id}."
                )
            )
        elif process_id is None:
            values["sales_process_id"] = stage_process
    evaluation_id = values.get("evaluation_id")
    if evaluation_id is not None:
        if not await repo.plan_exists(evaluation_id):
            issues.append(_issue("evaluationId", f"Evaluation {evaluation_id} not found."))
        else:
            other = await repo.holder_of_plan(evaluation_id, other_than=deal.id if deal else None)
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


async def _eid_free(repo: DealRepository, eid: str | None, deal_id: int | None) -> None:
    if eid is None:
        return
    other = await repo.holder_of_eid(eid)
    if other is not None and other != deal_id:
        raise Conflict(f"A deal with vendorEntityId '{eid}' already exists.")


async def _lock_plan(repo: DealRepository, values: dict[str, Any]) -> None:
    """A deal joining a plan locks the plan first (the plan before its deal, as plan updates do),
    so two deals never both take one plan."""
    evaluation_id = values.get("evaluation_id")
    if evaluation_id is not None:
        await repo.lock_plan(evaluation_id)


async def create_deal(session: AsyncSession, principal: Principal, data: DealCreate) -> Deal:
    repo = DealRepository(session, principal)
    values = {k: v for k, v in data.model_dump().items() if v is not None}
    await _lock_plan(repo, values)
    await _check_references(repo, None, values)
    await _eid_free(repo, values.get("vendor_entity_id"), None)
    deal = repo.add(Deal(created_by_user_id=principal.acting_user_id))
    _apply(deal, values)
    if values.get("owner_user_id") is None and principal.user is not None:
        deal.owner_user_id = principal.user.id
    await _flush_unique(session, deal)
    await outbox.record(session, principal, "deal.created", presenter.deal(deal))
    return deal


async def update_deal(session: AsyncSession, principal: Principal, ref: str | int, data: DealUpdate) -> Deal:
    repo = DealRepository(session, principal)
    values = data.provided()
    await _lock_plan(repo, values)
    deal = await get_deal(session, principal, ref, lock=Lock.UPDATE)
    await _check_references(repo, deal, values)
    if "vendor_entity_id" in values:
        await _eid_free(repo, values["vendor_entity_id"], deal.id)
    _apply(deal, values)
    deal.updated_at = utcnow()
    await _flush_unique(session, deal)
    await outbox.record(session, principal, "deal.updated", presenter.deal(deal))
    return deal


async def delete_deal(session: AsyncSession, principal: Principal, ref: str | int) -> Deal:
    """Soft delete: ``deleted: true`` and ``deletedDate``; hidden from lists unless asked for."""
    deal = await get_deal(session, principal, ref, lock=Lock.UPDATE)
    if not deal.deleted:
        deal.deleted = True
        deal.deleted_date = utcnow()
        deal.updated_at = deal.deleted_date
        await session.flush()
        await outbox.record(session, principal, "deal.deleted", presenter.deal(deal))
    return deal


# --------------------------------------------------------------------------- notes


async def add_note(session: AsyncSession, principal: Principal, ref: str | int, data: NoteCreate) -> DealNote:
    deal = await get_deal(session, principal, ref)
    note = NoteRepository(session, principal).add(
        DealNote(
            deal_id=deal.id,
            title=data.title,
            body=to_markdown(data.body),
            created_by_user_id=principal.acting_user_id,
        )
    )
    await session.flush()
    return note


async def list_notes(
    session: AsyncSession, principal: Principal, ref: str | int, params: ListParams
) -> tuple[list[DealNote], int]:
    deal = await get_deal(session, principal, ref)
    return await NoteRepository(session, principal).page_of_deal(deal.id, params)


# --------------------------------------------------------------------------- the opportunity view

#: The window of the activity index.
ACTIVITY_WINDOW = timedelta(days=30)
EXECUTIVE_TITLE_PATTERNS = (
    "%chief%",
    "%ceo%",
    "%cto%",
    "%cfo%",
    "%cio%",
    "%coo%",
    "%ciso%",
    "%vp%",
    "%vice president%",
    "%president%",
    "%director%",
    "%head%",
    "%founder%",
    "%owner%",
    "%partner%",
)


def activity_index(notes: int, plan_changes: int, ticket_links: int) -> int:
    """0..100 over the last 30 days: 10 per deal note, 5 per plan change, 10 per linked request."""
    return min(100, 10 * notes + 5 * plan_changes + 10 * ticket_links)


def relationship_index(contacts: int, executive: bool, phone: bool) -> int:
    """0..100 from the deal's contacts: 20 each (at most 60), 25 for an executive title (chief, C-level,
    VP, president, director, head, founder, owner, partner), 15 when one has a phone number."""
    return min(100, min(60, 20 * contacts) + (25 if executive else 0) + (15 if phone else 0))


@dataclass(frozen=True, slots=True)
class Opportunity:
    """A deal of "my opportunities" with its two indexes."""

    row: Row[Any]
    activity_index: int
    relationship_index: int


async def my_opportunities(
    session: AsyncSession, principal: Principal, *, limit: int | None = None, offset: int = 0
) -> list[Opportunity]:
    """The deals the token's user owns (personal token) or all of the organization's (organization
    token), not deleted, in id order; five statements whatever the number of deals."""
    repo = DealRepository(session, principal)
    owner = principal.user.id if principal.is_personal and principal.user is not None else None
    rows, ids = await repo.opportunity_rows(owner_user_id=owner, limit=limit, offset=offset)
    if not rows:
        return []
    notes, plan_changes, links = await repo.recent_counts(ids, utcnow() - ACTIVITY_WINDOW)
    contacts = await repo.contact_signals(ids, EXECUTIVE_TITLE_PATTERNS)
    return [
        Opportunity(
            row=r,
            activity_index=activity_index(notes.get(r.id, 0), plan_changes.get(r.id, 0), links.get(r.id, 0)),
            relationship_index=relationship_index(*contacts.get(r.id, (0, False, False))),
        )
        for r in rows
    ]
