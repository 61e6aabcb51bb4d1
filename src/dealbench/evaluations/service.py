"""Evaluations (plans): CRUD, deal link, plan content (phases, criteria, tasks, meetings) with
ordering, the activity log, plan templates and the criteria library with its metrics.

Every change to a plan is recorded in ``evaluation_activity`` (who, which token, what, when).
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from typing import Any

from sqlalchemy import func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from dealbench.auth.principal import Principal
from dealbench.deals.references import find_deal
from dealbench.evaluations import schemas as s
from dealbench.kit.db import utcnow
from dealbench.kit.errors import Conflict, NotFound, ValidationFailed
from dealbench.kit.pagination import ListParams
from dealbench.kit.tenancy import Lock, get_in_tenant, in_tenant, lock_rows, locked
from dealbench.models import (
    Deal,
    Evaluation,
    EvaluationActivity,
    EvaluationMeeting,
    EvaluationPhase,
    EvaluationTask,
    LibraryCriterion,
    PlanTemplate,
    SalesProcess,
    SalesProcessStage,
    SuccessCriterion,
    User,
)
from dealbench.models.sales import CriterionOutcome

OUTCOMES = [o.value for o in CriterionOutcome]


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    return value


async def record(
    session: AsyncSession,
    principal: Principal,
    evaluation_id: int,
    action: str,
    changes: dict[str, Any] | None,
) -> None:
    session.add(
        EvaluationActivity(
            organization_id=principal.organization_id,
            evaluation_id=evaluation_id,
            user_id=principal.acting_user_id,
            token_id=principal.token.id,
            action=action,
            changes={k: _jsonable(v) for k, v in (changes or {}).items()} or None,
        )
    )


def _diff(obj: Any, values: dict[str, Any]) -> dict[str, Any]:
    """Apply ``values`` to ``obj``; ``{field: {"from", "to"}}`` for what changed."""
    changed: dict[str, Any] = {}
    for name, value in values.items():
        value = value.value if isinstance(value, Enum) else value
        old = getattr(obj, name)
        if old != value:
            changed[name] = {"from": _jsonable(old), "to": _jsonable(value)}
            setattr(obj, name, value)
    return changed


# --------------------------------------------------------------------------- evaluations


async def get_evaluation(
    session: AsyncSession, principal: Principal, evaluation_id: int, *, lock: Lock | None = None
) -> Evaluation:
    """The plan (404 otherwise). Every write of a plan or of its content locks it first
    (``Lock.UPDATE``): positions, reorders and the activity log stay serial per plan."""
    return await get_in_tenant(
        session, Evaluation, principal.organization_id, evaluation_id, what="Evaluation", lock=lock
    )


async def decorate(session: AsyncSession, evaluations: Sequence[Evaluation]) -> list[dict[str, Any]]:
    """Wire dicts with ``dealId`` and ``progress``: three statements for a whole page."""
    ids = [e.id for e in evaluations]
    deals: dict[int, int] = {}
    criteria: dict[int, dict[str, int]] = {i: dict.fromkeys([*OUTCOMES, "UNSET"], 0) for i in ids}
    tasks: dict[int, list[int]] = {i: [0, 0] for i in ids}
    if ids:
        for deal_id, eval_id in (
            await session.execute(select(Deal.id, Deal.evaluation_id).where(Deal.evaluation_id.in_(ids)))
        ).all():
            if eval_id is not None:
                deals[eval_id] = deal_id
        for eval_id, outcome, n in (
            await session.execute(
                select(SuccessCriterion.evaluation_id, SuccessCriterion.outcome, func.count())
                .where(SuccessCriterion.evaluation_id.in_(ids))
                .group_by(SuccessCriterion.evaluation_id, SuccessCriterion.outcome)
            )
        ).all():
            criteria[eval_id][outcome or "UNSET"] += n
        for eval_id, done, n in (
            await session.execute(
                select(EvaluationTask.evaluation_id, EvaluationTask.completed, func.count())
                .where(EvaluationTask.evaluation_id.in_(ids))
                .group_by(EvaluationTask.evaluation_id, EvaluationTask.completed)
            )
        ).all():
            tasks[eval_id][0] += n
            if done:
                tasks[eval_id][1] += n
    out = []
    for e in evaluations:
        data = s.EvaluationOut.model_validate(e).model_dump(by_alias=True, mode="json")
        data["dealId"] = deals.get(e.id)
        data["progress"] = {
            "criteriaTotal": sum(criteria[e.id].values()),
            "criteriaByOutcome": criteria[e.id],
            "tasksTotal": tasks[e.id][0],
            "tasksDone": tasks[e.id][1],
        }
        out.append(data)
    return out


async def list_evaluations(
    session: AsyncSession, principal: Principal, params: ListParams, active: bool | None = None
) -> tuple[list[Evaluation], int]:
    stmt = in_tenant(Evaluation, principal.organization_id)
    if active is not None:
        stmt = stmt.where(Evaluation.active.is_(active))
    total = (await session.execute(select(func.count()).select_from(stmt.subquery()))).scalar_one()
    rows = await session.execute(stmt.order_by(Evaluation.id).limit(params.limit).offset(params.offset))
    return list(rows.scalars()), int(total)


async def _check_refs(session: AsyncSession, principal: Principal, values: dict[str, Any]) -> None:
    org = principal.organization_id
    issues = []

    async def exists(model: Any, key: str, label: str, extra: Any = None) -> Any:
        value = values.get(key)
        if value is None:
            return None
        stmt = select(model).where(model.organization_id == org, model.id == value)
        if extra is not None:
            stmt = stmt.where(extra)
        found = (await session.execute(stmt)).scalar_one_or_none()
        if found is None:
            path = "".join(w.capitalize() if i else w for i, w in enumerate(key.split("_")))
            issues.append({"code": "custom", "path": [path], "message": f"{label} {value} not found."})
        return found

    await exists(User, "default_assignee_user_id", "User", User.deleted_at.is_(None))
    await exists(SalesProcess, "sales_process_id", "Sales process")
    stage = await exists(SalesProcessStage, "current_stage_id", "Sales process stage")
    if issues:
        raise ValidationFailed(issues)
    if stage is not None:
        values.setdefault("sales_process_id", stage.sales_process_id)
        values["current_process_position_rank"] = stage.position + 1
        ordered = (
            await session.execute(
                select(SalesProcessStage.id)
                .where(SalesProcessStage.organization_id == org, SalesProcessStage.deleted_at.is_(None))
                .order_by(
                    SalesProcessStage.sales_process_id, SalesProcessStage.position, SalesProcessStage.id
                )
            )
        ).scalars()
        ids = list(ordered)
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
    linked = Deal.evaluation_id == evaluation.id
    involved = await lock_rows(
        session,
        Deal,
        principal.organization_id,
        or_(linked, Deal.id == target_id) if target_id is not None else linked,
    )
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


async def create_evaluation(
    session: AsyncSession, principal: Principal, data: s.EvaluationCreate
) -> Evaluation:
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
        organization_id=principal.organization_id,
        created_by_user_id=principal.acting_user_id,
        access_code=secrets.token_urlsafe(24),
        derived_from_template_id=template.id if template else None,
    )
    _diff(evaluation, values)
    session.add(evaluation)
    await session.flush()
    if template is not None:
        await _copy_template(session, principal, evaluation, template)
    deal_id = await _link_deal(session, principal, evaluation, deal_ref) if deal_ref is not None else None
    await record(
        session,
        principal,
        evaluation.id,
        "evaluation.created",
        {"title": evaluation.title, "templateId": template_id, "dealId": deal_id},
    )
    await session.flush()
    return evaluation


async def update_evaluation(
    session: AsyncSession, principal: Principal, evaluation_id: int, data: s.EvaluationUpdate
) -> Evaluation:
    evaluation = await get_evaluation(session, principal, evaluation_id, lock=Lock.UPDATE)
    values = data.provided()
    link = "deal_id" in values
    deal_ref = values.pop("deal_id", None)
    await _check_refs(session, principal, values)
    changes = _diff(evaluation, values)
    if link:
        deal_id = await _link_deal(session, principal, evaluation, deal_ref)
        changes["dealId"] = {"to": deal_id}
    if changes:
        evaluation.updated_at = utcnow()
        await record(session, principal, evaluation.id, "evaluation.updated", changes)
    await session.flush()
    return evaluation


async def delete_evaluation(session: AsyncSession, principal: Principal, evaluation_id: int) -> int:
    evaluation = await get_evaluation(session, principal, evaluation_id, lock=Lock.DELETE)
    await session.execute(update(Deal).where(Deal.evaluation_id == evaluation.id).values(evaluation_id=None))
    await session.delete(evaluation)
    await session.flush()
    return evaluation_id


# --------------------------------------------------------------------------- plan content


@dataclass(frozen=True)
class Kind:
    name: str  # activity prefix
    model: Any
    what: str


PHASES = Kind("phase", EvaluationPhase, "Phase")
CRITERIA = Kind("criterion", SuccessCriterion, "Success criterion")
TASKS = Kind("task", EvaluationTask, "Task")
MEETINGS = Kind("meeting", EvaluationMeeting, "Meeting")
KINDS = {"phases": PHASES, "criteria": CRITERIA, "tasks": TASKS, "meetings": MEETINGS}


async def list_items(
    session: AsyncSession, principal: Principal, evaluation_id: int, kind: Kind
) -> list[Any]:
    evaluation = await get_evaluation(session, principal, evaluation_id)
    return await _items(session, evaluation.id, kind)


async def _items(session: AsyncSession, evaluation_id: int, kind: Kind) -> list[Any]:
    m = kind.model
    stmt = select(m).where(m.evaluation_id == evaluation_id).order_by(m.position, m.id)
    return list((await session.execute(stmt)).scalars())


async def items_by_evaluation_ids(
    session: AsyncSession, evaluation_ids: Sequence[int], kind: Kind
) -> dict[int, list[Any]]:
    """Batch loader: ``{evaluation_id: [items in plan order]}`` in one statement."""
    out: dict[int, list[Any]] = {i: [] for i in evaluation_ids}
    if evaluation_ids:
        m = kind.model
        stmt = (
            select(m)
            .where(m.evaluation_id.in_(list(evaluation_ids)))
            .order_by(m.evaluation_id, m.position, m.id)
        )
        for item in (await session.execute(stmt)).scalars():
            out[item.evaluation_id].append(item)
    return out


async def _get_item(session: AsyncSession, evaluation: Evaluation, kind: Kind, item_id: int) -> Any:
    m = kind.model
    stmt = select(m).where(m.evaluation_id == evaluation.id, m.id == item_id)
    item = (await session.execute(stmt)).scalar_one_or_none()
    if item is None:
        raise NotFound(f"{kind.what} not found.")
    return item


async def _check_item_refs(
    session: AsyncSession, principal: Principal, evaluation: Evaluation, values: dict[str, Any]
) -> None:
    issues = []
    phase_id = values.get("phase_id")
    if phase_id is not None:
        found = await session.scalar(
            select(EvaluationPhase.id).where(
                EvaluationPhase.evaluation_id == evaluation.id, EvaluationPhase.id == phase_id
            )
        )
        if found is None:
            issues.append(
                {"code": "custom", "path": ["phaseId"], "message": f"Phase {phase_id} not in this plan."}
            )
    assignee = values.get("assignee_user_id")
    if assignee is not None:
        found = await session.scalar(
            select(User.id).where(
                User.organization_id == principal.organization_id,
                User.id == assignee,
                User.deleted_at.is_(None),
            )
        )
        if found is None:
            issues.append(
                {"code": "custom", "path": ["assigneeUserId"], "message": f"User {assignee} not found."}
            )
    if issues:
        raise ValidationFailed(issues)


def _outcome(principal: Principal, item: SuccessCriterion, values: dict[str, Any]) -> None:
    if "outcome" in values:
        outcome = values["outcome"].value if values["outcome"] is not None else None
        values["outcome"] = outcome
        if outcome != item.outcome:
            values["outcome_set_by_user_id"] = principal.acting_user_id if outcome else None
            values["outcome_set_at"] = utcnow() if outcome else None


def _completion(item: EvaluationTask, values: dict[str, Any]) -> None:
    if "completed" in values and values["completed"] != item.completed:
        values["completed_at"] = utcnow() if values["completed"] else None


async def add_item(
    session: AsyncSession, principal: Principal, evaluation_id: int, kind: Kind, data: Any
) -> Any:
    evaluation = await get_evaluation(session, principal, evaluation_id, lock=Lock.UPDATE)
    values = data.model_dump()
    await _check_item_refs(session, principal, evaluation, values)
    if kind is CRITERIA:
        library_id = values.get("library_criterion_id")
        if library_id is not None:
            # Kept until commit: a library criterion deleted meanwhile waits for this plan's copy.
            lib = (
                await session.execute(
                    locked(
                        in_tenant(LibraryCriterion, principal.organization_id).where(
                            LibraryCriterion.id == library_id
                        ),
                        Lock.SHARE,
                    )
                )
            ).scalar_one_or_none()
            if lib is None:
                raise ValidationFailed.at(
                    ["libraryCriterionId"], f"Library criterion {library_id} not found."
                )
            values["title"] = values.get("title") or lib.title
            if values.get("description") is None:
                values["description"] = lib.description
        elif not values.get("title"):
            raise ValidationFailed.at(
                ["title"], "Required", code="invalid_type", expected="string", received="undefined"
            )
    count = await session.scalar(
        select(func.count()).select_from(kind.model).where(kind.model.evaluation_id == evaluation.id)
    )
    item = kind.model(
        organization_id=principal.organization_id, evaluation_id=evaluation.id, position=count or 0
    )
    if kind is CRITERIA:
        _outcome(principal, item, values)
    if kind is TASKS:
        values["completed_at"] = utcnow() if values.get("completed") else None
    _diff(item, {k: v for k, v in values.items()})
    session.add(item)
    await session.flush()
    await record(
        session, principal, evaluation.id, f"{kind.name}.created", {"id": item.id, "title": item.title}
    )
    evaluation.updated_at = utcnow()
    await session.flush()
    return item


async def update_item(
    session: AsyncSession, principal: Principal, evaluation_id: int, kind: Kind, item_id: int, data: Any
) -> Any:
    evaluation = await get_evaluation(session, principal, evaluation_id, lock=Lock.UPDATE)
    item = await _get_item(session, evaluation, kind, item_id)
    values = data.provided()
    await _check_item_refs(session, principal, evaluation, values)
    if kind is CRITERIA:
        _outcome(principal, item, values)
    if kind is TASKS:
        _completion(item, values)
    changes = _diff(item, values)
    if changes:
        item.updated_at = utcnow()
        await record(session, principal, evaluation.id, f"{kind.name}.updated", {"id": item.id, **changes})
        evaluation.updated_at = utcnow()
    await session.flush()
    return item


async def delete_item(
    session: AsyncSession, principal: Principal, evaluation_id: int, kind: Kind, item_id: int
) -> int:
    evaluation = await get_evaluation(session, principal, evaluation_id, lock=Lock.UPDATE)
    item = await _get_item(session, evaluation, kind, item_id)
    title = item.title
    await session.delete(item)
    await session.flush()
    for position, other in enumerate(await _items(session, evaluation.id, kind)):
        other.position = position
    await record(session, principal, evaluation.id, f"{kind.name}.deleted", {"id": item_id, "title": title})
    evaluation.updated_at = utcnow()
    await session.flush()
    return item_id


async def reorder_items(
    session: AsyncSession, principal: Principal, evaluation_id: int, kind: Kind, ids: list[int]
) -> list[Any]:
    evaluation = await get_evaluation(session, principal, evaluation_id, lock=Lock.UPDATE)
    items = await _items(session, evaluation.id, kind)
    by_id = {i.id: i for i in items}
    unknown = [
        {"code": "custom", "path": ["ids", i], "message": f"{kind.what} {item_id} not in this plan."}
        for i, item_id in enumerate(ids)
        if item_id not in by_id
    ]
    if unknown:
        raise ValidationFailed(unknown)
    if sorted(ids) != sorted(by_id) or len(set(ids)) != len(ids):
        raise ValidationFailed.at(["ids"], f"Send every {kind.what.lower()} id of the plan exactly once.")
    for position, item_id in enumerate(ids):
        by_id[item_id].position = position
    await record(session, principal, evaluation.id, f"{kind.name}.reordered", {"ids": ids})
    evaluation.updated_at = utcnow()
    await session.flush()
    return [by_id[i] for i in ids]


async def list_activity(
    session: AsyncSession, principal: Principal, evaluation_id: int, params: ListParams
) -> tuple[list[EvaluationActivity], int]:
    evaluation = await get_evaluation(session, principal, evaluation_id)
    cond = EvaluationActivity.evaluation_id == evaluation.id
    total = await session.scalar(select(func.count(EvaluationActivity.id)).where(cond))
    rows = await session.execute(
        select(EvaluationActivity)
        .where(cond)
        .order_by(EvaluationActivity.id)
        .limit(params.limit)
        .offset(params.offset)
    )
    return list(rows.scalars()), int(total or 0)


# --------------------------------------------------------------------------- templates


async def get_template(
    session: AsyncSession, principal: Principal, template_id: int, *, lock: Lock | None = None
) -> PlanTemplate:
    return await get_in_tenant(
        session, PlanTemplate, principal.organization_id, template_id, what="Plan template", lock=lock
    )


def template_out(template: PlanTemplate) -> dict[str, Any]:
    content = template.content or {}
    return {
        "id": template.id,
        "created_at": template.created_at,
        "updated_at": template.updated_at,
        "title": template.title,
        "description": template.description,
        "created_by_user_id": template.created_by_user_id,
        "phases": content.get("phases", []),
        "criteria": content.get("criteria", []),
        "tasks": content.get("tasks", []),
    }


def _content(data: Any, old: dict[str, Any] | None = None) -> dict[str, Any]:
    content = dict(old or {})
    for key in ("phases", "criteria", "tasks"):
        value = getattr(data, key, None)
        if value is not None:
            content[key] = [v.model_dump(by_alias=True) for v in value]
    return content


async def _check_library_ids(session: AsyncSession, principal: Principal, content: dict[str, Any]) -> None:
    """Every ``libraryCriterionId`` of a template's content names a criterion of the library of this
    organization; each one that does not is an issue at its own body path."""
    at: list[tuple[list[str | int], int]] = [
        (["criteria", i, "libraryCriterionId"], c["libraryCriterionId"])
        for i, c in enumerate(content.get("criteria", []))
        if c.get("libraryCriterionId") is not None
    ]
    for p, phase in enumerate(content.get("phases", [])):
        at += [
            (["phases", p, "criteria", i, "libraryCriterionId"], c["libraryCriterionId"])
            for i, c in enumerate(phase.get("criteria", []))
            if c.get("libraryCriterionId") is not None
        ]
    if not at:
        return
    found = set(
        (
            await session.execute(
                select(LibraryCriterion.id).where(
                    LibraryCriterion.organization_id == principal.organization_id,
                    LibraryCriterion.id.in_({value for _, value in at}),
                )
            )
        ).scalars()
    )
    issues = [
        {"code": "custom", "path": path, "message": f"Library criterion {value} not found."}
        for path, value in at
        if value not in found
    ]
    if issues:
        raise ValidationFailed(issues)


async def list_templates(
    session: AsyncSession, principal: Principal, params: ListParams
) -> tuple[list[PlanTemplate], int]:
    stmt = in_tenant(PlanTemplate, principal.organization_id)
    total = (await session.execute(select(func.count()).select_from(stmt.subquery()))).scalar_one()
    rows = await session.execute(stmt.order_by(PlanTemplate.id).limit(params.limit).offset(params.offset))
    return list(rows.scalars()), int(total)


async def create_template(
    session: AsyncSession, principal: Principal, data: s.PlanTemplateCreate
) -> PlanTemplate:
    content = _content(data)
    await _check_library_ids(session, principal, content)
    template = PlanTemplate(
        organization_id=principal.organization_id,
        title=data.title,
        description=data.description,
        content=content,
        created_by_user_id=principal.acting_user_id,
    )
    session.add(template)
    await session.flush()
    return template


async def update_template(
    session: AsyncSession, principal: Principal, template_id: int, data: s.PlanTemplateUpdate
) -> PlanTemplate:
    template = await get_template(session, principal, template_id, lock=Lock.UPDATE)
    values = data.provided()
    if "title" in values:
        template.title = values["title"]
    if "description" in values:
        template.description = values["description"]
    content = _content(data, template.content)
    await _check_library_ids(session, principal, content)
    template.content = content
    template.updated_at = utcnow()
    await session.flush()
    return template


async def delete_template(session: AsyncSession, principal: Principal, template_id: int) -> int:
    template = await get_template(session, principal, template_id, lock=Lock.DELETE)
    await session.delete(template)
    await session.flush()
    return template_id


async def _copy_template(
    session: AsyncSession, principal: Principal, evaluation: Evaluation, template: PlanTemplate
) -> None:
    org = principal.organization_id
    content = template.content or {}
    positions = {"criteria": 0, "tasks": 0}
    # The template names library criteria by id; one deleted since is no longer linked (and the
    # ones still there are kept until commit, as when a criterion is added from the library).
    wanted = {c.get("libraryCriterionId") for c in content.get("criteria", [])}
    for p in content.get("phases", []):
        wanted |= {c.get("libraryCriterionId") for c in p.get("criteria", [])}
    wanted.discard(None)
    library = (
        {
            c.id
            for c in await lock_rows(
                session, LibraryCriterion, org, LibraryCriterion.id.in_(wanted), lock=Lock.SHARE
            )
        }
        if wanted
        else set()
    )

    def add_children(phase_id: int | None, block: dict[str, Any]) -> None:
        for c in block.get("criteria", []):
            library_id = c.get("libraryCriterionId")
            session.add(
                SuccessCriterion(
                    organization_id=org,
                    evaluation_id=evaluation.id,
                    phase_id=phase_id,
                    library_criterion_id=library_id if library_id in library else None,
                    title=c["title"],
                    description=c.get("description"),
                    position=positions["criteria"],
                )
            )
            positions["criteria"] += 1
        for t in block.get("tasks", []):
            session.add(
                EvaluationTask(
                    organization_id=org,
                    evaluation_id=evaluation.id,
                    phase_id=phase_id,
                    title=t["title"],
                    description=t.get("description"),
                    position=positions["tasks"],
                )
            )
            positions["tasks"] += 1

    for position, p in enumerate(content.get("phases", [])):
        phase = EvaluationPhase(
            organization_id=org,
            evaluation_id=evaluation.id,
            title=p["title"],
            description=p.get("description"),
            position=position,
        )
        session.add(phase)
        await session.flush()
        add_children(phase.id, p)
    add_children(None, content)
    await session.flush()


# --------------------------------------------------------------------------- criteria library


async def get_library_criterion(
    session: AsyncSession, principal: Principal, criterion_id: int, *, lock: Lock | None = None
) -> LibraryCriterion:
    return await get_in_tenant(
        session,
        LibraryCriterion,
        principal.organization_id,
        criterion_id,
        what="Library criterion",
        lock=lock,
    )


async def add_library_criterion_to_plan(
    session: AsyncSession, principal: Principal, criterion_id: int, evaluation_id: int
) -> Any:
    """Copy a library criterion into a plan; a plan the caller cannot see is bad input (the body's
    ``evaluationId``), the criterion named in the path a 404."""
    await get_library_criterion(session, principal, criterion_id)
    try:
        await get_evaluation(session, principal, evaluation_id)
    except NotFound as exc:
        raise ValidationFailed.at(["evaluationId"], f"Evaluation {evaluation_id} not found.") from exc
    return await add_item(
        session, principal, evaluation_id, CRITERIA, s.CriterionCreate(library_criterion_id=criterion_id)
    )


async def list_library(
    session: AsyncSession, principal: Principal, params: ListParams, category: str | None = None
) -> tuple[list[LibraryCriterion], int]:
    stmt = in_tenant(LibraryCriterion, principal.organization_id)
    if category is not None:
        stmt = stmt.where(LibraryCriterion.category == category)
    total = (await session.execute(select(func.count()).select_from(stmt.subquery()))).scalar_one()
    rows = await session.execute(stmt.order_by(LibraryCriterion.id).limit(params.limit).offset(params.offset))
    return list(rows.scalars()), int(total)


async def create_library_criterion(
    session: AsyncSession, principal: Principal, data: s.LibraryCriterionCreate
) -> LibraryCriterion:
    item = LibraryCriterion(
        organization_id=principal.organization_id,
        created_by_user_id=principal.acting_user_id,
        **data.model_dump(),
    )
    session.add(item)
    await session.flush()
    return item


async def update_library_criterion(
    session: AsyncSession, principal: Principal, criterion_id: int, data: s.LibraryCriterionUpdate
) -> LibraryCriterion:
    item = await get_library_criterion(session, principal, criterion_id, lock=Lock.UPDATE)
    if _diff(item, data.provided()):
        item.updated_at = utcnow()
    await session.flush()
    return item


async def delete_library_criterion(session: AsyncSession, principal: Principal, criterion_id: int) -> int:
    """Plans keep their copies; their link to the library is cleared."""
    item = await get_library_criterion(session, principal, criterion_id, lock=Lock.DELETE)
    await session.execute(
        update(SuccessCriterion)
        .where(SuccessCriterion.library_criterion_id == item.id)
        .values(library_criterion_id=None)
    )
    await session.delete(item)
    await session.flush()
    return criterion_id


async def criterion_metrics(session: AsyncSession, principal: Principal, criterion_id: int) -> dict[str, Any]:
    """How many plans use a library criterion, their outcomes, and how their deals ended."""
    item = await get_library_criterion(session, principal, criterion_id)
    cond = (SuccessCriterion.library_criterion_id == item.id) & (
        SuccessCriterion.organization_id == principal.organization_id
    )
    outcomes = dict.fromkeys([*OUTCOMES, "UNSET"], 0)
    for outcome, n in (
        await session.execute(
            select(SuccessCriterion.outcome, func.count()).where(cond).group_by(SuccessCriterion.outcome)
        )
    ).all():
        outcomes[outcome or "UNSET"] += n
    plans = select(SuccessCriterion.evaluation_id).where(cond).distinct()
    plan_count = await session.scalar(select(func.count()).select_from(plans.subquery()))
    won = lost = open_ = 0
    for closed, is_won, n in (
        await session.execute(
            select(Deal.closed, Deal.won, func.count())
            .where(
                Deal.organization_id == principal.organization_id,
                Deal.deleted.is_(False),
                Deal.evaluation_id.in_(plans),
            )
            .group_by(Deal.closed, Deal.won)
        )
    ).all():
        if not closed:
            open_ += n
        elif is_won:
            won += n
        else:
            lost += n
    return {
        "criterion_id": item.id,
        "plan_count": int(plan_count or 0),
        "outcomes": outcomes,
        "deals_won": won,
        "deals_lost": lost,
        "deals_open": open_,
    }


# --------------------------------------------------------------------------- the workbench


async def plans_by_id(
    session: AsyncSession, principal: Principal, evaluation_ids: Sequence[int]
) -> dict[int, dict[str, Any]]:
    """The plans ``evaluation_ids`` of the caller's organization, decorated (progress), by id."""
    if not evaluation_ids:
        return {}
    stmt = in_tenant(Evaluation, principal.organization_id).where(Evaluation.id.in_(list(evaluation_ids)))
    plans = list((await session.execute(stmt)).scalars())
    return {p["id"]: p for p in await decorate(session, plans)}


async def open_tasks_of(
    session: AsyncSession, principal: Principal, user_id: int, *, limit: int = 10
) -> list[EvaluationTask]:
    """The open tasks assigned to ``user_id``, those with the nearest due date first."""
    stmt = (
        in_tenant(EvaluationTask, principal.organization_id)
        .where(EvaluationTask.assignee_user_id == user_id, EvaluationTask.completed.is_(False))
        .order_by(EvaluationTask.due_date.asc().nulls_last(), EvaluationTask.id)
        .limit(limit)
    )
    return list((await session.execute(stmt)).scalars())


async def recent_activity(
    session: AsyncSession, principal: Principal, evaluation_ids: Sequence[int], *, limit: int = 10
) -> list[EvaluationActivity]:
    """The latest activity of the plans ``evaluation_ids``, newest first."""
    if not evaluation_ids:
        return []
    stmt = (
        in_tenant(EvaluationActivity, principal.organization_id)
        .where(EvaluationActivity.evaluation_id.in_(list(evaluation_ids)))
        .order_by(EvaluationActivity.id.desc())
        .limit(limit)
    )
    return list((await session.execute(stmt)).scalars())
