"""The versions of a document: immutable, numbered from 1; the newest one left is current."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from dealbench.auth.principal import Principal
from dealbench.documents import activity, presenter
from dealbench.documents.files import get_document
from dealbench.documents.repository import VersionRepository
from dealbench.events import outbox
from dealbench.kit.db import utcnow
from dealbench.kit.errors import Conflict, NotFound
from dealbench.kit.locks import Lock
from dealbench.kit.pagination import ListParams
from dealbench.models import Document, DocumentVersion


def adopt(doc: Document, version: DocumentVersion) -> None:
    """Make ``version`` the document's current one (its facts are copied onto the document)."""
    doc.current_version_id = version.id
    doc.file_name = version.file_name
    doc.content_type = version.content_type
    doc.size = version.size
    doc.sha256 = version.sha256
    doc.md5 = version.md5


async def list_versions(
    session: AsyncSession, principal: Principal, project_id: int, document_id: int, params: ListParams
) -> tuple[Document, list[Any], int]:
    """The document and a page of its versions (rows of the presenter's columns), oldest first."""
    project, doc = await get_document(session, principal, project_id, document_id)
    rows, total = await VersionRepository(session, principal, project).page(doc, params)
    return doc, rows, total


async def delete_version(
    session: AsyncSession, principal: Principal, project_id: int, document_id: int, version_id: int
) -> tuple[Document, list[str]]:
    """Delete one version (409 for the only one); the newest remaining becomes current. Returns the
    document and the digest to collect after the commit."""
    project, doc = await get_document(
        session, principal, project_id, document_id, write=True, lock=Lock.UPDATE
    )
    versions = await VersionRepository(session, principal, project).of_document(doc)
    target = next((v for v in versions if v.id == version_id), None)
    if target is None:
        raise NotFound("Document version not found.")
    if len(versions) == 1:
        raise Conflict("You cannot delete the only version of a document")
    remaining = [v for v in versions if v.id != target.id]
    if doc.current_version_id == target.id:
        adopt(doc, remaining[-1])
    doc.version_count = len(remaining)
    doc.updated_at = utcnow()
    activity.record(
        session,
        principal,
        project,
        "DELETE_VERSION",
        document_id=doc.id,
        version_id=target.id,
        number=target.number,
    )
    await session.delete(target)
    await session.flush()
    await outbox.record(session, principal, "document.updated", presenter.document(doc))
    return doc, [target.sha256]
