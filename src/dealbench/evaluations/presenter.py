"""The wire shapes of the evaluations domain, shared by REST and GraphQL.

- a plan (the fields of :class:`dealbench.evaluations.schemas.EvaluationOut`): its own columns, then
  ``dealId`` and ``progress`` from its :class:`Summary` (REST always answers them; GraphQL resolves
  them when the selection asks);
- its content: a phase, a success criterion, a task, a meeting, an activity entry;
- a plan template (its columns, then the three parts of its content);
- a criterion of the library, and its metrics.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from dealbench.evaluations.schemas import (
    BuyerOut,
    CommentOut,
    CriterionOut,
    EvaluationActivityOut,
    EvaluationOut,
    LibraryCriterionOut,
    MeetingOut,
    PhaseOut,
    PlanTemplateOut,
    TaskOut,
)
from dealbench.kit.presenter import Shape, iso
from dealbench.kit.schemas import OutModel
from dealbench.models import (
    Evaluation,
    EvaluationActivity,
    EvaluationBuyer,
    EvaluationComment,
    EvaluationMeeting,
    EvaluationPhase,
    EvaluationTask,
    LibraryCriterion,
    PlanTemplate,
    SuccessCriterion,
)
from dealbench.models.sales import CriterionOutcome

OUTCOMES = [o.value for o in CriterionOutcome]

#: The fields of a plan assembled from its summary; they close its wire dict, in this order.
RELATED = ("deal_id", "progress")
#: The parts of a template's content; they close its wire dict, in this order.
TEMPLATE_PARTS = ("phases", "criteria", "tasks")


def _shape(out: type[OutModel], model: Any, leave_out: Sequence[str] = ()) -> Shape:
    columns = model.__table__.c
    return Shape(
        [
            (info.alias or name, columns[name])
            for name, info in out.model_fields.items()
            if name not in leave_out
        ]
    )


EVALUATION = _shape(EvaluationOut, Evaluation, RELATED)
PHASE = _shape(PhaseOut, EvaluationPhase)
CRITERION = _shape(CriterionOut, SuccessCriterion)
TASK = _shape(TaskOut, EvaluationTask)
MEETING = _shape(MeetingOut, EvaluationMeeting)
ACTIVITY = _shape(EvaluationActivityOut, EvaluationActivity)
TEMPLATE = _shape(PlanTemplateOut, PlanTemplate, TEMPLATE_PARTS)
LIBRARY_CRITERION = _shape(LibraryCriterionOut, LibraryCriterion)
BUYER = _shape(BuyerOut, EvaluationBuyer)
COMMENT = _shape(CommentOut, EvaluationComment)


def portal_path(access_code: str) -> str:
    """Where a plan's buyer portal answers, under the server's public address."""
    return f"/p/{access_code}"


def access_code(evaluation: Any, base_url: str) -> dict[str, Any]:
    """A plan's portal link (``AccessCodeOut``) on the server's public address."""
    code = evaluation.access_code
    return {"id": evaluation.id, "accessCode": code, "url": base_url + portal_path(code)}


def sign_in_link(issued: Any, base_url: str) -> dict[str, Any]:
    """A buyer's one-time sign-in link (``SignInLinkOut``) on the server's public address."""
    return {"email": issued.email, "url": base_url + issued.path, "expiresAt": iso(issued.expires_at)}


# --------------------------------------------------------------------------- plans


@dataclass(frozen=True, slots=True)
class Summary:
    """What a plan's wire dict adds to its columns: its deal and its progress."""

    deal_id: int | None
    criteria_by_outcome: dict[str, int]
    tasks_total: int
    tasks_done: int


@dataclass(frozen=True, slots=True)
class Plans:
    """Plans and their summaries (by plan id): what the plan services answer."""

    rows: Sequence[Evaluation]
    summaries: Mapping[int, Summary]

    @property
    def one(self) -> Evaluation:
        (row,) = self.rows
        return row


def progress(summary: Summary) -> dict[str, Any]:
    return {
        "criteriaTotal": sum(summary.criteria_by_outcome.values()),
        "criteriaByOutcome": summary.criteria_by_outcome,
        "tasksTotal": summary.tasks_total,
        "tasksDone": summary.tasks_done,
    }


def evaluation(obj: Evaluation, summary: Summary | None = None) -> dict[str, Any]:
    """A plan's columns, then (with its summary) ``dealId`` and ``progress``."""
    out = EVALUATION.one(obj)
    if summary is not None:
        out["dealId"] = summary.deal_id
        out["progress"] = progress(summary)
    return out


def evaluations(plans: Plans) -> list[dict[str, Any]]:
    return [evaluation(e, plans.summaries.get(e.id)) for e in plans.rows]


def plan(plans: Plans) -> dict[str, Any]:
    """The one plan of ``plans``, with its summary."""
    row = plans.one
    return evaluation(row, plans.summaries.get(row.id))


# --------------------------------------------------------------------------- content


def items(shape: Shape, rows: Sequence[Any]) -> list[dict[str, Any]]:
    return [shape.one(r) for r in rows]


def whole(shape: Shape, rows: Sequence[Any]) -> dict[str, Any]:
    """Every item of one kind of a plan's content, as one page of the list envelope."""
    answer = items(shape, rows)
    return {"items": answer, "limit": len(answer), "offset": 0, "totalCount": len(answer)}


def activity(obj: EvaluationActivity) -> dict[str, Any]:
    return ACTIVITY.one(obj)


# --------------------------------------------------------------------------- templates and library


def template(obj: PlanTemplate) -> dict[str, Any]:
    out = TEMPLATE.one(obj)
    content = obj.content or {}
    for part in TEMPLATE_PARTS:
        out[part] = content.get(part, [])
    return out


def library_criterion(obj: LibraryCriterion) -> dict[str, Any]:
    return LIBRARY_CRITERION.one(obj)


@dataclass(frozen=True, slots=True)
class Metrics:
    """How a library criterion fares: the plans that hold a copy, their outcomes, their deals."""

    criterion_id: int
    plan_count: int
    outcomes: dict[str, int]
    deals_won: int
    deals_lost: int
    deals_open: int


def metrics(m: Metrics) -> dict[str, Any]:
    return {
        "criterionId": m.criterion_id,
        "planCount": m.plan_count,
        "outcomes": m.outcomes,
        "dealsWon": m.deals_won,
        "dealsLost": m.deals_lost,
        "dealsOpen": m.deals_open,
    }
