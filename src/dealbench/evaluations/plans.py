"""Plans (evaluations): their fields, the sales process stage they are at, the deal they belong to
(a deal has at most one plan), and the summary every answer carries (the deal, the progress).

Every change to a plan is recorded in its activity log.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from dealbench.auth.principal import Principal
from dealbench.deals.references import find_deal
from dealbench.evaluations import presenter
from dealbench.evaluations import schemas as s
from dealbench.evaluations.activity import diff, record
from dealbench.evaluations.presenter import Plans, Summary
from dealbench.evaluations.repository import EvaluationRepository
from dealbench.evaluations.templates import copy_template, get_template
from dealbench.events import outbox
from dealbench.kit.db import utcnow
from dealbench.kit.errors import Conflict, NotFound, ValidationFailed
from dealbench.kit.locks import Lock
from dealbench.kit.pagination import ListParams
from dealbench.models import Evaluation


async def get_evaluation(
    session: AsyncSession, principal: Principal, evaluation_id: int, *, lock: Lock | None = None
) -> Evaluation:
    """The plan (404 otherwise)."""
    return await EvaluationRepository(session, principal).one(evaluation_id, lock=lock)


async def summaries_by_ids(
    session: AsyncSession, principal: Principal, evaluation_ids: Sequence[int]
) -> dict[int, Summary]:
    """Batch read: the deal and the progress of each plan, three statements for a whole page."""
    return await EvaluationRepository(session, principal).summaries(evaluation_ids)


async def _plans(session: AsyncSession, principal: Principal, rows: Sequence[Evaluation]) -> Plans:
    return Plans(rows, await summaries_by_ids(session, principal, [e.id for e in rows]))


async def read_evaluation(session: AsyncSession, principal: Principal, evaluation_id: int) -> Plans:
    """The plan with its summary."""
    return await _plans(session, principal, [await get_evaluation(session, principal, evaluation_id)])


async def list_evaluations(
    session: AsyncSession,
    principal: Principal,
    params: ListParams,
    active: bool | None = None,
    *,
    summarize: bool = True,
) -> tuple[Plans, int]:
    """A page of the organization's plans by id, with their summaries unless ``summarize`` is false."""
    rows, total = await EvaluationRepository(session, principal).page(params, active)
    found = await _plans(session, principal, rows) if summarize else Plans(rows, {})
    return found, total


async def evaluations_by_ids(
    session: AsyncSession, principal: Principal, ids: Sequence[int]
) -> list[Evaluation | None]:
    """Batch read: the plans of the caller's organization with these ids, in the ids' order
    (None: absent)."""
    found = await EvaluationRepository(session, principal).by_ids(ids)
    return [found.get(i) for i in ids]


async def _check_refs(session: AsyncSession, principal: Principal, values: dict[str, Any]) -> None:
    """The user, sales process and stage a plan names exist in the organization (a 400 issue at
    each body path otherwise); a stage sets the plan's process and its position ranks."""
    repo = EvaluationRepository(session, principal)
    issues = []

    def missing(key: str, label: str) -> None:
        path = "".join(w.capitalize() if i else w for i, w in enumerate(key.split("_")))
        issues.append({"code": "custom", "path": [path], "message": f"{label} {values[key]} not found."})

    if values.get("default_assignee_user_id") is not None and not await repo.active_user_exists(
        values["default_assignee_user_id"]
    ):
        missing("default_assignee_user_id", "User")
    if (
        values.get("sales_process_id") is not None
        and await repo.sales_process(values["sales_process_id"]) is None
    ):
        missing("sales_process_id", "Sales process")
    stage = None
    if values.get("current_stage_id") is not None:
        stage = await repo.stage(values["current_stage_id"])
        if stage is None:
            missing("current_stage_id", "Sales process stage")
    if issues:
        raise ValidationFailed(issues)
    if stage is not None:
        values.setdefault("sales_process_id", stage.sales_process_id)
        values["current_process_position_rank"] = stage.position + 1
        ids = await repo.stage_ids_in_order()
        values["all_processes_position_rank"] = ids.index(stage.id) + 1 if stage.id in ids else None
    elif "current_stage_id" in values:
        values["current_process_position_rank"] = None
        values["all_processes_position_rank"] = None


async def _link_deal(
    session: AsyncSession, principal: Principal, evaluation: Evaluation, ref: Any
) -> int | None:
    """Link ``ref`` (or unlink with None); a deal has at most one evaluation (409 otherwise).

    The plan is locked by the caller; the deals involved (the new one, those linked now) are
    locked together, in id order, before they are checked.
    """
    target_id = None
    if ref is not None:
        try:
            target_id = (await find_deal(session, principal, ref)).id
        except NotFound as exc:
            raise ValidationFailed.at(["dealId"], f"Deal {ref} not found.") from exc
    involved = await EvaluationRepository(session, principal).lock_deals(evaluation.id, target_id)
    deal = next((d for d in involved if d.id == target_id), None)
    if deal is not None and deal.evaluation_id is not None and deal.evaluation_id != evaluation.id:
        raise Conflict(f"Deal {deal.id} already has evaluation {deal.evaluation_id}.")
    for other in involved:
        if other.evaluation_id == evaluation.id and (deal is None or other.id != deal.id):
            other.evaluation_id = None
    if deal is not None:
        deal.evaluation_id = evaluation.id
    await session.flush()
    return deal.id if deal else None


async def create_evaluation(session: AsyncSession, principal: Principal, data: s.EvaluationCreate) -> Plans:
    """A plan; ``templateId`` copies the template's content, ``dealId`` links a deal."""
    values = {k: v for k, v in data.provided().items() if v is not None}
    deal_ref = values.pop("deal_id", None)
    template_id = values.pop("template_id", None)
    await _check_refs(session, principal, values)
    template = None
    if template_id is not None:
        try:
            template = await get_template(session, principal, template_id, lock=Lock.SHARE)
        except NotFound as exc:
            raise ValidationFailed.at(["templateId"], f"Plan template {template_id} not found.") from exc
    evaluation = Evaluation(
        created_by_user_id=principal.acting_user_id,
        access_code=secrets.token_urlsafe(24),
        derived_from_template_id=template.id if template else None,
    )
    diff(evaluation, values)
    EvaluationRepository(session, principal).add(evaluation)
    await session.flush()
    if template is not None:
        await copy_template(session, principal, evaluation, template)
    deal_id = await _link_deal(session, principal, evaluation, deal_ref) if deal_ref is not None else None
    record(
        session,
        principal,
        evaluation.id,
        "evaluation.created",
        {"title": evaluation.title, "templateId": template_id, "dealId": deal_id},
    )
    await session.flush()
    found = await _plans(session, principal, [evaluation])
    await _event(session, principal, "evaluation.created", found)
    return found


async def _event(session: AsyncSession, principal: Principal, type: str, found: Plans) -> None:
    """Record ``type`` with the plan as ``GET /v1/evaluations/{id}`` renders it."""
    if outbox.enabled(session):
        await outbox.record(session, principal, type, presenter.plan(found))


async def update_evaluation(
    session: AsyncSession, principal: Principal, evaluation_id: int, data: s.EvaluationUpdate
) -> Plans:
    """Update a plan; ``dealId: null`` unlinks its deal."""
    evaluation = await get_evaluation(session, principal, evaluation_id, lock=Lock.UPDATE)
    values = data.provided()
    link = "deal_id" in values
    deal_ref = values.pop("deal_id", None)
    await _check_refs(session, principal, values)
    changes = diff(evaluation, values)
    if link:
        deal_id = await _link_deal(session, principal, evaluation, deal_ref)
        changes["dealId"] = {"to": deal_id}
    if changes:
        evaluation.updated_at = utcnow()
        record(session, principal, evaluation.id, "evaluation.updated", changes)
    await session.flush()
    found = await _plans(session, principal, [evaluation])
    if changes:
        await _event(session, principal, "evaluation.updated", found)
    return found


async def delete_evaluation(session: AsyncSession, principal: Principal, evaluation_id: int) -> int:
    """Delete a plan with its content; its deal is unlinked."""
    repo = EvaluationRepository(session, principal)
    evaluation = await repo.one(evaluation_id, lock=Lock.DELETE)
    await repo.unlink_deals(evaluation.id)
    await repo.delete(evaluation)
    await session.flush()
    await outbox.record(session, principal, "evaluation.deleted", {"id": evaluation_id})
    return evaluation_id
