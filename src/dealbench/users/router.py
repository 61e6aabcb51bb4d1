"""Users in the Opine dialect (``/v1/organization/users``) and the Opus 2 one (``/v1/users``...)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Query, Response
from pydantic import ValidationError

from dealbench.auth.principal import Principal
from dealbench.auth.tokens import scoped
from dealbench.kit.errors import ValidationFailed
from dealbench.kit.etags import IfMatch, IfNoneMatch, require_current, tagged_response
from dealbench.kit.fastjson import json_response
from dealbench.kit.locks import Lock, lock_organization
from dealbench.kit.pagination import Paging
from dealbench.kit.schemas import IdOnly, Page, PathId
from dealbench.kit.session import DbSession
from dealbench.kit.zod import issues_from_pydantic
from dealbench.users import presenter, service
from dealbench.users.schemas import BulkUserAnswer, RoleOut, UserCreate, UserOrUsers, UserOut

router = APIRouter(prefix="/v1", tags=["Users"])

UsersRead = Annotated[Principal, scoped("users:read")]
UsersWrite = Annotated[Principal, scoped("users:write")]


@router.get("/organization/users", response_model=Page[UserOut])
async def list_organization_users(principal: UsersRead, session: DbSession, paging: Paging) -> Response:
    """The organization's users, by id."""
    rows, total = await service.list_users(session, principal, paging)
    return json_response(paging.page(presenter.users(rows), total))


async def _user_now(session: DbSession, principal: Principal, id: int) -> Any:
    """The user as ``GET`` answers it, under the locks of a removal: the organization, then the user."""
    await lock_organization(session, principal.organization)
    return presenter.user(await service.get_user(session, principal, id, lock=Lock.UPDATE))


@router.delete("/organization/users/{id}", response_model=IdOnly)
async def remove_organization_user(
    id: PathId,
    principal: UsersWrite,
    session: DbSession,
    if_match: IfMatch = None,
) -> IdOnly:
    """Remove a user; their personal tokens are revoked. The last ADMIN cannot be removed (409)."""
    await require_current(if_match, lambda: _user_now(session, principal, id))
    user = await service.remove_user(session, principal, id)
    return IdOnly(id=user.id)


@router.get("/roles", response_model=Page[RoleOut])
async def list_roles(principal: UsersRead) -> dict[str, Any]:
    """The roles a user can have, with what each may do."""
    return {
        "items": service.ROLES,
        "limit": len(service.ROLES),
        "offset": 0,
        "totalCount": len(service.ROLES),
    }


@router.get("/users", response_model=Page[UserOut])
async def list_users(principal: UsersRead, session: DbSession, paging: Paging) -> Response:
    """All users of the organization (Opus 2 dialect)."""
    rows, total = await service.list_users(session, principal, paging)
    return json_response(paging.page(presenter.users(rows), total))


@router.get("/user/id/{userId}", response_model=UserOut)
async def get_user(
    userId: PathId,
    principal: UsersRead,
    session: DbSession,
    if_none_match: IfNoneMatch = None,
) -> Response:
    return tagged_response(presenter.user(await service.get_user(session, principal, userId)), if_none_match)


@router.get(
    "/user/byemail", response_model=UserOut, responses={404: {"description": "No user with this email."}}
)
async def get_user_by_email(
    principal: UsersRead,
    session: DbSession,
    email: Annotated[str, Query(min_length=3, description="Matched case-insensitively.")],
    if_none_match: IfNoneMatch = None,
) -> Response:
    return tagged_response(
        presenter.user(await service.get_user_by_email(session, principal, email)), if_none_match
    )


@router.post(
    "/users",
    response_model=UserOut | BulkUserAnswer,
    status_code=201,
    responses={200: {"model": BulkUserAnswer, "description": "A list was sent: one result per item."}},
)
async def add_users(
    principal: UsersWrite,
    session: DbSession,
    payload: Annotated[
        UserOrUsers,
        Body(description="One user (answers 201 with it) or a list (answers 200 with a result per item)."),
    ],
) -> Any:
    """Add one user, or several: with a list, one bad item loses none of the others."""
    if isinstance(payload, dict):
        try:
            data = UserCreate.model_validate(payload)
        except ValidationError as exc:
            raise ValidationFailed(issues_from_pydantic(exc.errors())) from exc
        return json_response(presenter.user(await service.create_user(session, principal, data)), 201)
    results = await service.create_users(session, principal, payload)
    created = sum(1 for r in results if r.status == 201)
    items = [
        {
            "index": r.index,
            "status": r.status,
            "user": presenter.user(r.user) if r.user is not None else None,
            "error": r.error,
            "issues": r.issues,
        }
        for r in results
    ]
    return json_response({"items": items, "createdCount": created, "errorCount": len(results) - created})
