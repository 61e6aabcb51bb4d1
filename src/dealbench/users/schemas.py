from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field, PlainValidator
from pydantic_core import PydanticCustomError

from dealbench.kit.schemas import Email, InModel, OutModel, Timestamp
from dealbench.kit.zod import received_type
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


def _user_or_users(value: Any) -> Any:
    """An object or a list, checked item by item later (one bad item of a list loses none of the
    others), so only the outer shape is refused here."""
    if isinstance(value, dict | list):
        return value
    raise PydanticCustomError(
        "zod_invalid_type",
        f"Expected object or array, received {received_type(value)}",
        {"expected": "object", "received": received_type(value)},
    )


#: ``POST /v1/users``: one :class:`UserCreate`, or a list of them. Documented as such; validated by
#: the route (an object at once, a list item by item).
UserOrUsers = Annotated[
    dict[str, Any] | list[Any],
    PlainValidator(_user_or_users, json_schema_input_type=UserCreate | list[UserCreate]),
]

