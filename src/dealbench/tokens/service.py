"""The one token system of every dialect: organization tokens (``...o``) and personal ones (``...p``)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from dealbench.auth.principal import Principal
from dealbench.auth.scopes import covers, is_valid_scope
from dealbench.kit.crypto import keyed_hash, new_token
from dealbench.kit.db import utcnow
from dealbench.kit.errors import Forbidden, NotFound, ValidationFailed
from dealbench.kit.pagination import ListParams, paginate
from dealbench.kit.tenancy import Lock, get_in_tenant, in_tenant
from dealbench.models import ApiToken, Organization, TokenKind, User
from dealbench.tokens.schemas import TokenCreate
from dealbench.users.directory import get_user


def validate_scopes(scopes: Sequence[str]) -> list[str]:
    bad = [
        {
            "code": "custom",
            "path": ["scopes", i],
            "message": f"Invalid scope '{s}': use '*', '*:read', '<resource>:read' or '<resource>:write'.",
        }
        for i, s in enumerate(scopes)
        if not is_valid_scope(s)
    ]
    if bad:
        raise ValidationFailed(bad)
    return list(dict.fromkeys(scopes))


async def issue_token(
    session: AsyncSession,
    *,
    organization: Organization,
    name: str,
    secret_key: str,
    user: User | None = None,
    scopes: Sequence[str] = ("*",),
    created_by_user_id: int | None = None,
    expires_at: datetime | None = None,
    rate_limit_per_minute: int | None = None,
) -> tuple[ApiToken, str]:
    """Mint a token and return it with its plaintext (the only time the plaintext exists)."""
    kind = TokenKind.PERSONAL if user is not None else TokenKind.ORGANIZATION
    plaintext = new_token("p" if user is not None else "o")
    token = ApiToken(
        organization_id=organization.id,
        user_id=user.id if user is not None else None,
        kind=kind,
        name=name,
        token_hash=keyed_hash(secret_key, plaintext),
        display_prefix=plaintext[:10],
        scopes=validate_scopes(scopes),
        created_by_user_id=created_by_user_id,
        created_at=utcnow(),
        expires_at=expires_at,
        rate_limit_per_minute=rate_limit_per_minute,
    )
    session.add(token)
    await session.flush()
    return token, plaintext


async def create_token(
    session: AsyncSession,
    principal: Principal,
    data: TokenCreate,
    secret_key: str,
    *,
    default_rate_limit: int,
) -> tuple[ApiToken, str]:
    """Create a token. Its scopes never exceed the creator's; only admins mint for others or the org,
    and only admins set a rate limit above the server's default (``default_rate_limit``): anyone
    may lower it."""
    limit = data.rate_limit_per_minute
    if limit is not None and limit > default_rate_limit and not principal.is_admin:
        raise Forbidden(
            f"Only administrators may set a token's rate limit above the server default of "
            f"{default_rate_limit} requests per minute."
        )
    user: User | None = None
    if data.user_id is None:
        principal.require_admin("creating organization tokens")
    else:
        try:
            user = await get_user(session, principal, data.user_id)
        except NotFound as exc:
            raise ValidationFailed.at(["userId"], f"User {data.user_id} not found.") from exc
        if principal.user is None or principal.user.id != user.id:
            principal.require_admin("creating tokens for other users")
    scopes = validate_scopes(data.scopes) if data.scopes is not None else principal.scopes
    for scope in scopes:
        if not covers(principal.scopes, scope):
            raise Forbidden(
                f"A new token cannot have scope '{scope}': it exceeds the creating token's scopes."
            )
    if data.expires_at is not None:
        expires = data.expires_at if data.expires_at.tzinfo else data.expires_at.replace(tzinfo=UTC)
        if expires <= utcnow():
            raise ValidationFailed.at(["expiresAt"], "expiresAt must be in the future.")
    return await issue_token(
        session,
        organization=principal.organization,
        name=data.name,
        secret_key=secret_key,
        user=user,
        scopes=scopes,
        created_by_user_id=principal.acting_user_id,
        expires_at=data.expires_at,
        rate_limit_per_minute=data.rate_limit_per_minute,
    )


def _visible(principal: Principal):  # type: ignore[no-untyped-def]
    stmt = in_tenant(ApiToken, principal.organization_id)
    if not principal.is_admin:
        assert principal.user is not None
        stmt = stmt.where(ApiToken.user_id == principal.user.id)
    return stmt


async def list_tokens(
    session: AsyncSession, principal: Principal, params: ListParams, *, include_revoked: bool = False
) -> tuple[list[ApiToken], int]:
    """Admins see every token of the organization; others see their own."""
    base = _visible(principal)
    if not include_revoked:
        base = base.where(ApiToken.revoked_at.is_(None))
    return await paginate(session, base.order_by(ApiToken.id), params)


async def revoke_token(session: AsyncSession, principal: Principal, token_id: int) -> ApiToken:
    token = await get_in_tenant(
        session, ApiToken, principal.organization_id, token_id, what="Token", lock=Lock.UPDATE
    )
    if not principal.is_admin and (principal.user is None or token.user_id != principal.user.id):
        raise Forbidden("Only administrators may revoke other users' tokens.")
    return await revoke(session, token)


async def revoke(session: AsyncSession, token: ApiToken) -> ApiToken:
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        await session.flush()
    return token
