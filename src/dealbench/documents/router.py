"""The Opus 2 documents dialect under ``/v1``: projects, access, templates, folders, documents."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from functools import partial
from typing import Annotated, Any

from fastapi import APIRouter, BackgroundTasks, Body, Path, Query, Request
from starlette.responses import Response, StreamingResponse

from dealbench.auth.principal import Principal
from dealbench.auth.tokens import scoped
from dealbench.documents import (
    activity,
    fields,
    files,
    folders,
    presenter,
    projects,
    sharing,
    templates,
    uploads,
    versions,
)
from dealbench.documents.receiving import receive_upload
from dealbench.documents.schemas import (
    AccessIn,
    DocumentOut,
    FieldCreate,
    FieldOut,
    FieldValueIn,
    FolderCreate,
    FolderOut,
    ProjectActivityOut,
    ProjectCreate,
    ProjectOut,
    ProjectTeamOut,
    ProjectUpdate,
    ProjectUserOut,
    ShareIn,
    TemplateIn,
    TemplateOut,
    TemplateUpdate,
    VersionOut,
)
from dealbench.documents.storage import collect_blobs, get_storage
from dealbench.kit.content import content_disposition, parse_range
from dealbench.kit.etags import IfMatch, IfNoneMatch, presented, require_current, tagged_response
from dealbench.kit.fastjson import json_response
from dealbench.kit.locks import Lock
from dealbench.kit.pagination import Paging
from dealbench.kit.repository import MAX_ID
from dealbench.kit.routing import add_update_route
from dealbench.kit.schemas import Page
from dealbench.kit.services import AppServices, Services
from dealbench.kit.session import DbSession
from dealbench.kit.uow import checkpoint, transaction
from dealbench.kit.uploads import multipart_openapi

ProjectsRead = Annotated[Principal, scoped("projects:read")]
ProjectsWrite = Annotated[Principal, scoped("projects:write")]
TemplatesRead = Annotated[Principal, scoped("templates:read")]
TemplatesWrite = Annotated[Principal, scoped("templates:write")]
DocumentsRead = Annotated[Principal, scoped("documents:read")]
DocumentsWrite = Annotated[Principal, scoped("documents:write")]

projects_router = APIRouter(prefix="/v1", tags=["Projects"])
templates_router = APIRouter(prefix="/v1", tags=["Templates"])
documents_router = APIRouter(prefix="/v1", tags=["Documents"])

#: Ids are 32-bit in the database: a larger one is a 400, never a database error.
Id = Annotated[int, Path(ge=-MAX_ID - 1, le=MAX_ID)]

AfterDate = Annotated[
    str | None,
    Query(
        description="Only documents created or modified after this ISO 8601 date or date-time (UTC "
        "when it names no offset); empty: no filter.",
        json_schema_extra={
            "anyOf": [
                {"type": "string", "format": "date"},
                {"type": "string", "format": "date-time"},
                {"type": "string", "maxLength": 0},
            ]
        },
    ),
]


# ============================================================================= projects


@projects_router.get("/projects", response_model=Page[ProjectOut])
async def list_projects(principal: ProjectsRead, session: DbSession, paging: Paging) -> Response:
    """The projects the token's owner can see (organization tokens and admins: all)."""
    rows, total = await projects.list_projects(session, principal, paging)
    return json_response(paging.page(presenter.projects(rows), total))


@projects_router.post("/projects", response_model=ProjectOut, status_code=201)
async def create_project(body: ProjectCreate, principal: ProjectsWrite, session: DbSession) -> Response:
    """Create a project, optionally from a template (its folders and fields are copied) and linked to
    a deal (`dealId`: the project becomes the deal's file center)."""
    return json_response(presenter.project(await projects.create_project(session, principal, body)), 201)


@projects_router.get("/projects/{projectId}", response_model=ProjectOut)
async def get_project(projectId: Id, principal: ProjectsRead, session: DbSession, inm: IfNoneMatch = None) -> Response:
    return tagged_response(presenter.project(await projects.get_project(session, principal, projectId)), inm)


def _project_now(session: DbSession, principal: Principal, project: int, lock: Lock) -> Any:
    return presented(projects.get_project(session, principal, project, write=True, lock=lock), presenter.project)


async def update_project(
    projectId: Id, body: ProjectUpdate, principal: ProjectsWrite, session: DbSession, if_match: IfMatch = None
) -> Response:
    """Update a project (READ_WRITE capability; `apiDownloadEnabled` only by administrators)."""
    await require_current(if_match, lambda: _project_now(session, principal, projectId, Lock.UPDATE))
    return json_response(
        presenter.project(await projects.update_project(session, principal, projectId, body))
    )


add_update_route(projects_router, "/projects/{projectId}", update_project, response_model=ProjectOut)


@projects_router.delete("/projects/{projectId}", response_model=ProjectOut)
async def delete_project(projectId: Id, principal: ProjectsWrite, session: DbSession, if_match: IfMatch = None) -> Response:
    """Delete a project; 409 while it holds documents."""
    await require_current(if_match, lambda: _project_now(session, principal, projectId, Lock.DELETE))
    return json_response(presenter.project(await projects.delete_project(session, principal, projectId)))


@projects_router.get("/projects/{projectId}/users", response_model=Page[ProjectUserOut])
async def list_project_users(
    projectId: Id, principal: ProjectsRead, session: DbSession, paging: Paging
) -> Response:
    """The users given access directly (team access is listed under `/teams`)."""
    rows, total = await projects.list_project_users(session, principal, projectId, paging)
    return json_response(paging.page(presenter.project_users(rows), total))


@projects_router.put("/projects/{projectId}/users/{email}", response_model=ProjectUserOut)
async def put_project_user(
    projectId: Id,
    email: str,
    principal: ProjectsWrite,
    session: DbSession,
    body: Annotated[AccessIn | None, Body()] = None,
) -> Response:
    """Give a user access (`capability` READ or READ_WRITE, default READ_WRITE); idempotent."""
    grant = await projects.put_project_user(session, principal, projectId, email, body)
    return json_response(presenter.project_user(grant))


@projects_router.delete("/projects/{projectId}/users/{email}", response_model=ProjectUserOut)
async def delete_project_user(
    projectId: Id, email: str, principal: ProjectsWrite, session: DbSession
) -> Response:
    grant = await projects.delete_project_user(session, principal, projectId, email)
    return json_response(presenter.project_user(grant))


@projects_router.get("/projects/{projectId}/teams", response_model=Page[ProjectTeamOut])
async def list_project_teams(
    projectId: Id, principal: ProjectsRead, session: DbSession, paging: Paging
) -> Response:
    rows, total = await projects.list_project_teams(session, principal, projectId, paging)
    return json_response(paging.page(presenter.project_teams(rows), total))


@projects_router.put("/projects/{projectId}/teams/{teamId}", response_model=ProjectTeamOut)
async def put_project_team(
    projectId: Id,
    teamId: Id,
    principal: ProjectsWrite,
    session: DbSession,
    body: Annotated[AccessIn | None, Body()] = None,
) -> Response:
    """Give a team's members access (`capability`, default READ_WRITE); idempotent."""
    grant = await projects.put_project_team(session, principal, projectId, teamId, body)
    return json_response(presenter.project_team(grant))


@projects_router.delete("/projects/{projectId}/teams/{teamId}", response_model=ProjectTeamOut)
async def delete_project_team(
    projectId: Id, teamId: Id, principal: ProjectsWrite, session: DbSession
) -> Response:
    grant = await projects.delete_project_team(session, principal, projectId, teamId)
    return json_response(presenter.project_team(grant))


@projects_router.get("/projects/{projectId}/fields", response_model=Page[FieldOut])
async def list_fields(
    projectId: Id, principal: DocumentsRead, session: DbSession, paging: Paging
) -> Response:
    """Standard fields (name, date, description, file name, added by, date added), then the project's own."""
    items, total = await fields.list_fields(session, principal, projectId, paging)
    return json_response(paging.page([presenter.field(f) for f in items], total))


@projects_router.post("/projects/{projectId}/fields", response_model=FieldOut, status_code=201)
async def create_field(
    projectId: Id, body: FieldCreate, principal: ProjectsWrite, session: DbSession
) -> Response:
    """Define a metadata field: SHORT_TEXT, LONG_TEXT, DATE, DATETIME, NUMBER, BOOLEAN or CHOICE (with `options`)."""
    return json_response(presenter.field(await fields.create_field(session, principal, projectId, body)), 201)


@projects_router.get("/projects/{projectId}/activity", response_model=Page[ProjectActivityOut])
async def list_activity(
    projectId: Id, principal: ProjectsRead, session: DbSession, paging: Paging
) -> Response:
    """Every document action of the project: UPLOAD, REPLACE, MOVE, DELETE, DELETE_VERSION,
    FIELD_CHANGE, DOWNLOAD (oldest first)."""
    rows, total = await activity.list_activity(session, principal, projectId, paging)
    return json_response(paging.page(presenter.activity(rows), total))


# ============================================================================= templates


@templates_router.get("/templates", response_model=Page[TemplateOut])
async def list_templates(principal: TemplatesRead, session: DbSession, paging: Paging) -> Response:
    rows, total = await templates.list_templates(session, principal, paging)
    return json_response(paging.page(presenter.templates(rows), total))


@templates_router.post("/templates", response_model=TemplateOut, status_code=201)
async def create_template(body: TemplateIn, principal: TemplatesWrite, session: DbSession) -> Response:
    """A folder tree (`folders: [{name, children}]`) and metadata field definitions (`fields`)."""
    return json_response(presenter.template(await templates.create_template(session, principal, body)), 201)


@templates_router.get("/templates/{templateId}", response_model=TemplateOut)
async def get_template(templateId: Id, principal: TemplatesRead, session: DbSession, inm: IfNoneMatch = None) -> Response:
    return tagged_response(presenter.template(await templates.get_template(session, principal, templateId)), inm)


def _template_now(session: DbSession, principal: Principal, template: int, lock: Lock) -> Any:
    return presented(templates.get_template(session, principal, template, lock=lock), presenter.template)


async def update_template(
    templateId: Id, body: TemplateUpdate, principal: TemplatesWrite, session: DbSession, if_match: IfMatch = None
) -> Response:
    """Update a template; projects made from it keep what they copied."""
    await require_current(if_match, lambda: _template_now(session, principal, templateId, Lock.UPDATE))
    template = await templates.update_template(session, principal, templateId, body)
    return json_response(presenter.template(template))


add_update_route(templates_router, "/templates/{templateId}", update_template, response_model=TemplateOut)


@templates_router.delete("/templates/{templateId}", response_model=TemplateOut)
async def delete_template(
    templateId: Id, principal: TemplatesWrite, session: DbSession, if_match: IfMatch = None
) -> Response:
    await require_current(if_match, lambda: _template_now(session, principal, templateId, Lock.DELETE))
    return json_response(presenter.template(await templates.delete_template(session, principal, templateId)))


# ============================================================================= folders


@documents_router.get("/projects/{projectId}/folders", response_model=Page[FolderOut])
async def list_folders(
    projectId: Id, principal: DocumentsRead, session: DbSession, paging: Paging
) -> Response:
    rows, total = await folders.list_folders(session, principal, projectId, paging)
    return json_response(paging.page(presenter.folders(rows), total))


@documents_router.post("/projects/{projectId}/folders", response_model=FolderOut, status_code=201)
async def create_folder(
    projectId: Id, body: FolderCreate, principal: DocumentsWrite, session: DbSession
) -> Response:
    """Names are unique among siblings (409), 1..255 characters, without `/` or control characters."""
    return json_response(
        presenter.folder(await folders.create_folder(session, principal, projectId, body)), 201
    )


@documents_router.get("/projects/{projectId}/folders/{folder:path}", response_model=FolderOut)
async def get_folder(
    projectId: Id, folder: str, principal: DocumentsRead, session: DbSession, inm: IfNoneMatch = None
) -> Response:
    """A folder by id, by path (`Contracts/Signed` or `Contracts%2FSigned`) or by name (`the%20folder`)."""
    return tagged_response(presenter.folder(await folders.get_folder(session, principal, projectId, folder)), inm)


@documents_router.delete("/projects/{projectId}/folders/{folderId:path}", response_model=FolderOut)
async def delete_folder(
    projectId: Id,
    folderId: str,
    principal: DocumentsWrite,
    session: DbSession,
    services: AppServices,
    background: BackgroundTasks,
    recursive: Annotated[bool, Query(description="Also delete its folders and documents.")] = False,
) -> Response:
    """Delete a folder: 409 when it holds folders or documents, unless `?recursive=true`."""
    folder, digests = await folders.delete_folder(
        session, principal, projectId, folderId, recursive=recursive
    )
    background.add_task(collect_blobs, services, digests)
    return json_response(presenter.folder(folder))


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


async def _upload(request: Request, services: Services, record: Callable[..., Awaitable[Any]]) -> Any:
    return await receive_upload(request, services, record)


@documents_router.post(
    "/projects/{projectId}/documents", response_model=DocumentOut, status_code=201, openapi_extra=UPLOAD_BODY
)
async def upload_document(
    projectId: Id,
    request: Request,
    principal: DocumentsWrite,
    session: DbSession,
    services: AppServices,
    rejectDuplicate: RejectDuplicate = False,
) -> Response:
    """Upload a document (multipart: `file`, optional `folderId`, `name`, `fields` as JSON). The body is
    streamed to storage and hashed (SHA-256, MD5) on the way; over DEALBENCH_MAX_UPLOAD_BYTES is a 413
    and nothing is kept."""
    await uploads.check_upload(session, principal, projectId)
    # End the short read transaction: no pooled connection (nor SQLite lock) is held while the body streams.
    await checkpoint(session)
    record = partial(uploads.create_document, session, principal, projectId, reject_duplicate=rejectDuplicate)
    doc = await _upload(request, services, record)
    return json_response(presenter.document(doc), 201)


@documents_router.get("/projects/{projectId}/documents", response_model=Page[DocumentOut])
async def list_documents(
    projectId: Id, principal: DocumentsRead, session: DbSession, paging: Paging, afterDate: AfterDate = None
) -> Response:
    rows, total = await files.list_documents(
        session, principal, projectId, paging, after=files.parse_after_date(afterDate)
    )
    return json_response(paging.page(presenter.documents(rows), total))


@documents_router.get("/projects/{projectId}/documents/folder/{folderId}", response_model=Page[DocumentOut])
async def list_folder_documents(
    projectId: Id,
    folderId: str,
    principal: DocumentsRead,
    session: DbSession,
    paging: Paging,
    afterDate: AfterDate = None,
) -> Response:
    """Documents directly in a folder (id, path or name; `root` for the project's root)."""
    rows, total = await files.list_documents(
        session, principal, projectId, paging, after=files.parse_after_date(afterDate), folder_ref=folderId
    )
    return json_response(paging.page(presenter.documents(rows), total))


@documents_router.get("/projects/{projectId}/documents/{documentId}", response_model=DocumentOut)
async def get_document(
    projectId: Id, documentId: Id, principal: DocumentsRead, session: DbSession, inm: IfNoneMatch = None
) -> Response:
    _, doc = await files.get_document(session, principal, projectId, documentId)
    return tagged_response(presenter.document(doc), inm)


async def _document_now(session: DbSession, principal: Principal, project: int, document: int, lock: Lock) -> Any:
    _, doc = await files.get_document(session, principal, project, document, write=True, lock=lock)
    return presenter.document(doc)


@documents_router.delete("/projects/{projectId}/documents/{documentId}", response_model=DocumentOut)
async def delete_document(
    projectId: Id,
    documentId: Id,
    principal: DocumentsWrite,
    session: DbSession,
    services: AppServices,
    background: BackgroundTasks,
    if_match: IfMatch = None,
) -> Response:
    """Delete a document and its versions (403 without write capability on the project)."""
    await require_current(if_match, lambda: _document_now(session, principal, projectId, documentId, Lock.DELETE))
    doc, digests = await files.delete_document(session, principal, projectId, documentId)
    background.add_task(collect_blobs, services, digests)
    return json_response(presenter.document(doc))


@documents_router.post(
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
) -> Response:
    """Add a new current version (multipart `file`); older versions stay available."""
    await uploads.check_upload(session, principal, projectId, documentId)
    await checkpoint(session)
    record = partial(
        uploads.replace_document, session, principal, projectId, documentId, reject_duplicate=rejectDuplicate
    )
    doc = await _upload(request, services, record)
    return json_response(presenter.document(doc))


@documents_router.get(
    "/projects/{projectId}/documents/{documentId}/versions", response_model=Page[VersionOut]
)
async def list_versions(
    projectId: Id, documentId: Id, principal: DocumentsRead, session: DbSession, paging: Paging
) -> Response:
    doc, rows, total = await versions.list_versions(session, principal, projectId, documentId, paging)
    return json_response(paging.page(presenter.versions(rows, doc.current_version_id), total))


@documents_router.delete(
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
) -> Response:
    """Delete one version (409 for the only one); the newest remaining becomes current. Answers the document."""
    doc, digests = await versions.delete_version(session, principal, projectId, documentId, versionId)
    background.add_task(collect_blobs, services, digests)
    return json_response(presenter.document(doc))


@documents_router.put(
    "/projects/{projectId}/documents/{documentId}/fields/{fieldId}", response_model=DocumentOut
)
async def set_field(
    projectId: Id,
    documentId: Id,
    fieldId: str,
    body: FieldValueIn,
    principal: DocumentsWrite,
    session: DbSession,
    if_match: IfMatch = None,
) -> Response:
    """Set a field's value (validated by its type; `null` clears). Standard fields `name`, `date`,
    `description` are editable too."""
    await require_current(if_match, lambda: _document_now(session, principal, projectId, documentId, Lock.UPDATE))
    doc = await files.set_field(session, principal, projectId, documentId, fieldId, body.value)
    return json_response(presenter.document(doc))


@documents_router.post("/projects/{projectId}/documents/{documentId}/share", response_model=DocumentOut)
async def share_document(
    projectId: Id, documentId: Id, body: ShareIn, principal: DocumentsWrite, session: DbSession
) -> Response:
    """Share the document with the buyer (`sharedWithBuyer`): the portal of the deal's plan lists it."""
    doc = await sharing.set_shared(session, principal, projectId, documentId, body.shared_with_buyer)
    return json_response(presenter.document(doc))


@documents_router.put("/projects/{projectId}/documents/{documentId}/{folderId}", response_model=DocumentOut)
async def move_document(
    projectId: Id, documentId: Id, folderId: str, principal: DocumentsWrite, session: DbSession
) -> Response:
    """Move a document into a folder (id or path; `root` or `0` for the project's root)."""
    doc = await files.move_document(session, principal, projectId, documentId, folderId)
    return json_response(presenter.document(doc))


@documents_router.get(
    "/projects/{projectId}/documents/{documentId}/content",
    response_class=Response,
    responses={
        200: {
            "description": "The file's bytes, in the content type it was uploaded with.",
            "content": {"*/*": {"schema": {"type": "string", "format": "binary"}}},
        },
        206: {
            "description": "Partial content (`Range: bytes=a-b`).",
            "content": {"*/*": {"schema": {"type": "string", "format": "binary"}}},
        },
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
    content = await files.get_content(session, principal, projectId, documentId, version)
    ver = content.version
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
        # A download, recorded in its own short transaction (the request's is a read).
        async with transaction(services.sessionmaker) as audit:
            await files.record_download(audit, principal, content)
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
router.include_router(projects_router)
router.include_router(templates_router)
router.include_router(documents_router)
