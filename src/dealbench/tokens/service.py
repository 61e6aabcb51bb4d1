"""The one token system of every dialect: organization tokens (``...o``) and personal ones (``...p``)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from dealbench.auth.principal import Principal
from dealbench.auth.scopes import covers, is_valid_scope
from dealbench.events import outbox
from dealbench.kit.crypto import keyed_hash, new_token
from dealbench.kit.db import utcnow
from dealbench.kit.errors import Forbidden, NotFound, ValidationFailed
from dealbench.kit.locks import Lock
from dealbench.kit.pagination import ListParams
from dealbench.kit.repository import Tenant, TenantOf
from dealbench.models import ApiToken, Organization, TokenKind, User
from dealbench.tokens import presenter
from dealbench.tokens.repository import TokenRepository, any_token
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
    TokenRepository(session, TenantOf(organization.id)).add(token)
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
    expires: datetime | None = None
    if data.expires_at is not None:
        # In UTC, as stored (a time without an offset is UTC): the answer shows what is stored.
        expires = (
            data.expires_at if data.expires_at.tzinfo else data.expires_at.replace(tzinfo=UTC)
        ).astimezone(UTC)
        if expires <= utcnow():
            raise ValidationFailed.at(["expiresAt"], "expiresAt must be in the future.")
    token, plaintext = await issue_token(
        session,
        organization=principal.organization,
        name=data.name,
        secret_key=secret_key,
        user=user,
        scopes=scopes,
        created_by_user_id=principal.acting_user_id,
        expires_at=expires,
        rate_limit_per_minute=data.rate_limit_per_minute,
    )
    await outbox.record(session, principal, "token.created", presenter.token(token))
    return token, plaintext


async def list_tokens(
    session: AsyncSession, principal: Principal, params: ListParams, *, include_revoked: bool = False
) -> tuple[list[Any], int]:
    """A page of tokens (rows of the presenter's columns) and the total: administrators see every
    token of the organization; other users see their own."""
    if principal.is_admin:
        user_id = None
    else:
        assert principal.user is not None  # only a user's token acts with a role below ADMIN
        user_id = principal.user.id
    return await TokenRepository(session, principal).page(
        params, user_id=user_id, include_revoked=include_revoked
    )


async def revoke_token(session: AsyncSession, principal: Principal, token_id: int) -> ApiToken:
    """Revoke a token (idempotent); users other than administrators revoke only their own."""
    token = await TokenRepository(session, principal).one(token_id, lock=Lock.UPDATE)
    if not principal.is_admin and (principal.user is None or token.user_id != principal.user.id):
        raise Forbidden("Only administrators may revoke other users' tokens.")
    if token.revoked_at is None:
        await revoke(session, token)
        await outbox.record(session, principal, "token.revoked", presenter.token(token))
    return token


async def revoke_by_id(session: AsyncSession, token_id: int) -> ApiToken | None:
    """Revoke the token ``token_id`` of any organization (the server's operator, on the command
    line); ``None`` when there is no such token."""
    token = await any_token(session, token_id, lock=Lock.UPDATE)
    return None if token is None else await revoke(session, token)


async def revoke_named(session: AsyncSession, tenant: Tenant, name: str) -> None:
    """Revoke every live token of the organization called ``name`` (the demo key of the previous start)."""
    await TokenRepository(session, tenant).revoke_named(name, utcnow())


async def revoke(session: AsyncSession, token: ApiToken) -> ApiToken:
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        await session.flush()
    return token
