"""Documents in the web app, over the services of the ``/v1`` documents dialect:

- ``/projects``: the projects the person sees, and a new one;
- ``/projects/{project_id}?folder=ID``: a folder (the root without ``folder``): its folders and
  documents, a new folder, an upload with a progress bar (htmx streams the file with the
  session's CSRF header; ``upload.js`` shows htmx's progress events);
- ``/projects/{project_id}/documents/{document_id}``: the metadata fields (standard and the
  project's own, one form each), the versions with their downloads, a new version, deletion.

Writes need ``documents:write`` and a READ_WRITE capability on the project (the services refuse
the rest); downloads follow the project's ``apiDownloadEnabled``, as the API's do.
"""

from __future__ import annotations

from functools import partial
from typing import Annotated, Any

from fastapi import APIRouter, BackgroundTasks, Path, Query, Request
from pydantic import ValidationError
from starlette.responses import Response, StreamingResponse

from dealbench.auth.principal import Principal
from dealbench.auth.sessions import CSRF_FIELD, CSRF_HEADER, page_scoped
from dealbench.documents import fields, files, folders, presenter, projects, uploads, versions
from dealbench.documents.receiving import receive_upload
from dealbench.documents.schemas import FolderCreate, ProjectCreate
from dealbench.documents.storage import collect_blobs, get_storage
from dealbench.kit.content import content_disposition
from dealbench.kit.errors import Conflict, NotFound, ValidationFailed
from dealbench.kit.pages import field_errors, form_values, redirect, render
from dealbench.kit.pagination import ListParams
from dealbench.kit.services import AppServices
from dealbench.kit.session import DbSession
from dealbench.kit.uow import checkpoint, transaction
from dealbench.models import Capability, FieldType

router = APIRouter(tags=["pages"], include_in_schema=False)

ProjectsRead = Annotated[Principal, page_scoped("projects:read")]
ProjectsWrite = Annotated[Principal, page_scoped("projects:write")]
DocumentsRead = Annotated[Principal, page_scoped("documents:read")]
DocumentsWrite = Annotated[Principal, page_scoped("documents:write")]
ProjectId = Annotated[int, Path(ge=1, le=2**31 - 1)]
DocumentId = Annotated[int, Path(ge=1, le=2**31 - 1)]
#: How many projects, folders, documents and versions a page lists.
LIST_LIMIT = 500


# --------------------------------------------------------------------------- projects


async def _projects(
    request: Request, session: DbSession, principal: Principal, status: int = 200, **extra: Any
) -> Response:
    rows, total = await projects.list_projects(session, principal, ListParams(limit=LIST_LIMIT))
    context = {
        "projects": presenter.projects(rows),
        "total": total,
        "can_write": principal.can("projects:write"),
        "values": {},
        "errors": {},
        **extra,
    }
    return render(request, "documents/projects.html", context, status)


@router.get("/projects")
async def projects_page(request: Request, principal: ProjectsRead, session: DbSession) -> Response:
    return await _projects(request, session, principal)


@router.post("/projects")
async def create_project(request: Request, principal: ProjectsWrite, session: DbSession) -> Response:
    form = await request.form()
    values = {k: str(form.get(k) or "") for k in ("name", "description")}
    try:
        access = await projects.create_project(
            session, principal, ProjectCreate.model_validate(form_values(form))
        )
    except (ValidationError, ValidationFailed) as exc:
        return await _projects(request, session, principal, 400, values=values, errors=field_errors(exc))
    return redirect(request, f"/projects/{access.project.id}")


# --------------------------------------------------------------------------- a folder


async def _folder(
    request: Request,
    session: DbSession,
    principal: Principal,
    project_id: int,
    folder_id: int | None,
    status: int = 200,
    **extra: Any,
) -> Response:
    access = await projects.get_project(session, principal, project_id)
    project = presenter.project(access)
    every, _ = await folders.list_folders(session, principal, project_id, ListParams(limit=LIST_LIMIT))
    all_folders = presenter.folders(every)
    by_id = {f["id"]: f for f in all_folders}
    current = by_id.get(folder_id) if folder_id is not None else None
    if folder_id is not None and current is None:
        raise NotFound("Folder not found.")
    ref = str(folder_id) if folder_id is not None else "root"
    rows, total = await files.list_documents(
        session, principal, project_id, ListParams(limit=LIST_LIMIT), folder_ref=ref
    )
    crumbs: list[dict[str, Any]] = []
    walk = current
    while walk is not None:
        crumbs.insert(0, walk)
        walk = by_id.get(walk["parentId"])
    context = {
        "project": project,
        "folder": current,
        "crumbs": crumbs,
        "subfolders": [f for f in all_folders if f["parentId"] == folder_id],
        "documents": presenter.documents(rows),
        "total": total,
        "can_write": principal.can("documents:write") and access.capability is Capability.READ_WRITE,
        "values": {},
        "errors": {},
        **extra,
    }
    return render(request, "documents/folder.html", context, status)


@router.get("/projects/{project_id}")
async def folder_page(
    request: Request,
    project_id: ProjectId,
    principal: DocumentsRead,
    session: DbSession,
    folder: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
) -> Response:
    return await _folder(request, session, principal, project_id, folder)


def _folder_url(project_id: int, folder_id: Any) -> str:
    return f"/projects/{project_id}" + (f"?folder={folder_id}" if folder_id else "")


@router.post("/projects/{project_id}/folders")
async def create_folder(
    request: Request, project_id: ProjectId, principal: DocumentsWrite, session: DbSession
) -> Response:
    form = await request.form()
    parent = str(form.get("parentId") or "")
    parent_id = int(parent) if parent.isdigit() else None
    await projects.get_project(session, principal, project_id, write=True)
    try:
        await folders.create_folder(
            session, principal, project_id, FolderCreate.model_validate(form_values(form))
        )
    except (ValidationError, ValidationFailed) as exc:
        errors = {f"folder_{k}": v for k, v in field_errors(exc).items()}
        values = {"folder_name": str(form.get("name") or "")}
        return await _folder(
            request, session, principal, project_id, parent_id, 400, values=values, errors=errors
        )
    except Conflict as exc:
        values = {"folder_name": str(form.get("name") or "")}
        errors = {"folder_name": exc.message}
        return await _folder(
            request, session, principal, project_id, parent_id, 409, values=values, errors=errors
        )
    return redirect(request, _folder_url(project_id, parent_id))


# --------------------------------------------------------------------------- uploads


async def _receive(request: Request, services: Any, record: Any) -> Any:
    """The document of an upload: streamed to storage when the CSRF token came as a header (htmx),
    or taken from the form the CSRF check has read already (a browser without scripts)."""
    if request.headers.get(CSRF_HEADER):
        return await receive_upload(request, services, record, skip=(CSRF_FIELD,))
    form = await request.form()
    upload = form.get("file")
    if upload is None or isinstance(upload, str) or not upload.filename:
        raise ValidationFailed.at(["file"], "Choose a file to upload.")
    blob = await get_storage(services).begin()
    try:
        while chunk := await upload.read(1024 * 1024):
            await blob.write(chunk)
        text = {k: v for k, v in form.items() if isinstance(v, str) and k != CSRF_FIELD and v != ""}
        return await record(blob, file_name=upload.filename, content_type=upload.content_type, form=text)
    except BaseException:
        await blob.discard()
        raise


@router.post("/projects/{project_id}/documents")
async def upload_document(
    request: Request,
    project_id: ProjectId,
    principal: DocumentsWrite,
    session: DbSession,
    services: AppServices,
    folder: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
) -> Response:
    await uploads.check_upload(session, principal, project_id)
    await checkpoint(session)
    record = partial(uploads.create_document, session, principal, project_id)
    try:
        doc = await _receive(request, services, record)
    except ValidationFailed as exc:
        errors = {f"upload_{k}": v for k, v in field_errors(exc).items()}
        return await _folder(request, session, principal, project_id, folder, 400, errors=errors)
    return redirect(request, _folder_url(project_id, doc.folder_id))


# --------------------------------------------------------------------------- a document


def _field_value(kind: FieldType, raw: str, ticked: bool) -> Any:
    """A form's text as the value the field's type takes (the service validates it)."""
    if kind is FieldType.BOOLEAN:
        return ticked
    if raw.strip() == "":
        return None
    if kind is FieldType.NUMBER:
        try:
            return float(raw) if any(c in raw for c in ".eE") else int(raw)
        except ValueError:
            return raw
    return raw


async def _document(
    request: Request,
    session: DbSession,
    principal: Principal,
    project_id: int,
    document_id: int,
    status: int = 200,
    **extra: Any,
) -> Response:
    access = await projects.get_project(session, principal, project_id)
    _, doc = await files.get_document(session, principal, project_id, document_id)
    _, rows, _ = await versions.list_versions(
        session, principal, project_id, document_id, ListParams(limit=LIST_LIMIT)
    )
    defined, _ = await fields.list_fields(session, principal, project_id, ListParams(limit=LIST_LIMIT))
    document = presenter.document(doc)
    folder = None
    if doc.folder_id is not None:
        folder = presenter.folder(
            await folders.get_folder(session, principal, project_id, str(doc.folder_id))
        )
    context = {
        "project": presenter.project(access),
        "document": document,
        "folder": folder,
        "versions": presenter.versions(rows, doc.current_version_id),
        "fields": [presenter.field(f) for f in defined],
        "values": {str(k): v for k, v in document["fields"].items()},
        "can_write": principal.can("documents:write") and access.capability is Capability.READ_WRITE,
        "errors": {},
        **extra,
    }
    return render(request, "documents/document.html", context, status)


@router.get("/projects/{project_id}/documents/{document_id}")
async def document_page(
    request: Request,
    project_id: ProjectId,
    document_id: DocumentId,
    principal: DocumentsRead,
    session: DbSession,
) -> Response:
    return await _document(request, session, principal, project_id, document_id)


@router.post("/projects/{project_id}/documents/{document_id}/fields")
async def set_field(
    request: Request,
    project_id: ProjectId,
    document_id: DocumentId,
    principal: DocumentsWrite,
    session: DbSession,
) -> Response:
    form = await request.form()
    field_id = str(form.get("field") or "")
    await files.get_document(session, principal, project_id, document_id, write=True)
    defined, _ = await fields.list_fields(session, principal, project_id, ListParams(limit=LIST_LIMIT))
    kind = next((FieldType(f.type) for f in defined if str(f.id) == field_id), None)
    try:
        if kind is None:
            raise ValidationFailed.at(["value"], "Choose a field of this project.")
        value = _field_value(kind, str(form.get("value") or ""), form.get("value") == "on")
        await files.set_field(session, principal, project_id, document_id, field_id, value)
    except ValidationFailed as exc:
        errors = {
            f"field_{field_id}": field_errors(exc).get("value") or next(iter(field_errors(exc).values()))
        }
        return await _document(request, session, principal, project_id, document_id, 400, errors=errors)
    return redirect(request, f"/projects/{project_id}/documents/{document_id}")


@router.post("/projects/{project_id}/documents/{document_id}/replace")
async def replace_document(
    request: Request,
    project_id: ProjectId,
    document_id: DocumentId,
    principal: DocumentsWrite,
    session: DbSession,
    services: AppServices,
) -> Response:
    await uploads.check_upload(session, principal, project_id, document_id)
    await checkpoint(session)
    record = partial(uploads.replace_document, session, principal, project_id, document_id)
    try:
        await _receive(request, services, record)
    except ValidationFailed as exc:
        errors = {f"upload_{k}": v for k, v in field_errors(exc).items()}
        return await _document(request, session, principal, project_id, document_id, 400, errors=errors)
    return redirect(request, f"/projects/{project_id}/documents/{document_id}")


@router.post("/projects/{project_id}/documents/{document_id}/delete")
async def delete_document(
    request: Request,
    project_id: ProjectId,
    document_id: DocumentId,
    principal: DocumentsWrite,
    session: DbSession,
    services: AppServices,
    background: BackgroundTasks,
) -> Response:
    doc, digests = await files.delete_document(session, principal, project_id, document_id)
    background.add_task(collect_blobs, services, digests)
    return redirect(request, _folder_url(project_id, doc.folder_id))


@router.get("/projects/{project_id}/documents/{document_id}/download")
async def download(
    request: Request,
    project_id: ProjectId,
    document_id: DocumentId,
    principal: DocumentsRead,
    session: DbSession,
    services: AppServices,
    version: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
) -> Response:
    """The content of a version (default: the current one), as an attachment; recorded as a
    download in the project's activity, as the API's are."""
    content = await files.get_content(session, principal, project_id, document_id, version)
    async with transaction(services.sessionmaker) as audit:
        await files.record_download(audit, principal, content)
    ver = content.version
    headers = {
        "Content-Disposition": content_disposition(ver.file_name),
        "Content-Length": str(ver.size),
        "Cache-Control": "private, no-store",
        "X-Content-Type-Options": "nosniff",
        "Content-Security-Policy": "default-src 'none'; sandbox",
    }
    if ver.size == 0:
        return Response(b"", headers=headers, media_type=ver.content_type)
    stream = get_storage(services).stream(ver.storage_key, 0, ver.size)
    return StreamingResponse(stream, headers=headers, media_type=ver.content_type)
