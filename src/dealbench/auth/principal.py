"""The one principal every request resolves to, whatever the dialect."""

from __future__ import annotations

from dataclasses import dataclass, field

from dealbench.auth.scopes import covers, role_allows
from dealbench.kit.errors import Forbidden
from dealbench.models import ApiToken, Organization, Role, TokenKind, User


@dataclass(slots=True)
class Principal:
    organization: Organization
    token: ApiToken
    user: User | None = None
    #: Filled by the rate limiter: limit, remaining, reset (unix seconds).
    rate: tuple[int, int, int] | None = field(default=None)

    @property
    def organization_id(self) -> int:
        return self.organization.id

    @property
    def is_personal(self) -> bool:
        return self.token.kind is TokenKind.PERSONAL

    @property
    def role(self) -> Role:
        """An organization token acts as the organization: with an administrator's rights."""
        return self.user.role if self.user is not None else Role.ADMIN

    @property
    def is_admin(self) -> bool:
        return self.role is Role.ADMIN

    @property
    def acting_user_id(self) -> int | None:
        """Who is recorded as the author: the token's user, or whoever created an org token."""
        return self.user.id if self.user is not None else self.token.created_by_user_id

    @property
    def scopes(self) -> list[str]:
        return list(self.token.scopes or [])

    def can(self, scope: str) -> bool:
        return covers(self.scopes, scope) and role_allows(self.role, scope)

    def require(self, scope: str) -> None:
        if not covers(self.scopes, scope):
            raise Forbidden(f"This token lacks the '{scope}' scope needed for this request.")
        if not role_allows(self.role, scope):
            raise Forbidden(f"Your role {self.role.value} does not allow '{scope}'.")

    def require_admin(self, what: str = "this action") -> None:
        if not self.is_admin:
            raise Forbidden(f"Only administrators may perform {what}.")
