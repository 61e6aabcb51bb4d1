"""Folders, documents and their versions, field values, content.

Uploads arrive as a :class:`~dealbench.kit.storage.PendingBlob` already hashed (the router streams
the body into it); the services here decide (duplicates, folder, fields), then promote the blob to
its content address and record the rows. A blob is removed only when no version uses it: callers
get the SHA-256 digests that may have become unreferenced and collect them after the commit.
"""

from __future__ import annotations

import mimetypes
import unicodedata
from datetime import UTC, date, datetime, timedelta
from typing import Any

import orjson
from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from dealbench.auth.principal import Principal
from dealbench.documents import service
from dealbench.documents.schemas import FolderCreate
from dealbench.kit.db import utcnow
from dealbench.kit.errors import Conflict, Forbidden, NotFound, ValidationFailed
from dealbench.kit.pagination import ListParams
from dealbench.kit.storage import PendingBlob
from dealbench.kit.tenancy import Lock, in_tenant, lock_rows, locked
from dealbench.kit.text import NUL_MESSAGE, find_nul
from dealbench.kit.uploads import base_name
from dealbench.models import Document, DocumentVersion, FieldType, Folder, Project, ProjectField

PATH_MAX = 2000
ROOT_REFS = {"0", "root", "/"}

# ----------------------------------------------------------------------------- folders


async def list_folders(
    session: AsyncSession, principal: Principal, project_id: int, params: ListParams
) -> tuple[list[Folder], int]:
    project = await service.get_project(session, principal, project_id)
    base = in_tenant(Folder, principal.organization_id).where(Folder.project_id == project.id)
    total = (await session.execute(select(func.count()).select_from(base.subquery()))).scalar_one()
    rows = await session.execute(base.order_by(Folder.id).limit(params.limit).offset(params.offset))
    return list(rows.scalars()), total


async def resolve_folder(
    session: AsyncSession, project: Project, ref: str, *, lock: Lock | None = None
) -> Folder:
    """A folder of the project by id, by path (``Contracts/Signed``) or by a name that is unique.

    A write that puts something in the folder passes ``Lock.SHARE``: the folder cannot be deleted
    before that write commits (a deletion waits, then sees what was added).
    """
    base = select(Folder).where(Folder.project_id == project.id)
    ref = ref.strip()
    if ref.isascii() and ref.isdigit() and int(ref) <= 2**31 - 1:
        folder = (await session.execute(locked(base.where(Folder.id == int(ref)), lock))).scalar_one_or_none()
        if folder is not None:
            return folder
    path = ref.strip("/")
    if path:
        folder = (await session.execute(locked(base.where(Folder.path == path), lock))).scalar_one_or_none()
        if folder is not None:
            return folder
        if "/" not in path:
            named = list(
                (
                    await session.execute(
                        locked(base.where(Folder.name == path).order_by(Folder.id).limit(2), lock)
                    )
                ).scalars()
            )
            if len(named) == 1:
                return named[0]
            if len(named) > 1:
                raise Conflict(f"Several folders are named '{path}': use the folder's id or path.")
    raise NotFound("Folder not found.")


async def get_folder(session: AsyncSession, principal: Principal, project_id: int, ref: str) -> Folder:
    project = await service.get_project(session, principal, project_id)
    return await resolve_folder(session, project, ref)


async def create_folder(
    session: AsyncSession, principal: Principal, project_id: int, data: FolderCreate
) -> Folder:
    project = await service.get_project(session, principal, project_id, write=True)
    parent: Folder | None = None
    if data.parent_id is not None:
        parent = (
            await session.execute(
                locked(
                    select(Folder).where(Folder.project_id == project.id, Folder.id == data.parent_id),
                    Lock.SHARE,
                )
            )
        ).scalar_one_or_none()
        if parent is None:
            raise ValidationFailed.at(["parentId"], f"No folder {data.parent_id} in this project.")
    path = f"{parent.path}/{data.name}" if parent else data.name
    if len(path) > PATH_MAX:
        raise ValidationFailed.at(["name"], f"The folder's path would exceed {PATH_MAX} characters.")
    taken = await session.execute(
        select(Folder.id).where(Folder.project_id == project.id, Folder.path == path)
    )
    if taken.first() is not None:
        raise Conflict(f"A folder named '{data.name}' already exists here.")
    folder = Folder(
        organization_id=principal.organization_id,
        project_id=project.id,
        parent_id=parent.id if parent else None,
        name=data.name,
        path=path,
    )
    try:
        async with session.begin_nested():
            session.add(folder)
    except IntegrityError as exc:
        raise Conflict(f"A folder named '{data.name}' already exists here.") from exc
    return folder


def _subtree(folder: Folder) -> Any:
    """The folder and its descendants (by path prefix, safe for any character in names)."""
    prefix = folder.path + "/"
    return select(Folder.id).where(
        Folder.project_id == folder.project_id,
        (Folder.id == folder.id) | (func.substr(Folder.path, 1, len(prefix)) == prefix),
    )


async def delete_folder(
    session: AsyncSession, principal: Principal, project_id: int, ref: str, *, recursive: bool
) -> tuple[Folder, list[str]]:
    """Delete a folder (409 when it holds anything, unless ``recursive``); returns the digests to collect."""
    project = await service.get_project(session, principal, project_id, write=True)
    folder = await resolve_folder(session, project, ref)
    # The whole subtree, then its documents, each set in id order: uploads, moves and new
    # subfolders that hold Lock.SHARE on a folder of it finish first, and are seen below.
    ids = [
        f.id
        for f in await lock_rows(
            session, Folder, principal.organization_id, Folder.id.in_(_subtree(folder)), lock=Lock.DELETE
        )
    ]
    if folder.id not in ids:
        raise NotFound("Folder not found.")
    docs = list(
        await lock_rows(
            session, Document, principal.organization_id, Document.folder_id.in_(ids), lock=Lock.DELETE
        )
    )
    if not recursive and (len(ids) > 1 or docs):
        raise Conflict(
            f"The folder is not empty ({len(ids) - 1} folder(s), {len(docs)} document(s)): "
            "delete its content first or pass ?recursive=true."
        )
    digests: list[str] = []
    if docs:
        doc_ids = [d.id for d in docs]
        digests = list(
            (
                await session.execute(
                    select(DocumentVersion.sha256).where(DocumentVersion.document_id.in_(doc_ids)).distinct()
                )
            ).scalars()
        )
        for doc in docs:
            service.record(
                session,
                principal,
                project.id,
                "DELETE",
                document_id=doc.id,
                name=doc.name,
                folderId=doc.folder_id,
            )
        await session.execute(
            update(Document)
            .where(Document.duplicate_of_document_id.in_(doc_ids))
            .values(duplicate_of_document_id=None)
        )
        await session.execute(delete(DocumentVersion).where(DocumentVersion.document_id.in_(doc_ids)))
        await session.execute(delete(Document).where(Document.id.in_(doc_ids)))
    await session.execute(delete(Folder).where(Folder.id == folder.id))
    await session.flush()
    return folder, digests


# ----------------------------------------------------------------------------- documents


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
) -> tuple[list[Document], int]:
    project = await service.get_project(session, principal, project_id)
    base = in_tenant(Document, principal.organization_id).where(Document.project_id == project.id)
    if folder_ref is not None:
        if folder_ref.strip().lower() in ROOT_REFS:
            base = base.where(Document.folder_id.is_(None))
        else:
            folder = await resolve_folder(session, project, folder_ref)
            base = base.where(Document.folder_id == folder.id)
    if after is not None:
        # Created or modified after (updated_at is never before created_at), at the millisecond
        # resolution of the timestamps the API shows: a document shown at T is not "after T".
        threshold = after.replace(microsecond=after.microsecond // 1000 * 1000) + timedelta(milliseconds=1)
        base = base.where(Document.updated_at >= threshold)
    total = (await session.execute(select(func.count()).select_from(base.subquery()))).scalar_one()
    rows = await session.execute(base.order_by(Document.id).limit(params.limit).offset(params.offset))
    return list(rows.scalars()), total


async def get_document(
    session: AsyncSession,
    principal: Principal,
    project_id: int,
    document_id: int,
    *,
    write: bool = False,
    lock: Lock | None = None,
) -> tuple[Project, Document]:
    """The project (``Lock.SHARE`` when ``write``), then the document (``lock``: see kit.tenancy)."""
    project = await service.get_project(session, principal, project_id, write=write)
    doc = (
        await session.execute(
            locked(
                in_tenant(Document, principal.organization_id).where(
                    Document.project_id == project.id, Document.id == document_id
                ),
                lock,
            )
        )
    ).scalar_one_or_none()
    if doc is None:
        raise NotFound("Document not found.")
    return project, doc


def clean_name(raw: str | None, *, fallback: str, path: list[str | int]) -> str:
    """A document name: a base name (never a path), 1..255 characters, no control characters."""
    if raw is None or not raw.strip():
        raw = fallback
    name = base_name(raw)
    name = "".join(ch for ch in name if unicodedata.category(ch) != "Cc").strip() or "upload"
    if len(name) > 255:
        stem, dot, ext = name.rpartition(".")
        keep_ext = bool(dot) and 0 < len(ext) <= 16
        name = stem[: 255 - len(ext) - 1] + "." + ext if keep_ext else name[:255]
    return name


def clean_content_type(raw: str | None, file_name: str) -> str:
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


async def _project_fields(session: AsyncSession, project: Project) -> list[ProjectField]:
    rows = await session.execute(select(ProjectField).where(ProjectField.project_id == project.id))
    return list(rows.scalars())


def _find_field(fields: list[ProjectField], ref: str) -> ProjectField | None:
    for f in fields:
        if str(f.id) == ref:
            return f
    for f in fields:
        if f.name.lower() == ref.lower():
            return f
    return None


_STANDARD = {fid: (ftype, ro) for fid, _, ftype, ro in service.STANDARD_FIELDS}
_STANDARD_BY_NAME = {name.lower(): fid for fid, name, _, _ in service.STANDARD_FIELDS}


def _apply_field(
    doc: Document, fields: list[ProjectField], ref: str, value: Any, path: list[str | int]
) -> str:
    """Set one field of ``doc`` (standard or user-defined); returns the field's id."""
    fid = ref if ref in _STANDARD else _STANDARD_BY_NAME.get(ref.lower())
    try:
        if fid is not None:
            ftype, read_only = _STANDARD[fid]
            if read_only:
                raise ValidationFailed.at(path, f"The standard field '{fid}' is read-only.")
            checked = service.validate_field_value(ftype, None, value)
            if fid == "name":
                if checked is None or not str(checked).strip():
                    raise ValidationFailed.at(path, "A document needs a name.")
                doc.name = clean_name(checked, fallback=doc.name, path=path)
            elif fid == "date":
                doc.document_date = checked
            else:
                doc.description = checked
            return fid
        field = _find_field(fields, ref)
        if field is None:
            raise NotFound(f"Field '{ref}' not found in this project.")
        checked = service.validate_field_value(FieldType(field.type), field.options, value)
    except ValidationFailed as exc:
        for issue in exc.issues:
            if issue.get("path") == ["value"]:
                issue["path"] = path
        raise
    values = dict(doc.field_values or {})
    if checked is None:
        values.pop(str(field.id), None)
    else:
        values[str(field.id)] = checked
    doc.field_values = values
    return str(field.id)


def _parse_fields_form(raw: str | None) -> dict[str, Any]:
    if raw is None or not raw.strip():
        return {}
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise ValidationFailed.at(["fields"], f"Malformed JSON in 'fields': {exc}") from None
    if not isinstance(data, dict):
        raise ValidationFailed.at(
            ["fields"],
            "'fields' must be a JSON object of field id (or name) to value.",
            code="invalid_type",
            expected="object",
            received="array" if isinstance(data, list) else type(data).__name__,
        )
    where = find_nul(data)
    if where is not None:
        raise ValidationFailed.at(["fields", *where], NUL_MESSAGE)
    return data


#: ``pg_advisory_xact_lock(DUPLICATE_LOCK_CLASS, <32 bits of project and digest>)``
DUPLICATE_LOCK_CLASS = 0x647570  # "dup"
#: A candidate deleted while we looked is looked for again, this many times at most.
_DUPLICATE_ATTEMPTS = 10


async def _duplicate_of(
    session: AsyncSession,
    principal: Principal,
    project: Project,
    size: int,
    sha256: str,
    *,
    exclude_document: int | None = None,
) -> int | None:
    """The first other document of the project with this content, or None.

    Uploads of the same content into one project are serialized from here to their commit (a
    PostgreSQL transaction-level advisory lock keyed on project and digest; on SQLite the write
    transaction already is): the second of two concurrent identical uploads sees the first. The
    document found is held (``Lock.SHARE``) until commit, so a deletion of it waits for this
    upload and then clears the reference (``ON DELETE SET NULL``); one deleted meanwhile is
    skipped, and the next candidate is looked for.
    """
    if session.get_bind().dialect.name == "postgresql":
        key = (int(sha256[:8], 16) ^ (project.id * 0x9E3779B1)) & 0xFFFFFFFF
        await session.execute(select(func.pg_advisory_xact_lock(DUPLICATE_LOCK_CLASS, key - 2**31)))
    stmt = select(DocumentVersion.document_id).where(
        DocumentVersion.project_id == project.id,
        DocumentVersion.sha256 == sha256,
        DocumentVersion.size == size,
    )
    if exclude_document is not None:
        stmt = stmt.where(DocumentVersion.document_id != exclude_document)
    stmt = stmt.order_by(DocumentVersion.document_id).limit(1)
    for _ in range(_DUPLICATE_ATTEMPTS):
        candidate = (await session.execute(stmt)).scalar_one_or_none()
        if candidate is None:
            return None
        held = await lock_rows(
            session, Document, principal.organization_id, Document.id == candidate, lock=Lock.SHARE
        )
        if held:
            return candidate
    return None


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
    """Record an uploaded document; the blob is promoted only when everything else is valid."""
    unknown = sorted(set(form) - {"folderId", "name", "fields", "access_token"})
    if unknown:
        raise ValidationFailed.at(
            [unknown[0]], f"Unknown form field '{unknown[0]}' (expected file, folderId, name, fields)."
        )
    project = await service.get_project(session, principal, project_id, write=True)
    folder_id: int | None = None
    folder_ref = form.get("folderId")
    if folder_ref is not None and folder_ref.strip() and folder_ref.strip().lower() not in ROOT_REFS:
        try:
            folder_id = (await resolve_folder(session, project, folder_ref, lock=Lock.SHARE)).id
        except NotFound:
            raise ValidationFailed.at(["folderId"], f"No folder '{folder_ref}' in this project.") from None
    original = clean_name(file_name, fallback="upload", path=["file"])
    name = clean_name(form.get("name"), fallback=original, path=["name"])
    values = _parse_fields_form(form.get("fields"))
    await blob.close()
    info = blob.info
    assert info is not None
    duplicate = await _duplicate_of(session, principal, project, info.size, info.sha256)
    if duplicate is not None and reject_duplicate:
        raise Conflict(f"Duplicate of document {duplicate}: same size and content.", headers={})
    now = utcnow()
    doc = Document(
        organization_id=principal.organization_id,
        project_id=project.id,
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
        fields = await _project_fields(session, project)
        for ref, value in values.items():
            try:
                _apply_field(doc, fields, str(ref), value, ["fields", str(ref)])
            except NotFound as exc:
                raise ValidationFailed.at(["fields", str(ref)], exc.message) from None
    await lock_blob(session, info.sha256)
    await blob.promote()
    session.add(doc)
    await session.flush()
    version = _new_version(principal, doc, 1, original, doc.content_type, info)
    session.add(version)
    await session.flush()
    doc.current_version_id = version.id
    service.record(
        session,
        principal,
        project.id,
        "UPLOAD",
        document_id=doc.id,
        version_id=version.id,
        name=doc.name,
        size=info.size,
        sha256=info.sha256,
        folderId=folder_id,
    )
    await session.flush()
    return doc


def _new_version(
    principal: Principal, doc: Document, number: int, file_name: str, content_type: str, info: Any
) -> DocumentVersion:
    return DocumentVersion(
        organization_id=principal.organization_id,
        project_id=doc.project_id,
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


def _adopt(doc: Document, version: DocumentVersion) -> None:
    doc.current_version_id = version.id
    doc.file_name = version.file_name
    doc.content_type = version.content_type
    doc.size = version.size
    doc.sha256 = version.sha256
    doc.md5 = version.md5


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
    unknown = sorted(set(form) - {"access_token"})
    if unknown:
        raise ValidationFailed.at([unknown[0]], f"Unknown form field '{unknown[0]}' (expected file).")
    project, doc = await get_document(
        session, principal, project_id, document_id, write=True, lock=Lock.UPDATE
    )
    await blob.close()
    info = blob.info
    assert info is not None
    duplicate = await _duplicate_of(
        session, principal, project, info.size, info.sha256, exclude_document=doc.id
    )
    if duplicate is not None and reject_duplicate:
        raise Conflict(f"Duplicate of document {duplicate}: same size and content.")
    original = clean_name(file_name, fallback="upload", path=["file"])
    number = (
        await session.execute(
            select(func.max(DocumentVersion.number)).where(DocumentVersion.document_id == doc.id)
        )
    ).scalar_one() or 0
    await lock_blob(session, info.sha256)
    await blob.promote()
    version = _new_version(
        principal, doc, number + 1, original, clean_content_type(content_type, original), info
    )
    session.add(version)
    await session.flush()
    _adopt(doc, version)
    doc.version_count += 1
    doc.duplicate_of_document_id = duplicate
    doc.updated_at = utcnow()
    service.record(
        session,
        principal,
        project.id,
        "REPLACE",
        document_id=doc.id,
        version_id=version.id,
        number=version.number,
        size=info.size,
        sha256=info.sha256,
    )
    await session.flush()
    return doc


async def move_document(
    session: AsyncSession, principal: Principal, project_id: int, document_id: int, folder_ref: str
) -> Document:
    project = await service.get_project(session, principal, project_id, write=True)
    target: int | None = None
    if folder_ref.strip().lower() not in ROOT_REFS:
        # The folder before the document: a recursive folder deletion locks them in that order.
        target = (await resolve_folder(session, project, folder_ref, lock=Lock.SHARE)).id
    _, doc = await get_document(session, principal, project_id, document_id, write=True, lock=Lock.UPDATE)
    if doc.folder_id != target:
        service.record(
            session,
            principal,
            project.id,
            "MOVE",
            document_id=doc.id,
            fromFolderId=doc.folder_id,
            toFolderId=target,
        )
        doc.folder_id = target
        doc.updated_at = utcnow()
        await session.flush()
    return doc


async def delete_document(
    session: AsyncSession, principal: Principal, project_id: int, document_id: int
) -> tuple[Document, list[str]]:
    project, doc = await get_document(
        session, principal, project_id, document_id, write=True, lock=Lock.DELETE
    )
    digests = list(
        (
            await session.execute(
                select(DocumentVersion.sha256).where(DocumentVersion.document_id == doc.id).distinct()
            )
        ).scalars()
    )
    service.record(
        session, principal, project.id, "DELETE", document_id=doc.id, name=doc.name, folderId=doc.folder_id
    )
    await session.execute(
        update(Document)
        .where(Document.duplicate_of_document_id == doc.id)
        .values(duplicate_of_document_id=None)
    )
    await session.execute(delete(DocumentVersion).where(DocumentVersion.document_id == doc.id))
    await session.delete(doc)
    await session.flush()
    return doc, digests


async def list_versions(
    session: AsyncSession, principal: Principal, project_id: int, document_id: int, params: ListParams
) -> tuple[list[dict[str, Any]], int]:
    _, doc = await get_document(session, principal, project_id, document_id)
    base = select(DocumentVersion).where(DocumentVersion.document_id == doc.id)
    total = (await session.execute(select(func.count()).select_from(base.subquery()))).scalar_one()
    rows = await session.execute(base.order_by(DocumentVersion.id).limit(params.limit).offset(params.offset))
    return [version_entry(v, doc) for v in rows.scalars()], total


def version_entry(v: DocumentVersion, doc: Document) -> dict[str, Any]:
    return {
        "id": v.id,
        "document_id": v.document_id,
        "number": v.number,
        "file_name": v.file_name,
        "content_type": v.content_type,
        "size": v.size,
        "sha256": v.sha256,
        "md5": v.md5,
        "created_at": v.created_at,
        "created_by_user_id": v.created_by_user_id,
        "is_current": v.id == doc.current_version_id,
    }


async def delete_version(
    session: AsyncSession, principal: Principal, project_id: int, document_id: int, version_id: int
) -> tuple[Document, list[str]]:
    project, doc = await get_document(
        session, principal, project_id, document_id, write=True, lock=Lock.UPDATE
    )
    versions = list(
        (
            await session.execute(
                select(DocumentVersion)
                .where(DocumentVersion.document_id == doc.id)
                .order_by(DocumentVersion.id)
            )
        ).scalars()
    )
    target = next((v for v in versions if v.id == version_id), None)
    if target is None:
        raise NotFound("Document version not found.")
    if len(versions) == 1:
        raise Conflict("You cannot delete the only version of a document")
    remaining = [v for v in versions if v.id != target.id]
    if doc.current_version_id == target.id:
        _adopt(doc, remaining[-1])
    doc.version_count = len(remaining)
    doc.updated_at = utcnow()
    service.record(
        session,
        principal,
        project.id,
        "DELETE_VERSION",
        document_id=doc.id,
        version_id=target.id,
        number=target.number,
    )
    await session.delete(target)
    await session.flush()
    return doc, [target.sha256]


async def set_field(
    session: AsyncSession, principal: Principal, project_id: int, document_id: int, field_ref: str, value: Any
) -> Document:
    project, doc = await get_document(
        session, principal, project_id, document_id, write=True, lock=Lock.UPDATE
    )
    fields = [] if field_ref in _STANDARD else await _project_fields(session, project)
    before = doc.fields  # type: ignore[attr-defined]
    fid = _apply_field(doc, fields, field_ref, value, ["value"])
    after = doc.fields  # type: ignore[attr-defined]
    if before.get(fid) != after.get(fid):
        service.record(
            session,
            principal,
            project.id,
            "FIELD_CHANGE",
            document_id=doc.id,
            fieldId=fid,
            before=before.get(fid),
            after=after.get(fid),
        )
        doc.updated_at = utcnow()
    await session.flush()
    return doc


async def get_content(
    session: AsyncSession, principal: Principal, project_id: int, document_id: int, version_id: int | None
) -> tuple[Project, Document, DocumentVersion]:
    project, doc = await get_document(session, principal, project_id, document_id)
    if not project.api_download_enabled:
        raise Forbidden(
            "Downloading documents through the API is disabled for this project (setting apiDownloadEnabled)."
        )
    wanted = version_id if version_id is not None else doc.current_version_id
    version = (
        await session.execute(
            select(DocumentVersion).where(DocumentVersion.document_id == doc.id, DocumentVersion.id == wanted)
        )
    ).scalar_one_or_none()
    if version is None:
        raise NotFound("Document version not found.")
    return project, doc, version


#: ``pg_advisory_xact_lock(BLOB_LOCK_CLASS, <32 bits of the digest>)`` guards a blob's life.
BLOB_LOCK_CLASS = 0x646F63  # "doc"


async def lock_blob(session: AsyncSession, sha256: str) -> None:
    """Serialize storing a blob and collecting it, until the transaction ends.

    An upload takes it before promoting its blob, the collector before checking that no version
    uses a blob and deleting it: a collector can never delete a blob an upload is about to
    reference. On SQLite both already run inside a write transaction (one writer at a time).
    """
    if session.get_bind().dialect.name == "postgresql":
        key = int(sha256[:8], 16) - 2**31
        await session.execute(select(func.pg_advisory_xact_lock(BLOB_LOCK_CLASS, key)))


#: ``pg_advisory_xact_lock_shared(COLLECTION_LOCK_CLASS, 0)`` is held by every blob collector.
COLLECTION_LOCK_CLASS = 0x636F6C  # "col"


async def lock_collection(session: AsyncSession, *, exclusive: bool, wait: bool = True) -> bool:
    """Collectors take this lock shared (they never wait for each other); an organization import,
    which stores many blobs before its single commit, takes it exclusively until it commits, so no
    collector deletes a blob the import is about to reference. One lock instead of one per blob:
    an import may store more blobs than PostgreSQL's lock table holds. On SQLite collectors and
    imports run in write transactions already (one writer at a time).

    ``wait=False`` answers at once whether the lock was taken (a collector then waits elsewhere,
    without holding a connection for as long as an import runs).
    """
    if session.get_bind().dialect.name != "postgresql":
        return True
    if wait:
        lock = func.pg_advisory_xact_lock if exclusive else func.pg_advisory_xact_lock_shared
        await session.execute(select(lock(COLLECTION_LOCK_CLASS, 0)))
        return True
    try_lock = func.pg_try_advisory_xact_lock if exclusive else func.pg_try_advisory_xact_lock_shared
    return bool((await session.execute(select(try_lock(COLLECTION_LOCK_CLASS, 0)))).scalar())


async def unreferenced(session: AsyncSession, digests: list[str]) -> list[str]:
    """Which of these SHA-256 digests no version uses any more (in any organization: blobs are shared)."""
    if not digests:
        return []
    used = set(
        (
            await session.execute(
                select(DocumentVersion.sha256).where(DocumentVersion.sha256.in_(set(digests))).distinct()
            )
        ).scalars()
    )
    return sorted(set(digests) - used)
