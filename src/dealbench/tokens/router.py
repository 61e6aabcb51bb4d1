"""The tokens API (Opus 2 ``tokens`` + the Opine key settings), one system for every dialect."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from dealbench.auth.principal import Principal
from dealbench.auth.tokens import scoped
from dealbench.kit.fastjson import json_response
from dealbench.kit.pagination import Paging
from dealbench.kit.schemas import Page, PathId
from dealbench.kit.services import AppServices
from dealbench.kit.session import DbSession
from dealbench.tokens import presenter, service
from dealbench.tokens.schemas import TokenCreate, TokenCreated, TokenOut

router = APIRouter(prefix="/v1", tags=["Tokens"])

TokensRead = Annotated[Principal, scoped("tokens:read")]
TokensWrite = Annotated[Principal, scoped("tokens:write")]


@router.post("/tokens", response_model=TokenCreated, status_code=201)
async def create_token(
    body: TokenCreate, principal: TokensWrite, session: DbSession, services: AppServices
) -> Response:
    """Create a token. Without `userId` it is an organization token (ends in `o`), else a personal
    token of that user (ends in `p`). The plaintext `token` is in this answer only.

    `rateLimitPerMinute` may lower the server's default limit; only administrators may raise it
    (403 otherwise). A user's personal tokens share one budget: each request counts against the
    limit of the token it uses."""
    token, plaintext = await service.create_token(
        session,
        principal,
        body,
        services.secret_key,
        default_rate_limit=services.settings.rate_limit_per_minute,
    )
    return json_response(presenter.created(token, plaintext), 201)


@router.get("/tokens", response_model=Page[TokenOut])
async def list_tokens(
    principal: TokensRead,
    session: DbSession,
    paging: Paging,
    includeRevoked: Annotated[bool, Query()] = False,
) -> Response:
    """Tokens, without their secrets: every token for admins, one's own for other users."""
    rows, total = await service.list_tokens(session, principal, paging, include_revoked=includeRevoked)
    return json_response(paging.page(presenter.tokens(rows), total))


@router.delete("/tokens/{id}", response_model=TokenOut)
async def revoke_token(id: PathId, principal: TokensWrite, session: DbSession) -> Response:
    """Revoke a token (idempotent); it answers 401 from then on."""
    return json_response(presenter.token(await service.revoke_token(session, principal, id)))
