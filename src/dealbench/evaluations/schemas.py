"""Evaluations (plans) and their content, plan templates, the criteria library."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import Field

from dealbench.deals.references import DealRefValue
from dealbench.kit.schemas import Email, Id, InModel, NotNullable, OutModel, Timestamp
from dealbench.models.portal import TaskSide
from dealbench.models.sales import BuyerAccessLevel, CriterionOutcome, EvaluationMode

Title = Annotated[str, Field(min_length=1, max_length=512)]
LongText = Annotated[str, Field(max_length=100_000)]
Color = Annotated[str, Field(pattern=r"^#[0-9a-fA-F]{6}$", description="`#RRGGBB`.")]


class Progress(OutModel):
    criteria_total: int
    criteria_by_outcome: dict[str, int] = Field(
        description="EXCEEDS, MEETS, PARTIALLY_MEETS, DOES_NOT_MEET, UNSET."
    )
    tasks_total: int
    tasks_done: int


class EvaluationOut(OutModel):
    id: int
    created_at: Timestamp
    updated_at: Timestamp
    title: str
    description: str | None
    mode: EvaluationMode
    active: bool
    organization_id: int
    created_by_user_id: int | None
    access_code: str
    buyer_access_level: BuyerAccessLevel
    branding_color_hex: str | None
    start_date: Timestamp | None
    target_end_date: Timestamp | None
    buyer_notifications_enabled: bool
    current_stage_id: int | None
    current_process_position_rank: int | None
    all_processes_position_rank: int | None
    derived_from_template_id: int | None
    sales_process_id: int | None
    default_assignee_user_id: int | None
    deal_id: int | None = None
    progress: Progress | None = None


class _EvaluationFields(InModel):
    description: LongText | None = None
    mode: NotNullable[EvaluationMode] = None
    active: NotNullable[bool] = None
    buyer_access_level: NotNullable[BuyerAccessLevel] = None
    branding_color_hex: Color | None = None
    start_date: datetime | None = None
    target_end_date: datetime | None = None
    buyer_notifications_enabled: NotNullable[bool] = None
    current_stage_id: Id | None = None
    sales_process_id: Id | None = None
    default_assignee_user_id: Id | None = None
    deal_id: DealRefValue | None = Field(
        default=None, description="Link a deal (a deal has at most one plan)."
    )


class EvaluationCreate(_EvaluationFields):
    title: Title
    template_id: Id | None = Field(default=None, description="Copy this plan template's content.")


class EvaluationUpdate(_EvaluationFields):
    title: NotNullable[Title] = None


# --------------------------------------------------------------------------- plan content


class PhaseOut(OutModel):
    id: int
    evaluation_id: int
    title: str
    description: str | None
    position: int
    created_at: Timestamp
    updated_at: Timestamp


class PhaseCreate(InModel):
    title: Title
    description: LongText | None = None


class PhaseUpdate(InModel):
    title: NotNullable[Title] = None
    description: LongText | None = None


class CriterionOut(OutModel):
    id: int
    evaluation_id: int
    phase_id: int | None
    library_criterion_id: int | None
    title: str
    description: str | None
    position: int
    outcome: CriterionOutcome | None
    outcome_note: str | None
    outcome_set_by_user_id: int | None
    outcome_set_at: Timestamp | None
    created_at: Timestamp
    updated_at: Timestamp


class CriterionCreate(InModel):
    title: Title | None = Field(default=None, description="Required unless `libraryCriterionId` is given.")
    description: LongText | None = None
    phase_id: Id | None = None
    library_criterion_id: Id | None = Field(default=None, description="Add this library criterion (linked).")
    outcome: CriterionOutcome | None = None
    outcome_note: LongText | None = None


class CriterionUpdate(InModel):
    title: NotNullable[Title] = None
    description: LongText | None = None
    phase_id: Id | None = None
    outcome: CriterionOutcome | None = Field(default=None, description="null: unset.")
    outcome_note: LongText | None = None


class TaskOut(OutModel):
    id: int
    evaluation_id: int
    phase_id: int | None
    title: str
    description: str | None
    assignee_user_id: int | None
    due_date: Timestamp | None
    completed: bool
    completed_at: Timestamp | None
    side: TaskSide = Field(description="Whose task it is: the buyer's or the seller's.")
    assignee_buyer_id: int | None = Field(description="The invited buyer the task is assigned to.")
    position: int
    created_at: Timestamp
    updated_at: Timestamp


class TaskCreate(InModel):
    title: Title
    description: LongText | None = None
    phase_id: Id | None = None
    assignee_user_id: Id | None = None
    due_date: datetime | None = None
    completed: bool = False
    side: TaskSide = Field(default=TaskSide.SELLER, description="Whose task it is (default SELLER).")
    assignee_buyer_id: Id | None = Field(default=None, description="A buyer invited to the plan.")


class TaskUpdate(InModel):
    title: NotNullable[Title] = None
    description: LongText | None = None
    phase_id: Id | None = None
    assignee_user_id: Id | None = None
    due_date: datetime | None = None
    completed: NotNullable[bool] = None
    side: NotNullable[TaskSide] = Field(default=None, description="Whose task it is.")
    assignee_buyer_id: Id | None = Field(default=None, description="A buyer invited to the plan; null: none.")


class MeetingOut(OutModel):
    id: int
    evaluation_id: int
    phase_id: int | None
    title: str
    description: str | None
    starts_at: Timestamp
    ends_at: Timestamp | None
    attendee_emails: list[str]
    position: int
    created_at: Timestamp
    updated_at: Timestamp


class MeetingCreate(InModel):
    title: Title
    description: LongText | None = None
    phase_id: Id | None = None
    starts_at: datetime
    ends_at: datetime | None = None
    attendee_emails: Annotated[list[Email], Field(max_length=200)] = Field(default_factory=list)


class MeetingUpdate(InModel):
    title: NotNullable[Title] = None
    description: LongText | None = None
    phase_id: Id | None = None
    starts_at: NotNullable[datetime] = None
    ends_at: datetime | None = None
    attendee_emails: NotNullable[Annotated[list[Email], Field(max_length=200)]] = None


class Reorder(InModel):
    ids: Annotated[list[Id], Field(min_length=1, max_length=1000)] = Field(
        description="Every item's id, in the new order."
    )


class EvaluationActivityOut(OutModel):
    id: int
    evaluation_id: int
    user_id: int | None
    token_id: int | None
    action: str
    changes: dict[str, Any] | None
    created_at: Timestamp


# --------------------------------------------------------------------------- the buyer portal


class BuyerOut(OutModel):
    id: int
    evaluation_id: int
    email: str
    name: str | None
    created_by_user_id: int | None
    created_at: Timestamp


class BuyerCreate(InModel):
    email: Email
    name: Annotated[str, Field(min_length=1, max_length=255)] | None = None


class SignInLinkOut(OutModel):
    email: str
    url: str = Field(description="The one-time sign-in link to the plan's portal.")
    expires_at: Timestamp = Field(description="When the link stops working (15 minutes after it was made).")


class AccessCodeOut(OutModel):
    id: int
    access_code: str = Field(description="The new code: the old link no longer opens the portal.")
    url: str = Field(description="The portal's new link.")


class CommentOut(OutModel):
    id: int
    evaluation_id: int
    criterion_id: int | None
    task_id: int | None
    parent_id: int | None = Field(description="The comment this one answers.")
    author_email: str | None = Field(description="The buyer who wrote it (null: a seller's answer).")
    author_name: str | None = Field(description="The name of whoever wrote it.")
    user_id: int | None = Field(description="The seller who wrote it (null: a buyer's comment).")
    body: str
    created_at: Timestamp


class CommentAnswer(InModel):
    body: Annotated[str, Field(min_length=1, max_length=10_000)]
    parent_id: Id = Field(description="The comment answered (on the same plan).")


# --------------------------------------------------------------------------- templates and library


class TemplateCriterion(InModel):
    title: Title
    description: LongText | None = None
    library_criterion_id: Id | None = None


class TemplateTask(InModel):
    title: Title
    description: LongText | None = None


class TemplatePhase(InModel):
    title: Title
    description: LongText | None = None
    criteria: Annotated[list[TemplateCriterion], Field(max_length=500)] = Field(default_factory=list)
    tasks: Annotated[list[TemplateTask], Field(max_length=500)] = Field(default_factory=list)


class PlanTemplateCreate(InModel):
    title: Title
    description: LongText | None = None
    phases: Annotated[list[TemplatePhase], Field(max_length=100)] = Field(default_factory=list)
    criteria: Annotated[list[TemplateCriterion], Field(max_length=500)] = Field(
        default_factory=list, description="Criteria outside any phase."
    )
    tasks: Annotated[list[TemplateTask], Field(max_length=500)] = Field(
        default_factory=list, description="Tasks outside any phase."
    )


class PlanTemplateFromPlan(InModel):
    title: Title
    description: LongText | None = None


class PlanTemplateUpdate(InModel):
    title: NotNullable[Title] = None
    description: LongText | None = None
    phases: NotNullable[Annotated[list[TemplatePhase], Field(max_length=100)]] = None
    criteria: NotNullable[Annotated[list[TemplateCriterion], Field(max_length=500)]] = None
    tasks: NotNullable[Annotated[list[TemplateTask], Field(max_length=500)]] = None


class PlanTemplateOut(OutModel):
    id: int
    created_at: Timestamp
    updated_at: Timestamp
    title: str
    description: str | None
    created_by_user_id: int | None
    phases: list[dict[str, Any]]
    criteria: list[dict[str, Any]]
    tasks: list[dict[str, Any]]


class LibraryCriterionOut(OutModel):
    id: int
    created_at: Timestamp
    updated_at: Timestamp
    title: str
    description: str | None
    category: str | None
    created_by_user_id: int | None


class LibraryCriterionCreate(InModel):
    title: Title
    description: LongText | None = None
    category: Annotated[str, Field(max_length=255)] | None = None


class LibraryCriterionUpdate(InModel):
    title: NotNullable[Title] = None
    description: LongText | None = None
    category: Annotated[str, Field(max_length=255)] | None = None


class CriterionMetrics(OutModel):
    criterion_id: int
    plan_count: int
    outcomes: dict[str, int]
    deals_won: int
    deals_lost: int
    deals_open: int
