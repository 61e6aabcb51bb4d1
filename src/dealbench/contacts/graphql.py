"""Contacts in the GraphQL dialect: ``contacts`` (``contacts:read``)."""

from __future__ import annotations

from typing import Any

import strawberry

from dealbench.contacts import presenter, service
from dealbench.contacts.schemas import ContactOut
from dealbench.kit.graphql.context import ctx
from dealbench.kit.graphql.fields import scoped_field
from dealbench.kit.graphql.generate import output_type
from dealbench.kit.graphql.types import Page, page, paging

ContactType: Any = output_type(ContactOut, "Contact")


@strawberry.type
class Query:
    @scoped_field(scope="contacts:read", description="Contacts of the organization's deals, by id.")
    async def contacts(
        self,
        info: strawberry.Info,
        limit: int | None = 100,
        offset: int | None = 0,
        deal_id: int | None = None,
    ) -> Page[ContactType] | None:  # type: ignore[valid-type]
        rows, total = await ctx(info).call(service.list_contacts, paging(limit, offset), deal_id=deal_id)
        return page(presenter.contacts(rows), total)
