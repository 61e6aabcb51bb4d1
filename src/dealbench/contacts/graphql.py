"""Contacts in the GraphQL dialect: ``contacts`` (``contacts:read``)."""

from __future__ import annotations

from typing import Any

import strawberry

from dealbench.contacts import presenter, service
from dealbench.contacts.schemas import ContactOut
from dealbench.kit.graphql.context import ctx
from dealbench.kit.graphql.fields import scoped_field
from dealbench.kit.graphql.generate import output_type
from dealbench.kit.graphql.types import Limit, Offset, Page, PageNumber, page, paging

ContactType: Any = output_type(
    ContactOut,
    "Contact",
    description="A person on the buyer's side of a deal.",
    describe={
        "deal_id": "The id of the deal the contact belongs to.",
        "title": "The contact's job title.",
        "company_name": "The company the contact works for.",
        "account_id": "The account's id in the CRM.",
        "phone": "Phone number.",
        "mobile_phone": "Mobile phone number.",
    },
)


@strawberry.type
class Query:
    @scoped_field(
        scope="contacts:read",
        description="Contacts of the organization's deals, by id.",
        args={"deal_id": "Only the contacts of this deal."},
    )
    async def contacts(
        self,
        info: strawberry.Info,
        limit: Limit = 100,
        offset: Offset = None,
        page_number: PageNumber = None,
        deal_id: int | None = None,
    ) -> Page[ContactType] | None:  # type: ignore[valid-type]
        rows, total = await ctx(info).call(
            service.list_contacts, paging(limit, offset, page_number), deal_id=deal_id
        )
        return page(presenter.contacts(rows), total)
