from __future__ import annotations

from pydantic import Field

from dealbench.kit.schemas import Email, InModel, OutModel, Timestamp
from dealbench.models import Role


class UserOut(OutModel):
    id: int
    email: str
    first_name: str | None
    last_name: str | None
    role: Role
    created_at: Timestamp
    updated_at: Timestamp


class UserCreate(InModel):
    email: Email
    first_name: str | None = Field(default=None, max_length=100)
    last_name: str | None = Field(default=None, max_length=100)
    role: Role = Role.MEMBER


class RoleOut(OutModel):
    name: Role
    description: str
    can_write: bool
    can_manage_users: bool
    can_manage_organization: bool


class BulkUserResult(OutModel):
    index: int
    status: int
    user: UserOut | None = None
    error: str | None = None
    issues: list[dict[str, object]] | None = None


class BulkUserAnswer(OutModel):
    items: list[BulkUserResult]
    created_count: int
    error_count: int
