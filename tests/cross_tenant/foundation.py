"""Users, teams, invitations and tokens of a tenant, made through the API."""

from __future__ import annotations

from typing import Any

from dealbench.models import Role
from tests.cross_tenant import Ctx, Made, Maker
from tests.factories import unique


async def _user(ctx: Ctx) -> Made:
    user = await ctx.factory.user(ctx.tenant, role=Role.MEMBER)
    return {"path": {"id": user.id, "userId": user.id}}


async def _team(ctx: Ctx) -> dict[str, Any]:
    return await ctx.post("/v1/teams", {"name": unique("team ")})  # type: ignore[no-any-return]


def _team_and_user(*, member: bool) -> Maker:
    async def make(ctx: Ctx) -> Made:
        team = await _team(ctx)
        user = await ctx.factory.user(ctx.tenant)
        if member:
            await ctx.call("PUT", f"/v1/teams/{team['id']}/users/{user.email}")
        return {"path": {"teamId": team["id"], "email": user.email}}

    return make


async def _invitation(ctx: Ctx) -> Made:
    inv = await ctx.post(
        "/v1/organization/invitations", {"inviteeEmail": f"{unique('inv')}@example.com", "role": "MEMBER"}
    )
    return {"path": {"id": inv["id"]}}


async def _token(ctx: Ctx) -> Made:
    token = await ctx.post("/v1/tokens", {"name": unique("token ")})
    return {"path": {"id": token["id"]}}


ROUTES: dict[str, Maker] = {
    "DELETE /v1/organization/users/{id}": _user,
    "GET /v1/user/id/{userId}": _user,
    "GET /v1/teams/{teamId}/users": _team_and_user(member=True),
    "PUT /v1/teams/{teamId}/users/{email}": _team_and_user(member=False),
    "DELETE /v1/teams/{teamId}/users/{email}": _team_and_user(member=True),
    "POST /v1/organization/invitations/{id}/revoke": _invitation,
    "DELETE /v1/tokens/{id}": _token,
}

PUBLIC = {
    "POST /v1/invitations/accept",
    "POST /v1/invitations/reject",
}
