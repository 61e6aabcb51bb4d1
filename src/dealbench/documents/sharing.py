"""Documents shared with the buyer: the seller marks a document of a deal's file center
(``sharedWithBuyer``), and the buyer portal of the deal's plan lists it and serves its current
version. Nothing else of a project reaches a buyer."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from dealbench.auth.principal import Principal
from dealbench.documents import presenter
from dealbench.documents.files import get_document
from dealbench.documents.repository import SharedDocuments
from dealbench.events import outbox
from dealbench.kit.db import utcnow
from dealbench.kit.errors import NotFound
from dealbench.kit.locks import Lock
from dealbench.kit.repository import Tenant
from dealbench.models import Document, DocumentVersion


async def set_shared(
    session: AsyncSession, principal: Principal, project_id: int, document_id: int, shared: bool
) -> Document:
    """Share a document with the buyer, or stop sharing it (write capability on the project)."""
    _, doc = await get_document(session, principal, project_id, document_id, write=True, lock=Lock.UPDATE)
    if doc.shared_with_buyer != shared:
        doc.shared_with_buyer = shared
        doc.updated_at = utcnow()
        await session.flush()
        await outbox.record(session, principal, "document.updated", presenter.document(doc))
    return doc


async def shared_of_deal(session: AsyncSession, tenant: Tenant, deal_id: int) -> list[Document]:
    """The documents of the deal's projects marked as shared, by name."""
    return await SharedDocuments(session, tenant).of_deal(deal_id)


async def shared_version(
    session: AsyncSession, tenant: Tenant, deal_id: int, document_id: int
) -> tuple[Document, DocumentVersion]:
    """A shared document of the deal and its current version (404 for anything else)."""
    found = await SharedDocuments(session, tenant).current_version(deal_id, document_id)
    if found is None:
        raise NotFound("Document not found.")
    return found
