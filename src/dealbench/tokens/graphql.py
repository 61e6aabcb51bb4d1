"""API tokens in the GraphQL dialect: ``tokens`` (scope ``tokens:read``). Admins see every token of
the organization; other users see their own (the service decides)."""

from __future__ import annotations

from typing import Any

import strawberry

from dealbench.kit.graphql.context import ctx
from dealbench.kit.graphql.fields import scoped_field
from dealbench.kit.graphql.generate import output_type
from dealbench.kit.graphql.types import Limit, Offset, Page, PageNumber, page, paging
from dealbench.tokens import presenter, service
from dealbench.tokens.schemas import TokenOut

TokenType: Any = output_type(TokenOut, "ApiToken", description="A token; its plaintext is never shown again.")


@strawberry.type
class Query:
    @scoped_field(scope="tokens:read", description="API tokens, by id.")
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
