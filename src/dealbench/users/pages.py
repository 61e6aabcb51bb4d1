"""The organization's people in the web app: ``/settings/users`` (administrators): the current users
with their role, a role change, removal; over the users service of ``/v1/organization/users``."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from pydantic import TypeAdapter, ValidationError
from starlette.responses import Response

from dealbench.auth.principal import Principal
from dealbench.auth.sessions import page_scoped
from dealbench.kit.errors import Conflict
from dealbench.kit.pages import field_errors, redirect, render
from dealbench.kit.pagination import ListParams
from dealbench.kit.session import DbSession
from dealbench.models import Role
from dealbench.users import presenter, service

router = APIRouter(tags=["pages"], include_in_schema=False)

#: The settings pages are the administrators': reading them needs the write scope a MEMBER's
#: role never has, so anyone else gets the 403 page.
UsersAdmin = Annotated[Principal, page_scoped("users:write")]
UserId = Annotated[int, Path(ge=1, le=2**31 - 1)]
#: How many people the page lists (an organization of more reads the rest through the API).
LIST_LIMIT = 500
_ROLE = TypeAdapter(Role)


async def _page(
    request: Request, session: DbSession, principal: Principal, status: int = 200, **extra: Any
) -> Response:
    rows, total = await service.list_users(session, principal, ListParams(limit=LIST_LIMIT))
    context = {
        "users": presenter.users(rows),
        "total": total,
        "roles": [r.value for r in Role],
        "roles_help": service.ROLES,
        "error": None,
        **extra,
    }
    return render(request, "settings/users.html", context, status)


@router.get("/settings/users")
async def users_page(request: Request, principal: UsersAdmin, session: DbSession) -> Response:
    return await _page(request, session, principal)


@router.post("/settings/users/{user_id}/role")
async def change_role(
    request: Request, user_id: UserId, principal: UsersAdmin, session: DbSession
) -> Response:
    form = await request.form()
    await service.get_user(session, principal, user_id)  # another organization's person: the 404 page
    try:
        role = _ROLE.validate_python(form.get("role"))
        await service.change_role(session, principal, user_id, role)
    except ValidationError as exc:
        return await _page(
            request, session, principal, 400, error=field_errors(exc).get("", "Choose a role.")
        )
    except Conflict as exc:
        return await _page(request, session, principal, 409, error=exc.message)
    return redirect(request, "/settings/users")


@router.post("/settings/users/{user_id}/remove")
async def remove_user(
    request: Request, user_id: UserId, principal: UsersAdmin, session: DbSession
) -> Response:
    try:
        await service.remove_user(session, principal, user_id)
    except Conflict as exc:
        return await _page(request, session, principal, 409, error=exc.message)
    return redirect(request, "/settings/users")
