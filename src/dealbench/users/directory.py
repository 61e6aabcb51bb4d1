"""What other domains use of users: finding a current user by id or email, and adding one (an
accepted invitation, the first administrator of a new organization)."""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from dealbench.kit.errors import Conflict, NotFound
from dealbench.kit.locks import Lock
from dealbench.kit.repository import Tenant
from dealbench.models import User
from dealbench.users.repository import UserRepository
from dealbench.users.schemas import UserCreate


async def get_user(session: AsyncSession, tenant: Tenant, user_id: int, *, lock: Lock | None = None) -> User:
    """A current user of the caller's organization, or 404."""
    return await UserRepository(session, tenant).one(user_id, lock=lock)


async def find_by_email(session: AsyncSession, tenant: Tenant, email: str) -> User | None:
    """The current user with ``email`` (case-insensitive) in the caller's organization."""
    return await UserRepository(session, tenant).by_email(email)


async def ids_by_email(session: AsyncSession, tenant: Tenant) -> dict[str, int]:
    """``{email: id}`` of the current users of the caller's organization (emails lowercased): the
    owners and sales reps an import names by email."""
    return await UserRepository(session, tenant).ids_by_email()


async def admin_emails(session: AsyncSession, tenant: Tenant) -> list[str]:
    """The emails of the current administrators of the caller's organization, in id order."""
    return await UserRepository(session, tenant).admin_emails()


async def add_user(session: AsyncSession, tenant: Tenant, data: UserCreate) -> User:
    """Create a user; 409 when the email is taken in the organization (checked and constrained)."""
    repo = UserRepository(session, tenant)
    email = str(data.email).strip().lower()
    taken = Conflict(f"A user with email '{email}' already exists in this organization.")
    if await repo.by_email(email) is not None:
        raise taken
    user = User(email=email, first_name=data.first_name, last_name=data.last_name, role=data.role)
    try:
        async with session.begin_nested():
            repo.add(user)
    except IntegrityError as exc:
        raise taken from exc
    return user


async def get_user_by_email(session: AsyncSession, tenant: Tenant, email: str) -> User:
    user = await find_by_email(session, tenant, email)
    if user is None:
        raise NotFound("User not found.")
    return user
