"""Every ORM model, imported in one place so Alembic and relationships see them all."""

from dealbench.kit.db import Base
from dealbench.models.deal import Deal
from dealbench.models.invitation import Invitation, InvitationStatus
from dealbench.models.organization import Organization
from dealbench.models.pipeline import Contact, ImportRun, SalesTarget
from dealbench.models.sales import (
    DealNote,
    Evaluation,
    EvaluationActivity,
    EvaluationMeeting,
    EvaluationPhase,
    EvaluationTask,
    Label,
    LibraryCriterion,
    PlanTemplate,
    SalesProcess,
    SalesProcessStage,
    SuccessCriterion,
    Ticket,
    TicketDealLink,
    TicketLabel,
)
from dealbench.models.token import ApiToken, TokenKind
from dealbench.models.user import Role, Team, TeamMember, User

__all__ = [
    "ApiToken",
    "Contact",
    "ImportRun",
    "SalesTarget",
    "Base",
    "Deal",
    "DealNote",
    "Evaluation",
    "EvaluationActivity",
    "EvaluationMeeting",
    "EvaluationPhase",
    "EvaluationTask",
    "Invitation",
    "InvitationStatus",
    "Label",
    "LibraryCriterion",
    "Organization",
    "PlanTemplate",
    "Role",
    "SalesProcess",
    "SalesProcessStage",
    "SuccessCriterion",
    "Team",
    "TeamMember",
    "Ticket",
    "TicketDealLink",
    "TicketLabel",
    "TokenKind",
    "User",
]
