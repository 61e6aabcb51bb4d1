"""The wire shape of a user, shared by REST, GraphQL and the pages."""

from __future__ import annotations

from typing import Any

from dealbench.kit.presenter import Shape
from dealbench.models import User
from dealbench.users.schemas import UserOut

_U = User.__table__.c

USER = Shape([(info.alias or name, _U[name]) for name, info in UserOut.model_fields.items()])


def user(obj: Any) -> dict[str, Any]:
    return USER.one(obj)


def users(rows: Any) -> list[dict[str, Any]]:
    return USER.many(rows)
