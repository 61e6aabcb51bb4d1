"""The activity log of a project: what happened to its documents (kept after a document is deleted)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from dealbench.auth.principal import Principal
from dealbench.documents.repository import ActivityRepository, ProjectRepository
from dealbench.kit.pagination import ListParams
from dealbench.models import Project, ProjectActivity


def record(
    session: AsyncSession,
    principal: Principal,
    project: Project,
    action: str,
    *,
    document_id: int | None = None,
    version_id: int | None = None,
    **details: Any,
) -> None:
    """Add an entry (UPLOAD, REPLACE, MOVE, DELETE, DELETE_VERSION, FIELD_CHANGE, DOWNLOAD) by the caller."""
    ActivityRepository(session, principal, project).add(
        ProjectActivity(
            document_id=document_id,
            version_id=version_id,
            action=action,
            user_id=principal.acting_user_id,
            details=details,
        )
    )


async def list_activity(
    session: AsyncSession, principal: Principal, project_id: int, params: ListParams
) -> tuple[list[Any], int]:
    """A page of the project's activity, oldest first (rows of the presenter's columns)."""
    project = (await ProjectRepository(session, principal).open(project_id)).project
    return await ActivityRepository(session, principal, project).page(params)
