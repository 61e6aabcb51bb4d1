"""Plan templates: reusable plans (phases, each with criteria and tasks, and criteria and tasks
outside phases), and the copy of a template's content into a new plan."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from dealbench.auth.principal import Principal
from dealbench.evaluations import schemas as s
from dealbench.evaluations.repository import (
    CriterionRepository,
    EvaluationRepository,
    LibraryRepository,
    PhaseRepository,
    TaskRepository,
    TemplateRepository,
)
from dealbench.kit.db import utcnow
from dealbench.kit.errors import ValidationFailed
from dealbench.kit.locks import Lock
from dealbench.kit.pagination import ListParams
from dealbench.models import (
    Evaluation,
    EvaluationPhase,
    EvaluationTask,
    LibraryCriterion,
    PlanTemplate,
    SuccessCriterion,
)


async def get_template(
    session: AsyncSession, principal: Principal, template_id: int, *, lock: Lock | None = None
) -> PlanTemplate:
    return await TemplateRepository(session, principal).one(template_id, lock=lock)


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
    found = await LibraryRepository(session, principal).existing_ids(value for _, value in at)
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
    return await TemplateRepository(session, principal).page(params)


async def create_template(
    session: AsyncSession, principal: Principal, data: s.PlanTemplateCreate
) -> PlanTemplate:
    content = _content(data)
    await _check_library_ids(session, principal, content)
    template = TemplateRepository(session, principal).add(
        PlanTemplate(
            title=data.title,
            description=data.description,
            content=content,
            created_by_user_id=principal.acting_user_id,
        )
    )
    await session.flush()
    return template


async def template_from_plan(
    session: AsyncSession, principal: Principal, evaluation_id: int, data: s.PlanTemplateFromPlan
) -> PlanTemplate:
    """A template holding a copy of a plan's phases, success criteria (with their library links,
    without outcomes) and tasks, in plan order; a plan the caller cannot see is an issue at
    ``evaluationId``."""
    evaluation = await EvaluationRepository(session, principal).get(evaluation_id)
    if evaluation is None:
        raise ValidationFailed.at(["evaluationId"], f"Evaluation {evaluation_id} not found.")
    phases = await PhaseRepository(session, principal).of_plan(evaluation.id)
    criteria = await CriterionRepository(session, principal).of_plan(evaluation.id)
    tasks = await TaskRepository(session, principal).of_plan(evaluation.id)

    def block(phase_id: int | None) -> dict[str, Any]:
        return {
            "criteria": [
                {"title": c.title, "description": c.description, "libraryCriterionId": c.library_criterion_id}
                for c in criteria
                if c.phase_id == phase_id
            ],
            "tasks": [
                {"title": t.title, "description": t.description} for t in tasks if t.phase_id == phase_id
            ],
        }

    body = {
        "title": data.title,
        "description": data.description,
        "phases": [{"title": p.title, "description": p.description, **block(p.id)} for p in phases],
        **block(None),
    }
    return await create_template(session, principal, s.PlanTemplateCreate.model_validate(body))


async def update_template(
    session: AsyncSession, principal: Principal, template_id: int, data: s.PlanTemplateUpdate
) -> PlanTemplate:
    """``phases``, ``criteria``, ``tasks`` each replace that part when sent."""
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
    """Plans made from it keep their content (their ``derivedFromTemplateId`` becomes null)."""
    repo = TemplateRepository(session, principal)
    template = await repo.one(template_id, lock=Lock.DELETE)
    await repo.delete(template)
    await session.flush()
    return template_id


async def copy_template(
    session: AsyncSession, principal: Principal, evaluation: Evaluation, template: PlanTemplate
) -> None:
    """Add the template's phases, criteria and tasks to a new plan, in the template's order."""
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
            for c in await LibraryRepository(session, principal).lock_rows(
                LibraryCriterion.id.in_(wanted), lock=Lock.SHARE
            )
        }
        if wanted
        else set()
    )
    phases = PhaseRepository(session, principal)
    criteria = CriterionRepository(session, principal)
    tasks = TaskRepository(session, principal)

    def add_children(phase_id: int | None, block: dict[str, Any]) -> None:
        for c in block.get("criteria", []):
            library_id = c.get("libraryCriterionId")
            criteria.add(
                SuccessCriterion(
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
            tasks.add(
                EvaluationTask(
                    evaluation_id=evaluation.id,
                    phase_id=phase_id,
                    title=t["title"],
                    description=t.get("description"),
                    position=positions["tasks"],
                )
            )
            positions["tasks"] += 1

    for position, p in enumerate(content.get("phases", [])):
        phase = phases.add(
            EvaluationPhase(
                evaluation_id=evaluation.id,
                title=p["title"],
                description=p.get("description"),
                position=position,
            )
        )
        await session.flush()
        add_children(phase.id, p)
    add_children(None, content)
    await session.flush()
