"""Project templates: a folder tree and metadata field definitions, copied into a project made from
one (later changes of the template leave the project as it was)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from dealbench.auth.principal import Principal
from dealbench.documents.repository import (
    FieldRepository,
    FolderRepository,
    ProjectRepository,
    TemplateRepository,
)
from dealbench.documents.schemas import TemplateFolder, TemplateIn, TemplateUpdate
from dealbench.kit.db import utcnow
from dealbench.kit.errors import ValidationFailed
from dealbench.kit.locks import Lock
from dealbench.kit.pagination import ListParams
from dealbench.models import DocTemplate, FieldType, Folder, Project, ProjectField


def _folders_json(folders: list[TemplateFolder]) -> list[dict[str, Any]]:
    return [{"name": f.name, "children": _folders_json(f.children)} for f in folders]


async def list_templates(
    session: AsyncSession, principal: Principal, params: ListParams
) -> tuple[list[Any], int]:
    """A page of the organization's templates (rows of the presenter's columns), in id order."""
    return await TemplateRepository(session, principal).page(params)


async def get_template(
    session: AsyncSession, principal: Principal, template_id: int, *, lock: Lock | None = None
) -> DocTemplate:
    return await TemplateRepository(session, principal).one(template_id, lock=lock)


async def create_template(session: AsyncSession, principal: Principal, data: TemplateIn) -> DocTemplate:
    template = TemplateRepository(session, principal).add(
        DocTemplate(
            name=data.name,
            description=data.description,
            folders=_folders_json(data.folders),
            fields=[f.model_dump(mode="json", exclude_none=True) for f in data.fields],
        )
    )
    await session.flush()
    return template


async def update_template(
    session: AsyncSession, principal: Principal, template_id: int, data: TemplateUpdate
) -> DocTemplate:
    template = await get_template(session, principal, template_id, lock=Lock.UPDATE)
    changes = data.provided()
    if "name" in changes:
        if data.name is None:
            raise ValidationFailed.at(["name"], "A template needs a name.")
        template.name = data.name
    if "description" in changes:
        template.description = data.description
    if "folders" in changes:
        template.folders = _folders_json(data.folders or [])
    if "fields" in changes:
        template.fields = [f.model_dump(mode="json", exclude_none=True) for f in data.fields or []]
    template.updated_at = utcnow()
    await session.flush()
    return template


async def delete_template(session: AsyncSession, principal: Principal, template_id: int) -> DocTemplate:
    """Projects made from it keep their folders and fields (they were copied)."""
    template = await get_template(session, principal, template_id, lock=Lock.DELETE)
    await ProjectRepository(session, principal).detach_template(template)
    await session.delete(template)
    await session.flush()
    return template


async def apply_template(
    session: AsyncSession, principal: Principal, project: Project, template: DocTemplate
) -> None:
    """Copy the template's folder tree and field definitions into a new project."""
    folders = FolderRepository(session, principal, project)

    async def add(nodes: list[Any], parent: Folder | None) -> None:
        for node in nodes:
            name = node["name"]
            folder = folders.add(
                Folder(
                    parent_id=parent.id if parent else None,
                    name=name,
                    path=f"{parent.path}/{name}" if parent else name,
                )
            )
            await session.flush()
            await add(node.get("children") or [], folder)

    await add(template.folders or [], None)
    fields = FieldRepository(session, principal, project)
    for spec in template.fields or []:
        fields.add(ProjectField(name=spec["name"], type=FieldType(spec["type"]), options=spec.get("options")))
