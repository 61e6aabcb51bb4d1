"""Every ORM model, imported in one place so Alembic and relationships see them all."""

from dealbench.kit.db import Base
from dealbench.models.deal import Deal
from dealbench.models.invitation import Invitation, InvitationStatus
from dealbench.models.organization import Organization
from dealbench.models.token import ApiToken, TokenKind
from dealbench.models.user import Role, Team, TeamMember, User

__all__ = [
    "ApiToken",
    "Base",
    "Deal",
    "Invitation",
    "InvitationStatus",
    "Organization",
    "Role",
    "Team",
    "TeamMember",
    "TokenKind",
    "User",
]
