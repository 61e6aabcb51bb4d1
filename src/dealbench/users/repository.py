"""The statements of the users domain, each within the caller's organization."""

from __future__ import annotations

from typing import Any

from sqlalchemy import bindparam, delete, func, select, update

from dealbench.kit.locks import Lock, locked
from dealbench.kit.pagination import ListParams, PagedQuery
from dealbench.kit.repository import Repository, is_id
from dealbench.models import ApiToken, Role, TeamMember, User
from dealbench.users.presenter import USER

#: The hot list: built once, its organization a bound parameter.
_USERS_PAGE = PagedQuery(
    select(*USER.columns)
    .where(User.organization_id == bindparam("org"), User.deleted_at.is_(None))
    .order_by(User.id)
)


class UserRepository(Repository[User]):
    """Current users (removed ones keep their row for authorship, but are found by nobody)."""

    model = User
    what = "User"

    def current(self) -> Any:
        return self.select().where(User.deleted_at.is_(None))

    async def get(self, object_id: Any, *, lock: Lock | None = None) -> User | None:
        if not is_id(object_id):
            return None
        stmt = self.current().where(User.id == object_id)
        return (await self.session.execute(locked(stmt, lock))).scalar_one_or_none()

    async def by_email(self, email: str) -> User | None:
        stmt = self.current().where(User.email == email.strip().lower())
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def ids_by_email(self) -> dict[str, int]:
        """``{email: id}`` of every current user (emails lowercased)."""
        stmt = select(User.email, User.id).where(self.owned(), User.deleted_at.is_(None))
        return {email.lower(): user_id for email, user_id in (await self.session.execute(stmt)).all()}

    async def admin_emails(self) -> list[str]:
        """The emails of the current administrators, in id order."""
        stmt = (
            select(User.email)
            .where(self.owned(), User.role == Role.ADMIN, User.deleted_at.is_(None))
            .order_by(User.id)
        )
        return list((await self.session.execute(stmt)).scalars())

    async def page(self, params: ListParams) -> tuple[list[Any], int]:
        """A page of current users as rows of the presenter's columns, and the total."""
        return await _USERS_PAGE.page(self.session, params, org=self.organization_id)

    async def admin_count(self) -> int:
        stmt = (
            select(func.count())
            .select_from(User)
            .where(self.owned(), User.role == Role.ADMIN, User.deleted_at.is_(None))
        )
        return int((await self.session.execute(stmt)).scalar_one())

    async def revoke_personal_tokens(self, user: User, now: Any) -> None:
        await self.session.execute(
            update(ApiToken)
            .where(self.owned(ApiToken), ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
            .values(revoked_at=now)
        )

    async def leave_teams(self, user: User) -> None:
        await self.session.execute(delete(TeamMember).where(TeamMember.user_id == user.id))
