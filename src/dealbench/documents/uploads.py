"""Uploads: a new document, or a new version of one, with duplicate detection.

The content arrives as a :class:`~dealbench.kit.storage.PendingBlob` already hashed (the adapter
streams the body into it); the services here decide (duplicates, folder, fields), then promote the
blob to its content address and record the rows.

Locks, in this order: the project (``Lock.SHARE``), the target folder (``Lock.SHARE``) or the
document replaced (``Lock.UPDATE``), the uploads of the same content into the project (an advisory
lock) and the document it duplicates (``Lock.SHARE``), then the blob (an advisory lock, also taken
by the blob collector).
"""

from __future__ import annotations

import mimetypes
import unicodedata

from sqlalchemy.ext.asyncio import AsyncSession

from dealbench.auth.principal import Principal
from dealbench.documents import activity, fields, presenter
from dealbench.documents.files import get_document
from dealbench.documents.folders import is_root, resolve_folder
from dealbench.documents.repository import (
    BlobRepository,
    DocumentRepository,
    FieldRepository,
    ProjectRepository,
    VersionRepository,
)
from dealbench.documents.versions import adopt
from dealbench.events import outbox
from dealbench.kit.db import utcnow
from dealbench.kit.errors import Conflict, NotFound, ValidationFailed
from dealbench.kit.locks import Lock
from dealbench.kit.storage import BlobInfo, PendingBlob
from dealbench.models import Document, DocumentVersion, Project

#: A candidate deleted while we looked is looked for again, this many times at most.
_DUPLICATE_ATTEMPTS = 10


async def check_upload(
    session: AsyncSession, principal: Principal, project_id: int, document_id: int | None = None
) -> None:
    """Refuse an upload before its body is read: the project (and the document replaced) must exist
    for the caller, with write access (404, 403)."""
    if document_id is None:
        await ProjectRepository(session, principal).open(project_id, write=True)
    else:
        await get_document(session, principal, project_id, document_id, write=True)


def clean_content_type(raw: str | None, file_name: str) -> str:
    """The type the client sent, or one guessed from the file's name (for none, a generic one or
    anything that is not a media type)."""
    value = (raw or "").strip()
    if (
        not value
        or value.lower() == "application/octet-stream"
        or len(value) > 255
        or "/" not in value
        or any(unicodedata.category(ch) == "Cc" for ch in value)
    ):
        guessed, _ = mimetypes.guess_type(file_name, strict=False)
        return guessed or "application/octet-stream"
    return value


async def _duplicate_of(
    session: AsyncSession,
    principal: Principal,
    project: Project,
    info: BlobInfo,
    *,
    exclude_document: int | None = None,
) -> int | None:
    """The first other document of the project with this content, or None.

    Uploads of the same content into one project are serialized from here to their commit: the
    second of two concurrent identical uploads sees the first. The document found is held
    (``Lock.SHARE``) until commit, so a deletion of it waits for this upload and then clears the
    reference (``ON DELETE SET NULL``); one deleted meanwhile is skipped, and the next candidate is
    looked for.
    """
    versions = VersionRepository(session, principal, project)
    documents = DocumentRepository(session, principal, project)
    await versions.lock_content(info.sha256)
    for _ in range(_DUPLICATE_ATTEMPTS):
        candidate = await versions.first_with_content(info.size, info.sha256, other_than=exclude_document)
        if candidate is None:
            return None
        if await documents.lock_rows(Document.id == candidate, lock=Lock.SHARE):
            return candidate
    return None


def _new_version(
    principal: Principal, doc: Document, number: int, file_name: str, content_type: str, info: BlobInfo
) -> DocumentVersion:
    return DocumentVersion(
        document_id=doc.id,
        number=number,
        file_name=file_name,
        content_type=content_type,
        size=info.size,
        sha256=info.sha256,
        md5=info.md5,
        storage_key=info.key,
        created_by_user_id=principal.acting_user_id,
    )


def _unknown_fields(form: dict[str, str], allowed: set[str], expected: str) -> None:
    unknown = sorted(set(form) - allowed - {"access_token"})
    if unknown:
        raise ValidationFailed.at([unknown[0]], f"Unknown form field '{unknown[0]}' (expected {expected}).")


async def create_document(
    session: AsyncSession,
    principal: Principal,
    project_id: int,
    blob: PendingBlob,
    *,
    file_name: str,
    content_type: str | None,
    form: dict[str, str],
    reject_duplicate: bool = False,
) -> Document:
    """Record an uploaded document (form fields ``folderId``, ``name``, ``fields``); the blob is
    promoted only when everything else is valid."""
    _unknown_fields(form, {"folderId", "name", "fields"}, "file, folderId, name, fields")
    project = (await ProjectRepository(session, principal).open(project_id, write=True)).project
    folder_id: int | None = None
    folder_ref = form.get("folderId")
    if folder_ref is not None and folder_ref.strip() and not is_root(folder_ref):
        try:
            folder_id = (await resolve_folder(session, principal, project, folder_ref, lock=Lock.SHARE)).id
        except NotFound:
            raise ValidationFailed.at(["folderId"], f"No folder '{folder_ref}' in this project.") from None
    original = fields.clean_name(file_name, fallback="upload")
    name = fields.clean_name(form.get("name"), fallback=original)
    values = fields.parse_fields_form(form.get("fields"))
    await blob.close()
    info = blob.info
    assert info is not None
    duplicate = await _duplicate_of(session, principal, project, info)
    if duplicate is not None and reject_duplicate:
        raise Conflict(f"Duplicate of document {duplicate}: same size and content.", headers={})
    now = utcnow()
    doc = Document(
        folder_id=folder_id,
        name=name,
        file_name=original,
        content_type=clean_content_type(content_type, original),
        size=info.size,
        sha256=info.sha256,
        md5=info.md5,
        version_count=1,
        duplicate_of_document_id=duplicate,
        field_values={},
        created_by_user_id=principal.acting_user_id,
        created_at=now,
        updated_at=now,
    )
    if values:
        own = await FieldRepository(session, principal, project).all()
        for ref, value in values.items():
            try:
                fields.apply_field(doc, own, str(ref), value, ["fields", str(ref)])
            except NotFound as exc:
                raise ValidationFailed.at(["fields", str(ref)], exc.message) from None
    await BlobRepository(session).lock(info.sha256)
    await blob.promote()
    DocumentRepository(session, principal, project).add(doc)
    await session.flush()
    version = VersionRepository(session, principal, project).add(
        _new_version(principal, doc, 1, original, doc.content_type, info)
    )
    await session.flush()
    doc.current_version_id = version.id
    activity.record(
        session,
        principal,
        project,
        "UPLOAD",
        document_id=doc.id,
        version_id=version.id,
        name=doc.name,
        size=info.size,
        sha256=info.sha256,
        folderId=folder_id,
    )
    await session.flush()
    await outbox.record(session, principal, "document.created", presenter.document(doc))
    return doc


async def replace_document(
    session: AsyncSession,
    principal: Principal,
    project_id: int,
    document_id: int,
    blob: PendingBlob,
    *,
    file_name: str,
    content_type: str | None,
    form: dict[str, str],
    reject_duplicate: bool = False,
) -> Document:
    """Add a new current version; older versions stay available."""
    _unknown_fields(form, set(), "file")
    project, doc = await get_document(
        session, principal, project_id, document_id, write=True, lock=Lock.UPDATE
    )
    await blob.close()
    info = blob.info
    assert info is not None
    duplicate = await _duplicate_of(session, principal, project, info, exclude_document=doc.id)
    if duplicate is not None and reject_duplicate:
        raise Conflict(f"Duplicate of document {duplicate}: same size and content.")
    original = fields.clean_name(file_name, fallback="upload")
    versions = VersionRepository(session, principal, project)
    number = await versions.last_number(doc)
    await BlobRepository(session).lock(info.sha256)
    await blob.promote()
    version = versions.add(
        _new_version(principal, doc, number + 1, original, clean_content_type(content_type, original), info)
    )
    await session.flush()
    adopt(doc, version)
    doc.version_count += 1
    doc.duplicate_of_document_id = duplicate
    doc.updated_at = utcnow()
    activity.record(
        session,
        principal,
        project,
        "REPLACE",
        document_id=doc.id,
        version_id=version.id,
        number=version.number,
        size=info.size,
        sha256=info.sha256,
    )
    await session.flush()
    await outbox.record(session, principal, "document.updated", presenter.document(doc))
    return doc
