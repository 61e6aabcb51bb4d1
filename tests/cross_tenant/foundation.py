from __future__ import annotations

from typing import Any

from dealbench.models import Role


async def _user(factory: Any, other: Any) -> dict[str, Any]:
    user = await factory.user(other, role=Role.MEMBER)
    return {"path": {"id": user.id, "userId": user.id}}


async def _team(factory: Any, other: Any) -> dict[str, Any]:
    from dealbench.models import Team

    async with factory.services.sessionmaker() as session:
        team = Team(organization_id=other.org.id, name="other team")
        session.add(team)
        await session.commit()
    user = await factory.user(other)
    return {"path": {"teamId": team.id, "email": user.email}}


async def _invitation(factory: Any, other: Any) -> dict[str, Any]:
    from datetime import timedelta

    from dealbench.kit.db import utcnow
    from dealbench.models import Invitation

    async with factory.services.sessionmaker() as session:
        inv = Invitation(
            organization_id=other.org.id,
            invitee_email="someone@example.com",
            role=Role.MEMBER,
            code_hash=f"x{other.org.id}",
            expires_at=utcnow() + timedelta(days=1),
        )
        session.add(inv)
        await session.commit()
    return {"path": {"id": inv.id}}


async def _token(factory: Any, other: Any) -> dict[str, Any]:
    return {"path": {"id": other.token_row.id}}


ROUTES = {
    "DELETE /v1/organization/users/{id}": _user,
    "GET /v1/user/id/{userId}": _user,
    "GET /v1/teams/{teamId}/users": _team,
    "PUT /v1/teams/{teamId}/users/{email}": _team,
    "DELETE /v1/teams/{teamId}/users/{email}": _team,
    "POST /v1/organization/invitations/{id}/revoke": _invitation,
    "DELETE /v1/tokens/{id}": _token,
}

PUBLIC = {
    "POST /v1/invitations/accept",
    "POST /v1/invitations/reject",
}
