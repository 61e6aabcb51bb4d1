"""The statements of the contacts domain, each within the caller's organization; and the set-based
merge of imported contacts."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from dealbench.contacts.presenter import CONTACT
from dealbench.kit.pagination import ListParams, PagedQuery
from dealbench.kit.repository import Repository, is_id
from dealbench.models import Contact, Deal


class ContactRepository(Repository[Contact]):
    model = Contact
    what = "Contact"

    async def page(self, params: ListParams, *, deal_id: int | None = None) -> tuple[list[Any], int]:
        """A page of contacts (rows of the presenter's columns, id order) and the total."""
        stmt = self.select(*CONTACT.columns)
        if deal_id is not None:
            stmt = stmt.where(Contact.deal_id == deal_id)
        return await PagedQuery(stmt.order_by(Contact.id)).page(self.session, params)

    async def email_taken(self, email: str, *, except_id: int | None = None) -> bool:
        stmt = self.select(Contact.id).where(Contact.email == email)
        if except_id is not None:
            stmt = stmt.where(Contact.id != except_id)
        return (await self.session.execute(stmt.limit(1))).scalar_one_or_none() is not None

    async def deal_exists(self, deal_id: int) -> bool:
        """Whether the deal a contact names is one of the organization's (deleted ones included)."""
        stmt = select(Deal.id).where(self.owned(Deal), Deal.id == deal_id)
        return is_id(deal_id) and (await self.session.execute(stmt)).scalar_one_or_none() is not None

    # ------------------------------------------------------------------ imports

    #: The key of an imported contact: the email (unique in the organization).
    IMPORT_KEY = ("email",)

    async def merge_import(
        self, stage: str, staged: list[str], update: list[str], *, dedupe: bool = True
    ) -> None:
        """Create or update the contacts of a staging table in one statement, by email
        (:mod:`dealbench.kit.merge`)."""
        await self.merge_staged(stage, staged, update, key=self.IMPORT_KEY, dedupe=dedupe)
