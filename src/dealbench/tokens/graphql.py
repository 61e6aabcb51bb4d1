"""API tokens in the GraphQL dialect: ``tokens`` (scope ``tokens:read``). Admins see every token of
the organization; other users see their own (the service decides)."""

from __future__ import annotations

from datetime import datetime

import strawberry

from dealbench.kit.graphql.context import ctx
from dealbench.kit.graphql.fields import scoped_field
from dealbench.kit.graphql.generate import gql_enum
from dealbench.kit.graphql.types import Page, page, paging
from dealbench.models import TokenKind
from dealbench.tokens import service

gql_enum(TokenKind)


@strawberry.type(name="ApiToken", description="A token; its plaintext is never shown again.")
class TokenType:
    id: int
    name: str
    kind: TokenKind
    user_id: int | None
    scopes: list[str]
    created_by_user_id: int | None
    created_at: datetime
    expires_at: datetime | None
    last_used_at: datetime | None
    revoked_at: datetime | None
    rate_limit_per_minute: int | None

    @strawberry.field(description="The first characters of the token, to recognise it.")
    def prefix(self) -> str:
        return self.display_prefix  # type: ignore[attr-defined,no-any-return]


@strawberry.type
class Query:
    @scoped_field(scope="tokens:read", description="API tokens, by id.")
    async def tokens(
        self,
        info: strawberry.Info,
        limit: int | None = 100,
        offset: int | None = 0,
        include_revoked: bool = False,
    ) -> Page[TokenType] | None:
        items, total = await ctx(info).call(
            service.list_tokens,
            paging(limit, offset),
            include_revoked=include_revoked,
        )
        return page(items, total)
