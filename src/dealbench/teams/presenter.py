"""The wire shapes of the teams domain, shared by REST and GraphQL: a team, and a member (a user,
in the users domain's own shape)."""

from __future__ import annotations

from typing import Any

from dealbench.kit.presenter import Shape
from dealbench.models import Team
from dealbench.teams.schemas import TeamOut
from dealbench.users import presenter as users

_T = Team.__table__.c

TEAM = Shape([(info.alias or name, _T[name]) for name, info in TeamOut.model_fields.items()])
#: A member of a team is answered as a user.
MEMBER = users.USER


def team(obj: Any) -> dict[str, Any]:
    return TEAM.one(obj)


def teams(rows: Any) -> list[dict[str, Any]]:
    return TEAM.many(rows)


def member(user: Any) -> dict[str, Any]:
    return users.user(user)


def members(rows: Any) -> list[dict[str, Any]]:
    return users.users(rows)
