"""Every ORM model, imported in one place so Alembic and relationships see them all."""

from dealbench.kit.db import Base
from dealbench.models.deal import Deal
from dealbench.models.documents import (
    Capability,
    DocTemplate,
    Document,
    DocumentVersion,
    FieldType,
    Folder,
    Project,
    ProjectActivity,
    ProjectField,
    ProjectTeam,
    ProjectUser,
)
from dealbench.models.events import App, Event, WebhookAttempt, WebhookDelivery, WebhookEndpoint
from dealbench.models.idempotency import IdempotencyKey
from dealbench.models.invitation import Invitation, InvitationStatus
from dealbench.models.organization import Organization
from dealbench.models.pipeline import Contact, ImportRun, SalesTarget
from dealbench.models.portal import (
    BuyerMail,
    BuyerSession,
    BuyerSignInLink,
    EvaluationBuyer,
    EvaluationComment,
    TaskSide,
)
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
from dealbench.models.web_session import WebSession

__all__ = [
    "ApiToken",
    "App",
    "Base",
    "BuyerMail",
    "BuyerSession",
    "BuyerSignInLink",
    "Capability",
    "Contact",
    "Deal",
    "DealNote",
    "DocTemplate",
    "Document",
    "DocumentVersion",
    "Evaluation",
    "EvaluationActivity",
    "EvaluationBuyer",
    "EvaluationComment",
    "EvaluationMeeting",
    "EvaluationPhase",
    "EvaluationTask",
    "Event",
    "FieldType",
    "Folder",
    "IdempotencyKey",
    "ImportRun",
    "Invitation",
    "InvitationStatus",
    "Label",
    "LibraryCriterion",
    "Organization",
    "PlanTemplate",
    "Project",
    "ProjectActivity",
    "ProjectField",
    "ProjectTeam",
    "ProjectUser",
    "Role",
    "SalesProcess",
    "SalesProcessStage",
    "SalesTarget",
    "SuccessCriterion",
    "TaskSide",
    "Team",
    "TeamMember",
    "Ticket",
    "TicketDealLink",
    "TicketLabel",
    "TokenKind",
    "User",
    "WebSession",
    "WebhookAttempt",
    "WebhookDelivery",
    "WebhookEndpoint",
]
