"""API tokens in the GraphQL dialect: ``tokens`` (scope ``tokens:read``). Admins see every token of
the organization; other users see their own (the service decides)."""

from __future__ import annotations

from typing import Any

import strawberry

from dealbench.kit.graphql.context import ctx
from dealbench.kit.graphql.fields import scoped_field
from dealbench.kit.graphql.generate import gql_enum, output_type
from dealbench.kit.graphql.types import Limit, Offset, Page, PageNumber, page, paging
from dealbench.models import TokenKind
from dealbench.tokens import presenter, service
from dealbench.tokens.schemas import TokenOut

gql_enum(
    TokenKind,
    "Whom a token acts as.",
    {
        "ORGANIZATION": "The organization (ends in `o`), with an administrator's rights.",
        "PERSONAL": "One user of the organization (ends in `p`), within that user's role.",
    },
)

TokenType: Any = output_type(
    TokenOut,
    "ApiToken",
    description="A token; its plaintext is never shown again.",
    describe={
        "kind": "Whom the token acts as.",
        "user_id": "The id of the user a personal token acts as; null for an organization token.",
        "scopes": "What the token may do: `*`, `*:read` or `<resource>:read|write`.",
        "expires_at": "When the token stops working; null when it does not expire.",
        "last_used_at": "When the token was last used.",
        "revoked_at": "When the token was revoked; null while it works.",
        "rate_limit_per_minute": "The token's own request limit per minute; null for the server's default.",
    },
)


@strawberry.type
class Query:
    @scoped_field(
        scope="tokens:read",
        description="API tokens, by id.",
        args={"include_revoked": "Also list revoked tokens."},
    )
    async def tokens(
        self,
        info: strawberry.Info,
        limit: Limit = 100,
        offset: Offset = None,
        page_number: PageNumber = None,
        include_revoked: bool = False,
    ) -> Page[TokenType] | None:
        rows, total = await ctx(info).call(
            service.list_tokens,
            paging(limit, offset, page_number),
            include_revoked=include_revoked,
        )
        return page(presenter.tokens(rows), total)
