"""The sales domain: deal notes, evaluations (plans) and their content, plan templates, the criteria
library, sales processes, tickets and labels.

Relationships are not declared on purpose: every query loads what it needs explicitly (no lazy
loading, no N+1), usually one query per relation for a page.
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from dealbench.kit.db import Base, JSONType, utcnow


class EvaluationMode(enum.StrEnum):
    PLAN = "PLAN"
    NO_PLAN = "NO_PLAN"
    DRAFT = "DRAFT"


class BuyerAccessLevel(enum.StrEnum):
    RESTRICTED = "RESTRICTED"
    ANYONE_WITH_LINK = "ANYONE_WITH_LINK"


class CriterionOutcome(enum.StrEnum):
    EXCEEDS = "EXCEEDS"
    MEETS = "MEETS"
    PARTIALLY_MEETS = "PARTIALLY_MEETS"
    DOES_NOT_MEET = "DOES_NOT_MEET"


class TicketType(enum.StrEnum):
    BUG = "BUG"
    FEATURE = "FEATURE"
    CUSTOM_1 = "CUSTOM_1"
    CUSTOM_2 = "CUSTOM_2"
    CUSTOM_3 = "CUSTOM_3"
    CUSTOM_4 = "CUSTOM_4"
    CUSTOM_5 = "CUSTOM_5"


class TicketState(enum.StrEnum):
    OPEN = "OPEN"
    PRIORITIZING = "PRIORITIZING"
    ROADMAP = "ROADMAP"
    DEFERRED = "DEFERRED"
    IN_PROGRESS = "IN_PROGRESS"
    CLOSED = "CLOSED"


class LinkPriority(enum.StrEnum):
    BLOCKER = "BLOCKER"
    IMPORTANT = "IMPORTANT"
    NICE_TO_HAVE = "NICE_TO_HAVE"


def _org_fk() -> Mapped[int]:
    return mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))


def _user_fk(index: bool = False) -> Mapped[int | None]:
    return mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=index, default=None)


# --------------------------------------------------------------------------- deal notes


class DealNote(Base):
    __tablename__ = "deal_notes"
    __table_args__ = (Index("ix_deal_notes_deal_created", "deal_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = _org_fk()
    deal_id: Mapped[int] = mapped_column(ForeignKey("deals.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(512))
    #: Markdown (Slate input is converted on the way in).
    body: Mapped[str | None] = mapped_column(Text)
    created_by_user_id: Mapped[int | None] = _user_fk()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


# --------------------------------------------------------------------------- sales processes


class SalesProcess(Base):
    __tablename__ = "sales_processes"
    __table_args__ = (Index("ix_sales_processes_org_id", "organization_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = _org_fk()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    name: Mapped[str] = mapped_column(String(255))
    description: Mapped[str | None] = mapped_column(Text)
    is_default: Mapped[bool] = mapped_column(default=False)
    created_by_user_id: Mapped[int | None] = _user_fk()
    deleted_at: Mapped[datetime | None] = mapped_column(default=None)


class SalesProcessStage(Base):
    __tablename__ = "sales_process_stages"
    __table_args__ = (Index("ix_sales_process_stages_process_pos", "sales_process_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = _org_fk()
    sales_process_id: Mapped[int] = mapped_column(ForeignKey("sales_processes.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(255))
    category: Mapped[str | None] = mapped_column(String(64))
    position: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    deleted_at: Mapped[datetime | None] = mapped_column(default=None)


# --------------------------------------------------------------------------- templates and library


class PlanTemplate(Base):
    """A reusable plan: ``content`` holds ``{"phases": [...], "criteria": [...], "tasks": [...]}``."""

    __tablename__ = "plan_templates"
    __table_args__ = (Index("ix_plan_templates_org_id", "organization_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = _org_fk()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    title: Mapped[str] = mapped_column(String(512))
    description: Mapped[str | None] = mapped_column(Text)
    content: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    created_by_user_id: Mapped[int | None] = _user_fk()


class LibraryCriterion(Base):
    __tablename__ = "library_criteria"
    __table_args__ = (Index("ix_library_criteria_org_id", "organization_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = _org_fk()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    title: Mapped[str] = mapped_column(String(512))
    description: Mapped[str | None] = mapped_column(Text)
    category: Mapped[str | None] = mapped_column(String(255))
    created_by_user_id: Mapped[int | None] = _user_fk()


# --------------------------------------------------------------------------- evaluations (plans)


class Evaluation(Base):
    __tablename__ = "evaluations"
    __table_args__ = (Index("ix_evaluations_org_id", "organization_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = _org_fk()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    title: Mapped[str] = mapped_column(String(512))
    description: Mapped[str | None] = mapped_column(Text)
    mode: Mapped[str] = mapped_column(String(16), default=EvaluationMode.PLAN.value)
    active: Mapped[bool] = mapped_column(default=True)
    created_by_user_id: Mapped[int | None] = _user_fk()
    access_code: Mapped[str] = mapped_column(String(64), unique=True)
    buyer_access_level: Mapped[str] = mapped_column(String(32), default=BuyerAccessLevel.RESTRICTED.value)
    branding_color_hex: Mapped[str | None] = mapped_column(String(9))
    start_date: Mapped[datetime | None] = mapped_column(default=None)
    target_end_date: Mapped[datetime | None] = mapped_column(default=None)
    buyer_notifications_enabled: Mapped[bool] = mapped_column(default=True)
    current_stage_id: Mapped[int | None] = mapped_column(
        ForeignKey("sales_process_stages.id", ondelete="SET NULL"), default=None
    )
    current_process_position_rank: Mapped[int | None] = mapped_column(default=None)
    all_processes_position_rank: Mapped[int | None] = mapped_column(default=None)
    derived_from_template_id: Mapped[int | None] = mapped_column(
        ForeignKey("plan_templates.id", ondelete="SET NULL"), default=None
    )
    sales_process_id: Mapped[int | None] = mapped_column(
        ForeignKey("sales_processes.id", ondelete="SET NULL"), default=None
    )
    default_assignee_user_id: Mapped[int | None] = _user_fk()


class EvaluationPhase(Base):
    __tablename__ = "evaluation_phases"
    __table_args__ = (Index("ix_evaluation_phases_eval_pos", "evaluation_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = _org_fk()
    evaluation_id: Mapped[int] = mapped_column(ForeignKey("evaluations.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(512))
    description: Mapped[str | None] = mapped_column(Text)
    position: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class SuccessCriterion(Base):
    __tablename__ = "success_criteria"
    __table_args__ = (Index("ix_success_criteria_eval_pos", "evaluation_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = _org_fk()
    evaluation_id: Mapped[int] = mapped_column(ForeignKey("evaluations.id", ondelete="CASCADE"))
    phase_id: Mapped[int | None] = mapped_column(
        ForeignKey("evaluation_phases.id", ondelete="SET NULL"), default=None
    )
    library_criterion_id: Mapped[int | None] = mapped_column(
        ForeignKey("library_criteria.id", ondelete="SET NULL"), index=True, default=None
    )
    title: Mapped[str] = mapped_column(String(512))
    description: Mapped[str | None] = mapped_column(Text)
    position: Mapped[int] = mapped_column(default=0)
    outcome: Mapped[str | None] = mapped_column(String(32), default=None)
    outcome_note: Mapped[str | None] = mapped_column(Text)
    outcome_set_by_user_id: Mapped[int | None] = _user_fk()
    outcome_set_at: Mapped[datetime | None] = mapped_column(default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class EvaluationTask(Base):
    __tablename__ = "evaluation_tasks"
    __table_args__ = (Index("ix_evaluation_tasks_eval_pos", "evaluation_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = _org_fk()
    evaluation_id: Mapped[int] = mapped_column(ForeignKey("evaluations.id", ondelete="CASCADE"))
    phase_id: Mapped[int | None] = mapped_column(
        ForeignKey("evaluation_phases.id", ondelete="SET NULL"), default=None
    )
    title: Mapped[str] = mapped_column(String(512))
    description: Mapped[str | None] = mapped_column(Text)
    assignee_user_id: Mapped[int | None] = _user_fk()
    due_date: Mapped[datetime | None] = mapped_column(default=None)
    completed: Mapped[bool] = mapped_column(default=False)
    completed_at: Mapped[datetime | None] = mapped_column(default=None)
    #: ``BUYER`` or ``SELLER``: whose task it is (a buyer checks off the buyer's tasks in the portal).
    side: Mapped[str] = mapped_column(String(8), default="SELLER")
    #: A buyer invited to the plan (``evaluation_buyers``) this task is assigned to.
    assignee_buyer_id: Mapped[int | None] = mapped_column(
        ForeignKey("evaluation_buyers.id", ondelete="SET NULL"), default=None
    )
    position: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class EvaluationMeeting(Base):
    __tablename__ = "evaluation_meetings"
    __table_args__ = (Index("ix_evaluation_meetings_eval_pos", "evaluation_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = _org_fk()
    evaluation_id: Mapped[int] = mapped_column(ForeignKey("evaluations.id", ondelete="CASCADE"))
    phase_id: Mapped[int | None] = mapped_column(
        ForeignKey("evaluation_phases.id", ondelete="SET NULL"), default=None
    )
    title: Mapped[str] = mapped_column(String(512))
    description: Mapped[str | None] = mapped_column(Text)
    starts_at: Mapped[datetime] = mapped_column()
    ends_at: Mapped[datetime | None] = mapped_column(default=None)
    attendee_emails: Mapped[list[str]] = mapped_column(JSONType, default=list)
    position: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class EvaluationActivity(Base):
    """One change to a plan: who (user, token), what (action and changed fields), when."""

    __tablename__ = "evaluation_activity"
    __table_args__ = (
        Index("ix_evaluation_activity_eval_id", "evaluation_id", "id"),
        Index("ix_evaluation_activity_created_at", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = _org_fk()
    evaluation_id: Mapped[int] = mapped_column(ForeignKey("evaluations.id", ondelete="CASCADE"))
    user_id: Mapped[int | None] = _user_fk()
    token_id: Mapped[int | None] = mapped_column(
        ForeignKey("api_tokens.id", ondelete="SET NULL"), default=None
    )
    action: Mapped[str] = mapped_column(String(64))
    changes: Mapped[dict[str, Any] | None] = mapped_column(JSONType, default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


# --------------------------------------------------------------------------- tickets


class Ticket(Base):
    __tablename__ = "tickets"
    __table_args__ = (Index("ix_tickets_org_id", "organization_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = _org_fk()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(default=None)
    created_by_user_id: Mapped[int | None] = _user_fk()
    title: Mapped[str] = mapped_column(String(256))
    type: Mapped[str] = mapped_column(String(16))
    state: Mapped[str] = mapped_column(String(16))
    #: Markdown (Slate input is converted on the way in).
    description: Mapped[str | None] = mapped_column(Text)
    vendor_entity_id: Mapped[str | None] = mapped_column(String(255))
    vendor_entity_key: Mapped[str | None] = mapped_column(String(255))
    integration_installation_id: Mapped[int | None] = mapped_column(default=None)
    target_due_date: Mapped[datetime | None] = mapped_column(default=None)
    vendor_entity_url: Mapped[str | None] = mapped_column(String(2048))


class TicketDealLink(Base):
    __tablename__ = "ticket_deals"
    __table_args__ = (Index("ix_ticket_deals_deal_id", "deal_id"),)

    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"), primary_key=True)
    deal_id: Mapped[int] = mapped_column(ForeignKey("deals.id", ondelete="CASCADE"), primary_key=True)
    priority: Mapped[str] = mapped_column(String(16), default=LinkPriority.IMPORTANT.value)
    shared_with_buyer: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Label(Base):
    __tablename__ = "labels"
    __table_args__ = (Index("uq_labels_org_name", "organization_id", "name", unique=True),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = _org_fk()
    name: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class TicketLabel(Base):
    __tablename__ = "ticket_labels"
    __table_args__ = (Index("ix_ticket_labels_label_id", "label_id"),)

    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"), primary_key=True)
    label_id: Mapped[int] = mapped_column(ForeignKey("labels.id", ondelete="CASCADE"), primary_key=True)
