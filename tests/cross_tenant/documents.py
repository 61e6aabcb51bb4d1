"""Another tenant's projects, folders, documents, versions, fields, templates (documents domain)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from dealbench.models import (
    DocTemplate,
    Document,
    DocumentVersion,
    FieldType,
    Folder,
    Project,
    ProjectField,
    Role,
    Team,
)


async def _world(factory: Any, other: Any) -> dict[str, Any]:
    """One of everything in ``other``; the path values name them all."""
    user = await factory.user(other, role=Role.MEMBER)
    sha = "0" * 64
    async with factory.services.sessionmaker() as s:
        org = other.org.id
        template = DocTemplate(organization_id=org, name="other template", folders=[], fields=[])
        team = Team(organization_id=org, name="other team")
        project = Project(organization_id=org, name="other project")
        s.add_all([template, team, project])
        await s.flush()
        folder = Folder(organization_id=org, project_id=project.id, name="Other", path="Other")
        field = ProjectField(
            organization_id=org, project_id=project.id, name="Other", type=FieldType.SHORT_TEXT
        )
        s.add_all([folder, field])
        await s.flush()
        doc = Document(
            organization_id=org,
            project_id=project.id,
            folder_id=folder.id,
            name="other.txt",
            file_name="other.txt",
            content_type="text/plain",
            size=0,
            sha256=sha,
            md5="0" * 32,
            field_values={},
        )
        s.add(doc)
        await s.flush()
        version = DocumentVersion(
            organization_id=org,
            project_id=project.id,
            document_id=doc.id,
            number=1,
            file_name="other.txt",
            content_type="text/plain",
            size=0,
            sha256=sha,
            md5="0" * 32,
            storage_key="blobs/00/00/" + sha,
        )
        s.add(version)
        await s.flush()
        doc.current_version_id = version.id
        await s.commit()
    return {
        "projectId": project.id,
        "templateId": template.id,
        "teamId": team.id,
        "email": user.email,
        "folder": folder.id,
        "folderId": folder.id,
        "documentId": doc.id,
        "versionId": version.id,
        "fieldId": field.id,
    }


def _with(json: dict[str, Any] | None) -> Callable[[Any, Any], Awaitable[dict[str, Any]]]:
    async def maker(factory: Any, other: Any) -> dict[str, Any]:
        made: dict[str, Any] = {"path": await _world(factory, other)}
        if json is not None:
            made["json"] = json
        return made

    return maker


_plain = _with(None)

ROUTES = {
    "* /v1/projects/{projectId}": _plain,
    "* /v1/projects/{projectId}/users": _plain,
    "* /v1/projects/{projectId}/users/{email}": _plain,
    "* /v1/projects/{projectId}/teams": _plain,
    "* /v1/projects/{projectId}/teams/{teamId}": _plain,
    "GET /v1/projects/{projectId}/fields": _plain,
    "POST /v1/projects/{projectId}/fields": _with({"name": "Mine", "type": "SHORT_TEXT"}),
    "* /v1/projects/{projectId}/activity": _plain,
    "* /v1/templates/{templateId}": _plain,
    "GET /v1/projects/{projectId}/folders": _plain,
    "POST /v1/projects/{projectId}/folders": _with({"name": "Mine"}),
    "* /v1/projects/{projectId}/folders/{folder}": _plain,
    "* /v1/projects/{projectId}/folders/{folderId}": _plain,
    "* /v1/projects/{projectId}/documents": _plain,
    "* /v1/projects/{projectId}/documents/folder/{folderId}": _plain,
    "* /v1/projects/{projectId}/documents/{documentId}": _plain,
    "* /v1/projects/{projectId}/documents/{documentId}/replace": _plain,
    "* /v1/projects/{projectId}/documents/{documentId}/versions": _plain,
    "* /v1/projects/{projectId}/documents/{documentId}/versions/{versionId}": _plain,
    "* /v1/projects/{projectId}/documents/{documentId}/fields/{fieldId}": _with({"value": "x"}),
    "* /v1/projects/{projectId}/documents/{documentId}/{folderId}": _plain,
    "* /v1/projects/{projectId}/documents/{documentId}/content": _plain,
}
