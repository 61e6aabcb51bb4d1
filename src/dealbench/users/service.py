"""Users of an organization: listing, lookup, creation, removal."""

from __future__ import annotations

from typing import Any

from sqlalchemy import bindparam, delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from dealbench.auth.principal import Principal
from dealbench.kit.db import utcnow
from dealbench.kit.errors import Conflict, NotFound
from dealbench.kit.pagination import ListParams, PagedQuery
from dealbench.kit.presenter import Shape
from dealbench.kit.tenancy import Lock, get_in_tenant, in_tenant, lock_organization
from dealbench.models import ApiToken, Organization, Role, TeamMember, User
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


def active_users(organization_id: int):  # type: ignore[no-untyped-def]
    return in_tenant(User, organization_id).where(User.deleted_at.is_(None))


USER_SHAPE = Shape(
    [
        ("id", User.id),
        ("email", User.email),
        ("firstName", User.first_name),
        ("lastName", User.last_name),
        ("role", User.role),
        ("createdAt", User.created_at),
        ("updatedAt", User.updated_at),
    ]
)


_USERS_PAGE = PagedQuery(
    select(*USER_SHAPE.columns)
    .where(User.organization_id == bindparam("org"), User.deleted_at.is_(None))
    .order_by(User.id)
)


async def list_users(
    session: AsyncSession, principal: Principal, params: ListParams
) -> tuple[list[dict[str, Any]], int]:
    """A page of users as wire dicts (a hot list: one prebuilt Core query, no ORM objects)."""
    rows, total = await _USERS_PAGE.page(session, params, org=principal.organization_id)
    return USER_SHAPE.many(rows), total


async def get_user(
    session: AsyncSession, principal: Principal, user_id: int, *, lock: Lock | None = None
) -> User:
    return await get_in_tenant(
        session,
        User,
        principal.organization_id,
        user_id,
        what="User",
        extra=User.deleted_at.is_(None),
        lock=lock,
    )


async def find_by_email(session: AsyncSession, organization_id: int, email: str) -> User | None:
    stmt = active_users(organization_id).where(User.email == email.strip().lower())
    return (await session.execute(stmt)).scalar_one_or_none()


async def get_user_by_email(session: AsyncSession, principal: Principal, email: str) -> User:
    user = await find_by_email(session, principal.organization_id, email)
    if user is None:
        raise NotFound("User not found.")
    return user


async def add_user(
    session: AsyncSession,
    organization: Organization,
    data: UserCreate,
) -> User:
    """Create a user; 409 when the email is taken in the organization (checked and constrained)."""
    email = str(data.email).strip().lower()
    if await find_by_email(session, organization.id, email) is not None:
        raise Conflict(f"A user with email '{email}' already exists in this organization.")
    user = User(
        organization_id=organization.id,
        email=email,
        first_name=data.first_name,
        last_name=data.last_name,
        role=data.role,
    )
    try:
        async with session.begin_nested():
            session.add(user)
    except IntegrityError as exc:
        raise Conflict(f"A user with email '{email}' already exists in this organization.") from exc
    return user


async def create_user(session: AsyncSession, principal: Principal, data: UserCreate) -> User:
    return await add_user(session, principal.organization, data)


async def remove_user(session: AsyncSession, principal: Principal, user_id: int) -> User:
    """Remove a user: revoke their personal tokens, leave their teams; never the last ADMIN.

    The organization is locked first: two administrators removing each other at once cannot
    both pass the last-ADMIN check.
    """
    await lock_organization(session, principal.organization)
    user = await get_user(session, principal, user_id, lock=Lock.UPDATE)
    if user.role is Role.ADMIN:
        admins = (
            await session.execute(
                select(func.count())
                .select_from(User)
                .where(
                    User.organization_id == principal.organization_id,
                    User.role == Role.ADMIN,
                    User.deleted_at.is_(None),
                )
            )
        ).scalar_one()
        if admins <= 1:
            raise Conflict("You cannot remove the last ADMIN of the organization.")
    now = utcnow()
    user.deleted_at = now
    await session.execute(
        update(ApiToken)
        .where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    await session.execute(delete(TeamMember).where(TeamMember.user_id == user.id))
    await session.flush()
    return user
