"""The Opus 2 documents dialect under ``/v1``: projects, access, templates, folders, documents."""

from __future__ import annotations

import re
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, BackgroundTasks, Body, Path, Query, Request
from starlette.responses import Response, StreamingResponse

from dealbench.auth.principal import Principal
from dealbench.auth.tokens import scoped
from dealbench.documents import files, service
from dealbench.documents.schemas import (
    AccessIn,
    ActivityOut,
    DocumentOut,
    FieldCreate,
    FieldOut,
    FieldValueIn,
    FolderCreate,
    FolderOut,
    ProjectCreate,
    ProjectOut,
    ProjectTeamOut,
    ProjectUpdate,
    ProjectUserOut,
    TemplateIn,
    TemplateOut,
    TemplateUpdate,
    VersionOut,
)
from dealbench.documents.storage import collect_blobs, get_storage
from dealbench.kit.db import write_intent
from dealbench.kit.errors import DealbenchError, ValidationFailed
from dealbench.kit.pagination import Paging
from dealbench.kit.routing import add_update_route
from dealbench.kit.schemas import Page
from dealbench.kit.services import AppServices, Services
from dealbench.kit.session import DbSession
from dealbench.kit.storage import PendingBlob, Storage
from dealbench.kit.uploads import PartInfo, multipart_openapi, stream_multipart

ProjectsRead = Annotated[Principal, scoped("projects:read")]
ProjectsWrite = Annotated[Principal, scoped("projects:write")]
TemplatesRead = Annotated[Principal, scoped("templates:read")]
TemplatesWrite = Annotated[Principal, scoped("templates:write")]
DocumentsRead = Annotated[Principal, scoped("documents:read")]
DocumentsWrite = Annotated[Principal, scoped("documents:write")]

projects = APIRouter(prefix="/v1", tags=["Projects"])
templates = APIRouter(prefix="/v1", tags=["Templates"])
documents = APIRouter(prefix="/v1", tags=["Documents"])

#: Ids are 32-bit in the database: a larger one is a 400, never a database error.
MAX_ID = 2**31 - 1
Id = Annotated[int, Path(le=MAX_ID)]

AfterDate = Annotated[
    str | None,
    Query(description="Only documents created or modified after this ISO 8601 date or date-time."),
]


# ============================================================================= projects


@projects.get("/projects", response_model=Page[ProjectOut])
async def list_projects(principal: ProjectsRead, session: DbSession, paging: Paging) -> dict[str, Any]:
    """The projects the token's owner can see (organization tokens and admins: all)."""
    items, total = await service.list_projects(session, principal, paging)
    return paging.page(items, total)


@projects.post("/projects", response_model=ProjectOut, status_code=201)
async def create_project(body: ProjectCreate, principal: ProjectsWrite, session: DbSession) -> Any:
    """Create a project, optionally from a template (its folders and fields are copied) and linked to
    a deal (`dealId`: the project becomes the deal's file center)."""
    return await service.create_project(session, principal, body)


@projects.get("/projects/{projectId}", response_model=ProjectOut)
async def get_project(projectId: Id, principal: ProjectsRead, session: DbSession) -> Any:
    return await service.get_project(session, principal, projectId)


async def update_project(
    projectId: Id, body: ProjectUpdate, principal: ProjectsWrite, session: DbSession
) -> Any:
    """Update a project (READ_WRITE capability; `apiDownloadEnabled` only by administrators)."""
    return await service.update_project(session, principal, projectId, body)


add_update_route(projects, "/projects/{projectId}", update_project, response_model=ProjectOut)


@projects.delete("/projects/{projectId}", response_model=ProjectOut)
async def delete_project(projectId: Id, principal: ProjectsWrite, session: DbSession) -> Any:
    """Delete a project; 409 while it holds documents."""
    return await service.delete_project(session, principal, projectId)


@projects.get("/projects/{projectId}/users", response_model=Page[ProjectUserOut])
async def list_project_users(
    projectId: Id, principal: ProjectsRead, session: DbSession, paging: Paging
) -> dict[str, Any]:
    """The users given access directly (team access is listed under `/teams`)."""
    items, total = await service.list_project_users(session, principal, projectId, paging)
    return paging.page(items, total)


@projects.put("/projects/{projectId}/users/{email}", response_model=ProjectUserOut)
async def put_project_user(
    projectId: Id,
    email: str,
    principal: ProjectsWrite,
    session: DbSession,
    body: Annotated[AccessIn | None, Body()] = None,
) -> Any:
    """Give a user access (`capability` READ or READ_WRITE, default READ_WRITE); idempotent."""
    return await service.put_project_user(session, principal, projectId, email, body)


@projects.delete("/projects/{projectId}/users/{email}", response_model=ProjectUserOut)
async def delete_project_user(projectId: Id, email: str, principal: ProjectsWrite, session: DbSession) -> Any:
    return await service.delete_project_user(session, principal, projectId, email)


@projects.get("/projects/{projectId}/teams", response_model=Page[ProjectTeamOut])
async def list_project_teams(
    projectId: Id, principal: ProjectsRead, session: DbSession, paging: Paging
) -> dict[str, Any]:
    items, total = await service.list_project_teams(session, principal, projectId, paging)
    return paging.page(items, total)


@projects.put("/projects/{projectId}/teams/{teamId}", response_model=ProjectTeamOut)
async def put_project_team(
    projectId: Id,
    teamId: Id,
    principal: ProjectsWrite,
    session: DbSession,
    body: Annotated[AccessIn | None, Body()] = None,
) -> Any:
    """Give a team's members access (`capability`, default READ_WRITE); idempotent."""
    return await service.put_project_team(session, principal, projectId, teamId, body)


@projects.delete("/projects/{projectId}/teams/{teamId}", response_model=ProjectTeamOut)
async def delete_project_team(projectId: Id, teamId: Id, principal: ProjectsWrite, session: DbSession) -> Any:
    return await service.delete_project_team(session, principal, projectId, teamId)


@projects.get("/projects/{projectId}/fields", response_model=Page[FieldOut])
async def list_fields(
    projectId: Id, principal: DocumentsRead, session: DbSession, paging: Paging
) -> dict[str, Any]:
    """Standard fields (name, date, description, file name, added by, date added), then the project's own."""
    items, total = await service.list_fields(session, principal, projectId, paging)
    return paging.page(items, total)


@projects.post("/projects/{projectId}/fields", response_model=FieldOut, status_code=201)
async def create_field(projectId: Id, body: FieldCreate, principal: ProjectsWrite, session: DbSession) -> Any:
    """Define a metadata field: SHORT_TEXT, LONG_TEXT, DATE, DATETIME, NUMBER, BOOLEAN or CHOICE (with `options`)."""
    return await service.create_field(session, principal, projectId, body)


@projects.get("/projects/{projectId}/activity", response_model=Page[ActivityOut])
async def list_activity(
    projectId: Id, principal: ProjectsRead, session: DbSession, paging: Paging
) -> dict[str, Any]:
    """Every document action of the project: UPLOAD, REPLACE, MOVE, DELETE, DELETE_VERSION,
    FIELD_CHANGE, DOWNLOAD (oldest first)."""
    items, total = await service.list_activity(session, principal, projectId, paging)
    return paging.page(items, total)


# ============================================================================= templates


@templates.get("/templates", response_model=Page[TemplateOut])
async def list_templates(principal: TemplatesRead, session: DbSession, paging: Paging) -> dict[str, Any]:
    items, total = await service.list_templates(session, principal, paging)
    return paging.page(items, total)


@templates.post("/templates", response_model=TemplateOut, status_code=201)
async def create_template(body: TemplateIn, principal: TemplatesWrite, session: DbSession) -> Any:
    """A folder tree (`folders: [{name, children}]`) and metadata field definitions (`fields`)."""
    return await service.create_template(session, principal, body)


@templates.get("/templates/{templateId}", response_model=TemplateOut)
async def get_template(templateId: Id, principal: TemplatesRead, session: DbSession) -> Any:
    return await service.get_template(session, principal, templateId)


async def update_template(
    templateId: Id, body: TemplateUpdate, principal: TemplatesWrite, session: DbSession
) -> Any:
    """Update a template; projects made from it keep what they copied."""
    return await service.update_template(session, principal, templateId, body)


add_update_route(templates, "/templates/{templateId}", update_template, response_model=TemplateOut)


@templates.delete("/templates/{templateId}", response_model=TemplateOut)
async def delete_template(templateId: Id, principal: TemplatesWrite, session: DbSession) -> Any:
    return await service.delete_template(session, principal, templateId)


# ============================================================================= folders


@documents.get("/projects/{projectId}/folders", response_model=Page[FolderOut])
async def list_folders(
    projectId: Id, principal: DocumentsRead, session: DbSession, paging: Paging
) -> dict[str, Any]:
    items, total = await files.list_folders(session, principal, projectId, paging)
    return paging.page(items, total)


@documents.post("/projects/{projectId}/folders", response_model=FolderOut, status_code=201)
async def create_folder(
    projectId: Id, body: FolderCreate, principal: DocumentsWrite, session: DbSession
) -> Any:
    """Names are unique among siblings (409), 1..255 characters, without `/` or control characters."""
    return await files.create_folder(session, principal, projectId, body)


@documents.get("/projects/{projectId}/folders/{folder:path}", response_model=FolderOut)
async def get_folder(projectId: Id, folder: str, principal: DocumentsRead, session: DbSession) -> Any:
    """A folder by id, by path (`Contracts/Signed` or `Contracts%2FSigned`) or by name (`the%20folder`)."""
    return await files.get_folder(session, principal, projectId, folder)


@documents.delete("/projects/{projectId}/folders/{folderId:path}", response_model=FolderOut)
async def delete_folder(
    projectId: Id,
    folderId: str,
    principal: DocumentsWrite,
    session: DbSession,
    services: AppServices,
    background: BackgroundTasks,
    recursive: Annotated[bool, Query(description="Also delete its folders and documents.")] = False,
) -> Any:
    """Delete a folder: 409 when it holds folders or documents, unless `?recursive=true`."""
    folder, digests = await files.delete_folder(session, principal, projectId, folderId, recursive=recursive)
    background.add_task(collect_blobs, services, digests)
    return folder


# ============================================================================= documents

UPLOAD_BODY = multipart_openapi(
    folderId={"type": "string", "description": "Folder id or path; default: the root."},
    name={"type": "string", "description": "Document name; default: the file's name."},
    fields={
        "type": "string",
        "description": 'JSON object of field id (or name) to value, e.g. {"12": "Signed"}.',
    },
)
REPLACE_BODY = multipart_openapi()
RejectDuplicate = Annotated[
    bool,
    Query(
        description="Refuse (409, nothing stored) a file whose size and hash match a document of the project."
    ),
]


class _Upload:
    """The one `file` part of an upload, streamed into a pending blob."""

    def __init__(self, storage: Storage) -> None:
        self.storage = storage
        self.blob: PendingBlob | None = None
        self.part: PartInfo | None = None

    async def on_file(self, part: PartInfo) -> PendingBlob:
        if part.name != "file":
            raise ValidationFailed.at([part.name or "file"], "Send the document in the form field 'file'.")
        if self.blob is not None:
            raise ValidationFailed.at(["file"], "Send one file per request.")
        self.part = part
        self.blob = await self.storage.begin()
        return self.blob

    async def receive(
        self, request: Request, services: Services
    ) -> tuple[PendingBlob, PartInfo, dict[str, str]]:
        limit = services.settings.max_upload_bytes
        form = await stream_multipart(
            request,
            on_file=self.on_file,
            max_file_bytes=limit,
            too_large_message=f"Upload too large: at most {limit} bytes per file (DEALBENCH_MAX_UPLOAD_BYTES).",
        )
        if self.blob is None or self.part is None:
            if "file" in form:
                raise ValidationFailed.at(["file"], "'file' must be a file part (with a filename).")
            raise ValidationFailed.at(
                ["file"], "Required", code="invalid_type", expected="file", received="undefined"
            )
        return self.blob, self.part, form

    async def discard(self) -> None:
        if self.blob is not None:
            await self.blob.discard()


@documents.post(
    "/projects/{projectId}/documents", response_model=DocumentOut, status_code=201, openapi_extra=UPLOAD_BODY
)
async def upload_document(
    projectId: Id,
    request: Request,
    principal: DocumentsWrite,
    session: DbSession,
    services: AppServices,
    rejectDuplicate: RejectDuplicate = False,
) -> Any:
    """Upload a document (multipart: `file`, optional `folderId`, `name`, `fields` as JSON). The body is
    streamed to storage and hashed (SHA-256, MD5) on the way; over DEALBENCH_MAX_UPLOAD_BYTES is a 413
    and nothing is kept."""
    await service.get_project(session, principal, projectId, write=True)
    # End the short read transaction: no pooled connection (nor SQLite lock) is held while the body streams.
    await session.commit()
    upload = _Upload(get_storage(services))
    try:
        blob, part, form = await upload.receive(request, services)
        return await files.create_document(
            session,
            principal,
            projectId,
            blob,
            file_name=part.filename or "upload",
            content_type=part.content_type,
            form=form,
            reject_duplicate=rejectDuplicate,
        )
    except BaseException:
        await upload.discard()
        raise


@documents.get("/projects/{projectId}/documents", response_model=Page[DocumentOut])
async def list_documents(
    projectId: Id, principal: DocumentsRead, session: DbSession, paging: Paging, afterDate: AfterDate = None
) -> dict[str, Any]:
    items, total = await files.list_documents(
        session, principal, projectId, paging, after=files.parse_after_date(afterDate)
    )
    return paging.page(items, total)


@documents.get("/projects/{projectId}/documents/folder/{folderId}", response_model=Page[DocumentOut])
async def list_folder_documents(
    projectId: Id,
    folderId: str,
    principal: DocumentsRead,
    session: DbSession,
    paging: Paging,
    afterDate: AfterDate = None,
) -> dict[str, Any]:
    """Documents directly in a folder (id, path or name; `root` for the project's root)."""
    items, total = await files.list_documents(
        session, principal, projectId, paging, after=files.parse_after_date(afterDate), folder_ref=folderId
    )
    return paging.page(items, total)


@documents.get("/projects/{projectId}/documents/{documentId}", response_model=DocumentOut)
async def get_document(projectId: Id, documentId: Id, principal: DocumentsRead, session: DbSession) -> Any:
    _, doc = await files.get_document(session, principal, projectId, documentId)
    return doc


@documents.delete("/projects/{projectId}/documents/{documentId}", response_model=DocumentOut)
async def delete_document(
    projectId: Id,
    documentId: Id,
    principal: DocumentsWrite,
    session: DbSession,
    services: AppServices,
    background: BackgroundTasks,
) -> Any:
    """Delete a document and its versions (403 without write capability on the project)."""
    doc, digests = await files.delete_document(session, principal, projectId, documentId)
    background.add_task(collect_blobs, services, digests)
    return doc


@documents.post(
    "/projects/{projectId}/documents/{documentId}/replace",
    response_model=DocumentOut,
    openapi_extra=REPLACE_BODY,
)
async def replace_document(
    projectId: Id,
    documentId: Id,
    request: Request,
    principal: DocumentsWrite,
    session: DbSession,
    services: AppServices,
    rejectDuplicate: RejectDuplicate = False,
) -> Any:
    """Add a new current version (multipart `file`); older versions stay available."""
    await files.get_document(session, principal, projectId, documentId, write=True)
    await session.commit()
    upload = _Upload(get_storage(services))
    try:
        blob, part, form = await upload.receive(request, services)
        return await files.replace_document(
            session,
            principal,
            projectId,
            documentId,
            blob,
            file_name=part.filename or "upload",
            content_type=part.content_type,
            form=form,
            reject_duplicate=rejectDuplicate,
        )
    except BaseException:
        await upload.discard()
        raise


@documents.get("/projects/{projectId}/documents/{documentId}/versions", response_model=Page[VersionOut])
async def list_versions(
    projectId: Id, documentId: Id, principal: DocumentsRead, session: DbSession, paging: Paging
) -> dict[str, Any]:
    items, total = await files.list_versions(session, principal, projectId, documentId, paging)
    return paging.page(items, total)


@documents.delete(
    "/projects/{projectId}/documents/{documentId}/versions/{versionId}", response_model=DocumentOut
)
async def delete_version(
    projectId: Id,
    documentId: Id,
    versionId: Id,
    principal: DocumentsWrite,
    session: DbSession,
    services: AppServices,
    background: BackgroundTasks,
) -> Any:
    """Delete one version (409 for the only one); the newest remaining becomes current. Answers the document."""
    doc, digests = await files.delete_version(session, principal, projectId, documentId, versionId)
    background.add_task(collect_blobs, services, digests)
    return doc


@documents.put("/projects/{projectId}/documents/{documentId}/fields/{fieldId}", response_model=DocumentOut)
async def set_field(
    projectId: Id,
    documentId: Id,
    fieldId: str,
    body: FieldValueIn,
    principal: DocumentsWrite,
    session: DbSession,
) -> Any:
    """Set a field's value (validated by its type; `null` clears). Standard fields `name`, `date`,
    `description` are editable too."""
    return await files.set_field(session, principal, projectId, documentId, fieldId, body.value)


@documents.put("/projects/{projectId}/documents/{documentId}/{folderId}", response_model=DocumentOut)
async def move_document(
    projectId: Id, documentId: Id, folderId: str, principal: DocumentsWrite, session: DbSession
) -> Any:
    """Move a document into a folder (id or path; `root` or `0` for the project's root)."""
    return await files.move_document(session, principal, projectId, documentId, folderId)


class RangeNotSatisfiable(DealbenchError):
    status_code = 416
    default_message = "Range not satisfiable."


_RANGE = re.compile(r"([0-9]{0,20})-([0-9]{0,20})", re.ASCII)


def parse_range(header: str | None, size: int) -> tuple[int, int] | None:
    """``Range: bytes=a-b`` (one range) -> ``(start, end_exclusive)``; None for the whole body."""
    if not header:
        return None
    unit, _, spec = header.strip().partition("=")
    if unit.strip().lower() != "bytes" or "," in spec:
        return None  # other units and multiple ranges: the whole body (allowed by RFC 9110)
    bad = RangeNotSatisfiable(
        f"Range '{header[:100]}' not satisfiable for {size} bytes.",
        headers={"Content-Range": f"bytes */{size}"},
    )
    match = _RANGE.fullmatch(spec.strip())
    if match is None:
        raise bad
    first, last = match.group(1), match.group(2)
    if not first and not last:
        raise bad
    if not first:  # suffix: the last N bytes
        n = int(last)
        if n == 0 or size == 0:
            raise bad
        return max(0, size - n), size
    start = int(first)
    end = min(int(last) + 1, size) if last else size
    if start >= size or (last and int(last) < start):
        raise bad
    return start, end


def content_disposition(name: str) -> str:
    """``attachment`` with an ASCII fallback and the exact (RFC 5987) UTF-8 name."""
    fallback = "".join(ch if 32 <= ord(ch) < 127 and ch not in '"\\' else "_" for ch in name) or "download"
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"


async def _record_download(
    services: Services, principal: Principal, project_id: int, doc_id: int, version_id: int
) -> None:
    """A GET writes one activity row, in its own short transaction (the request's is read-only)."""
    reset = write_intent.set(True)
    try:
        async with services.sessionmaker() as s:
            service.record(s, principal, project_id, "DOWNLOAD", document_id=doc_id, version_id=version_id)
            await s.commit()
    finally:
        write_intent.reset(reset)


@documents.get(
    "/projects/{projectId}/documents/{documentId}/content",
    response_class=Response,
    responses={
        200: {"content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}}},
        206: {"description": "Partial content (`Range: bytes=a-b`)."},
        304: {"description": "Not modified (`If-None-Match` matched the ETag)."},
        416: {"description": "Range not satisfiable."},
    },
)
async def document_content(
    projectId: Id,
    documentId: Id,
    request: Request,
    principal: DocumentsRead,
    session: DbSession,
    services: AppServices,
    version: Annotated[
        int | None, Query(le=MAX_ID, description="A version id (default: the current version).")
    ] = None,
) -> Response:
    """The content, streamed: Content-Type, Content-Length, ETag (the SHA-256), Content-Disposition,
    `Range` (206). 403 when the project's setting apiDownloadEnabled is off."""
    project, doc, ver = await files.get_content(session, principal, projectId, documentId, version)
    etag = f'"{ver.sha256}"'
    headers = {
        "ETag": etag,
        "Accept-Ranges": "bytes",
        "Content-Disposition": content_disposition(ver.file_name),
        "Cache-Control": "private, no-cache",
    }
    inm = request.headers.get("if-none-match")
    if inm and (inm.strip() == "*" or etag in [t.strip().removeprefix("W/") for t in inm.split(",")]):
        return Response(status_code=304, headers=headers)
    window = parse_range(request.headers.get("range"), ver.size)
    if request.headers.get("if-range") and request.headers["if-range"].strip() != etag:
        window = None
    start, end = window if window is not None else (0, ver.size)
    headers["Content-Length"] = str(end - start)
    status = 200
    if window is not None:
        status = 206
        headers["Content-Range"] = f"bytes {start}-{end - 1}/{ver.size}"
    if request.scope.get("dealbench.head"):
        return Response(status_code=status, headers=headers, media_type=ver.content_type)
    if start == 0:
        await _record_download(services, principal, project.id, doc.id, ver.id)
    storage = get_storage(services)
    if end <= start:
        return Response(b"", status_code=status, headers=headers, media_type=ver.content_type)
    return StreamingResponse(
        storage.stream(ver.storage_key, start, end),
        status_code=status,
        headers=headers,
        media_type=ver.content_type,
    )


router = APIRouter()
router.include_router(projects)
router.include_router(templates)
router.include_router(documents)
