"""Documents of a project: listing, reading, moving, editing their fields, deleting, and reading
their content (a download is recorded in the project's activity).

A document is a container of immutable versions (:mod:`dealbench.documents.versions`); the current
version's facts are copied onto it. New documents and versions arrive through
:mod:`dealbench.documents.uploads`. A blob is removed only when no version uses it: the deletions
here answer the SHA-256 digests that may have become unreferenced, collected after the commit
(:func:`dealbench.documents.storage.collect_blobs`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from dealbench.auth.principal import Principal
from dealbench.documents import activity, fields, presenter
from dealbench.documents.folders import is_root, resolve_folder
from dealbench.documents.repository import (
    DocumentFilters,
    DocumentRepository,
    FieldRepository,
    ProjectRepository,
    VersionRepository,
)
from dealbench.events import outbox
from dealbench.kit.db import utcnow
from dealbench.kit.errors import Forbidden, NotFound, ValidationFailed
from dealbench.kit.locks import Lock
from dealbench.kit.pagination import ListParams
from dealbench.models import Document, DocumentVersion, Project


def parse_after_date(value: str | None) -> datetime | None:
    """``afterDate``: an ISO date (midnight UTC) or date-time (UTC when it has no offset); else 400."""
    if value is None:
        return None
    text = value.strip()
    try:
        if len(text) == 10:
            d = date.fromisoformat(text)
            return datetime(d.year, d.month, d.day, tzinfo=UTC)
        if len(text) < 11 or text[10] not in "Tt ":
            raise ValueError(text)
        parsed = datetime.fromisoformat(text.replace("z", "Z").replace("Z", "+00:00"))
    except ValueError:
        raise ValidationFailed.at(
            ["afterDate"],
            "Invalid timestamp format: use an ISO 8601 date (2025-01-31) or date-time (2025-01-31T12:00:00Z).",
            code="invalid_date",
        ) from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


async def list_documents(
    session: AsyncSession,
    principal: Principal,
    project_id: int,
    params: ListParams,
    *,
    after: datetime | None = None,
    folder_ref: str | None = None,
) -> tuple[list[Any], int]:
    """A page of the project's documents (rows of the presenter's columns), in id order: those
    directly in a folder (``folder_ref``: id, path, name or root), created or modified ``after``."""
    project = (await ProjectRepository(session, principal).open(project_id)).project
    filters = DocumentFilters()
    if folder_ref is not None:
        if is_root(folder_ref):
            filters = DocumentFilters(root=True)
        else:
            folder = await resolve_folder(session, principal, project, folder_ref)
            filters = DocumentFilters(folder_id=folder.id)
    if after is not None:
        # Created or modified after (updated_at is never before created_at), at the millisecond
        # resolution of the timestamps the API shows: a document shown at T is not "after T".
        threshold = after.replace(microsecond=after.microsecond // 1000 * 1000) + timedelta(milliseconds=1)
        filters = DocumentFilters(folder_id=filters.folder_id, root=filters.root, since=threshold)
    return await DocumentRepository(session, principal, project).page(filters, params)


async def get_document(
    session: AsyncSession,
    principal: Principal,
    project_id: int,
    document_id: int,
    *,
    write: bool = False,
    lock: Lock | None = None,
) -> tuple[Project, Document]:
    """The project (``Lock.SHARE`` when ``write``), then the document (``lock``: see kit.locks)."""
    project = (await ProjectRepository(session, principal).open(project_id, write=write)).project
    doc = await DocumentRepository(session, principal, project).one(document_id, lock=lock)
    return project, doc


async def move_document(
    session: AsyncSession, principal: Principal, project_id: int, document_id: int, folder_ref: str
) -> Document:
    """Move a document into a folder (id or path; the root for ``root`` or ``0``)."""
    project = (await ProjectRepository(session, principal).open(project_id, write=True)).project
    target: int | None = None
    if not is_root(folder_ref):
        # The folder before the document: a recursive folder deletion locks them in that order.
        target = (await resolve_folder(session, principal, project, folder_ref, lock=Lock.SHARE)).id
    _, doc = await get_document(session, principal, project_id, document_id, write=True, lock=Lock.UPDATE)
    if doc.folder_id != target:
        activity.record(
            session,
            principal,
            project,
            "MOVE",
            document_id=doc.id,
            fromFolderId=doc.folder_id,
            toFolderId=target,
        )
        doc.folder_id = target
        doc.updated_at = utcnow()
        await session.flush()
        await outbox.record(session, principal, "document.updated", presenter.document(doc))
    return doc


async def delete_document(
    session: AsyncSession, principal: Principal, project_id: int, document_id: int
) -> tuple[Document, list[str]]:
    """Delete a document and its versions; returns the digests to collect after the commit."""
    project, doc = await get_document(
        session, principal, project_id, document_id, write=True, lock=Lock.DELETE
    )
    digests = await VersionRepository(session, principal, project).digests([doc.id])
    activity.record(
        session, principal, project, "DELETE", document_id=doc.id, name=doc.name, folderId=doc.folder_id
    )
    documents = DocumentRepository(session, principal, project)
    await documents.forget_duplicates_of([doc.id])
    await documents.remove_versions([doc.id])
    await documents.delete(doc)
    await session.flush()
    await outbox.record(session, principal, "document.deleted", presenter.document(doc))
    return doc, digests


async def set_field(
    session: AsyncSession, principal: Principal, project_id: int, document_id: int, field_ref: str, value: Any
) -> Document:
    """Set a field's value (validated by its type; ``None`` clears); standard fields ``name``,
    ``date`` and ``description`` are editable too. A change is recorded in the activity."""
    project, doc = await get_document(
        session, principal, project_id, document_id, write=True, lock=Lock.UPDATE
    )
    own = [] if fields.is_standard(field_ref) else await FieldRepository(session, principal, project).all()
    before = presenter.document_fields(doc)
    fid = fields.apply_field(doc, own, field_ref, value, ["value"])
    after = presenter.document_fields(doc)
    if before.get(fid) != after.get(fid):
        activity.record(
            session,
            principal,
            project,
            "FIELD_CHANGE",
            document_id=doc.id,
            fieldId=fid,
            before=before.get(fid),
            after=after.get(fid),
        )
        doc.updated_at = utcnow()
        await session.flush()
        await outbox.record(session, principal, "document.updated", presenter.document(doc))
    await session.flush()
    return doc


# ----------------------------------------------------------------------------- content


@dataclass(frozen=True, slots=True)
class Content:
    """A version whose content the caller may download."""

    project: Project
    document: Document
    version: DocumentVersion


async def get_content(
    session: AsyncSession, principal: Principal, project_id: int, document_id: int, version_id: int | None
) -> Content:
    """A version of the document (default: the current one); 403 when the project's setting
    apiDownloadEnabled is off (the metadata stays readable)."""
    project, doc = await get_document(session, principal, project_id, document_id)
    if not project.api_download_enabled:
        raise Forbidden(
            "Downloading documents through the API is disabled for this project (setting apiDownloadEnabled)."
        )
    wanted = version_id if version_id is not None else doc.current_version_id
    version = await VersionRepository(session, principal, project).of(doc, wanted)
    if version is None:
        raise NotFound("Document version not found.")
    return Content(project, doc, version)


async def record_download(session: AsyncSession, principal: Principal, content: Content) -> None:
    """A download of a version: one DOWNLOAD entry in the project's activity.

    Reading the metadata is not a download, nor is a request that only asks about the content
    (``HEAD``, a matching ``If-None-Match``) or resumes a download (a range past the first byte):
    the adapter records a download when it starts sending the content from its first byte.
    """
    activity.record(
        session,
        principal,
        content.project,
        "DOWNLOAD",
        document_id=content.document.id,
        version_id=content.version.id,
    )
