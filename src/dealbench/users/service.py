"""Users of an organization: listing, lookup, creation, removal."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from dealbench.auth.principal import Principal
from dealbench.events import outbox
from dealbench.kit.db import utcnow
from dealbench.kit.errors import Conflict, DealbenchError
from dealbench.kit.locks import Lock, lock_organization
from dealbench.kit.pagination import ListParams
from dealbench.kit.zod import issues_from_pydantic
from dealbench.models import Role, User
from dealbench.users import directory, presenter
from dealbench.users.repository import UserRepository
from dealbench.users.schemas import UserCreate

ROLES = [
    {
        "name": Role.ADMIN,
        "description": "Manages the organization, its users, teams, invitations and every token.",
        "can_write": True,
        "can_manage_users": True,
        "can_manage_organization": True,
    },
    {
        "name": Role.MEMBER,
        "description": "Reads and writes deals, plans, tickets and documents; manages own tokens.",
        "can_write": True,
        "can_manage_users": False,
        "can_manage_organization": False,
    },
    {
        "name": Role.VIEWER,
        "description": "Reads everything it can see; never writes.",
        "can_write": False,
        "can_manage_users": False,
        "can_manage_organization": False,
    },
]


async def list_users(
    session: AsyncSession, principal: Principal, params: ListParams
) -> tuple[list[Any], int]:
    """A page of current users (rows of the presenter's columns) and the total."""
    return await UserRepository(session, principal).page(params)


async def get_user(
    session: AsyncSession, principal: Principal, user_id: int, *, lock: Lock | None = None
) -> User:
    return await directory.get_user(session, principal, user_id, lock=lock)


async def get_user_by_email(session: AsyncSession, principal: Principal, email: str) -> User:
    return await directory.get_user_by_email(session, principal, email)


async def create_user(session: AsyncSession, principal: Principal, data: UserCreate) -> User:
    user = await directory.add_user(session, principal, data)
    await outbox.record(session, principal, "user.created", presenter.user(user))
    return user


@dataclass(frozen=True, slots=True)
class BulkResult:
    """One item of a bulk creation: the user, or why it was refused."""

    index: int
    status: int
    user: User | None = None
    error: str | None = None
    issues: list[dict[str, Any]] | None = None


async def create_users(session: AsyncSession, principal: Principal, items: list[Any]) -> list[BulkResult]:
    """Create several users: each item is validated and created on its own (in a savepoint), so a
    bad item loses none of the others; issue paths start at the item's index."""
    results: list[BulkResult] = []
    for index, item in enumerate(items):
        try:
            data = UserCreate.model_validate(item)
        except ValidationError as exc:
            issues = issues_from_pydantic(exc.errors())
            for issue in issues:
                issue["path"] = [index, *issue["path"]]
            results.append(BulkResult(index=index, status=400, error="Validation error.", issues=issues))
            continue
        try:
            user = await create_user(session, principal, data)
        except DealbenchError as exc:
            results.append(BulkResult(index=index, status=exc.status_code, error=exc.message))
            continue
        results.append(BulkResult(index=index, status=201, user=user))
    return results


async def remove_user(session: AsyncSession, principal: Principal, user_id: int) -> User:
    """Remove a user: revoke their personal tokens, leave their teams; never the last ADMIN.

    The organization is locked first: two administrators removing each other at once cannot
    both pass the last-ADMIN check.
    """
    await lock_organization(session, principal.organization)
    repo = UserRepository(session, principal)
    user = await repo.one(user_id, lock=Lock.UPDATE)
    if user.role is Role.ADMIN and await repo.admin_count() <= 1:
        raise Conflict("You cannot remove the last ADMIN of the organization.")
    now = utcnow()
    user.deleted_at = now
    await repo.revoke_personal_tokens(user, now)
    await repo.leave_teams(user)
    await session.flush()
    await outbox.record(session, principal, "user.deleted", presenter.user(user))
    return user


async def change_role(session: AsyncSession, principal: Principal, user_id: int, role: Role) -> User:
    """Give a user another role; the last ADMIN keeps theirs (409). The organization is locked
    first, as removal does, so two administrators demoting each other cannot both pass."""
    await lock_organization(session, principal.organization)
    repo = UserRepository(session, principal)
    user = await repo.one(user_id, lock=Lock.UPDATE)
    if user.role is role:
        return user
    if user.role is Role.ADMIN and await repo.admin_count() <= 1:
        raise Conflict("The organization needs an ADMIN: make someone else ADMIN first.")
    user.role = role
    user.updated_at = utcnow()
    await session.flush()
    await outbox.record(session, principal, "user.updated", presenter.user(user))
    return user
