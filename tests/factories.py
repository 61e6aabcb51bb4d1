"""Plain factory functions for tests: each call makes fresh, uniquely named rows, committed."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from dealbench.auth.principal import Principal
from dealbench.auth.sessions import start_session
from dealbench.kit.repository import TenantOf
from dealbench.kit.services import Services
from dealbench.models import ApiToken, Organization, Role, User
from dealbench.organizations.service import create_organization
from dealbench.tokens.service import issue_token
from dealbench.users.directory import add_user, set_password
from dealbench.users.schemas import UserCreate


def unique(prefix: str = "x") -> str:
    return f"{prefix}{uuid.uuid4().hex[:10]}"


@dataclass
class Tenant:
    """An organization with an admin, and an organization token with scope ``*``."""

    org: Organization
    admin: User
    token: str
    token_row: ApiToken
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def headers(self) -> dict[str, str]:
        return {"X-API-Key": self.token}


class Factory:
    def __init__(self, services: Services) -> None:
        self.services = services

    async def tenant(self, *, name: str = "Org", timezone: str = "UTC") -> Tenant:
        async with self.services.sessionmaker() as session:
            org = await create_organization(session, name=name, slug=unique("org-"), timezone=timezone)
            admin = await add_user(
                session, TenantOf(org.id), UserCreate(email=f"{unique('admin')}@example.com", role=Role.ADMIN)
            )
            row, token = await issue_token(
                session,
                organization=org,
                name="test org token",
                secret_key=self.services.secret_key,
                created_by_user_id=admin.id,
            )
            await session.commit()
        return Tenant(org=org, admin=admin, token=token, token_row=row)

    async def user(self, tenant: Tenant, *, role: Role = Role.MEMBER, email: str | None = None) -> User:
        async with self.services.sessionmaker() as session:
            user = await add_user(
                session,
                TenantOf(tenant.org.id),
                UserCreate(email=email or f"{unique('user')}@example.com", role=role),
            )
            await session.commit()
        return user

    async def token(
        self,
        tenant: Tenant,
        *,
        scopes: list[str] | None = None,
        user: User | None = None,
        rate_limit_per_minute: int | None = None,
    ) -> str:
        async with self.services.sessionmaker() as session:
            _, plaintext = await issue_token(
                session,
                organization=tenant.org,
                name=unique("token"),
                secret_key=self.services.secret_key,
                user=user,
                scopes=scopes or ["*"],
                created_by_user_id=tenant.admin.id,
                rate_limit_per_minute=rate_limit_per_minute,
            )
            await session.commit()
        return plaintext

    async def set_password(self, user: User, password: str) -> None:
        async with self.services.sessionmaker() as session:
            user = await session.merge(user)
            await set_password(session, user, password)
            await session.commit()

    async def browser(self, tenant: Tenant, role: Role = Role.MEMBER, *, user: User | None = None) -> Browser:
        """A web session of a new user of ``role`` (or of ``user``), made as signing in makes one."""
        user = user or await self.user(tenant, role=role)
        async with self.services.sessionmaker() as session:
            cookie, csrf = await start_session(
                session, self.services.secret_key, self.services.settings, user
            )
            await session.commit()
        return Browser(user, cookie, csrf)

    async def personal(
        self, tenant: Tenant, role: Role = Role.MEMBER, scopes: list[str] | None = None
    ) -> tuple[User, str]:
        user = await self.user(tenant, role=role)
        return user, await self.token(tenant, user=user, scopes=scopes)


async def principal_in(session: AsyncSession, tenant: Tenant, *, user: User | None = None) -> Principal:
    """The principal of the tenant's organization token (or of ``user``'s rights on it), loaded in
    ``session``: what a request would hand the services (for service-level tests)."""
    organization = await session.get(Organization, tenant.org.id)
    token = await session.get(ApiToken, tenant.token_row.id)
    assert organization is not None and token is not None
    return Principal(
        organization=organization,
        token=token,
        user=await session.get(User, user.id) if user is not None else None,
    )


@dataclass
class Browser:
    """A signed-in web session: its cookie and the CSRF token its forms carry."""

    user: User
    cookie: str
    csrf: str

    @property
    def cookies(self) -> dict[str, str]:
        return {"dealbench_session": self.cookie}

    @property
    def headers(self) -> dict[str, str]:
        return {"X-CSRF-Token": self.csrf}


class StatementCounter:
    """Counts the SQL statements an engine runs while active."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine.sync_engine
        self.statements: list[str] = []

    def _on_execute(self, _conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        upper = statement.lstrip().upper()
        if upper.startswith(("PRAGMA", "BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE")):
            return
        self.statements.append(statement)

    def __enter__(self) -> StatementCounter:
        event.listen(self.engine, "before_cursor_execute", self._on_execute)
        return self

    def __exit__(self, *exc: object | TracebackType) -> None:
        event.remove(self.engine, "before_cursor_execute", self._on_execute)

    def reset(self) -> None:
        self.statements.clear()

    @property
    def count(self) -> int:
        return len(self.statements)
