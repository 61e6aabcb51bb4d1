"""Projects, the deal whose file center a project is, and who has access to a project.

Access: an organization token and ADMIN users see every project (READ_WRITE); a personal token of
anyone else sees the projects its user is a member of, directly or through a team, with the best
capability among those memberships. No access is a 404 for the project and everything in it;
READ makes every write a 403. The rules live in :class:`~dealbench.documents.repository.ProjectRepository`.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from dealbench.auth.principal import Principal
from dealbench.deals.references import find_deal
from dealbench.documents import presenter
from dealbench.documents.repository import Grant, ProjectAccess, ProjectRepository
from dealbench.documents.schemas import AccessIn, ProjectCreate, ProjectUpdate
from dealbench.documents.templates import apply_template, get_template
from dealbench.events import outbox
from dealbench.kit.db import utcnow
from dealbench.kit.errors import Conflict, Forbidden, NotFound, ValidationFailed
from dealbench.kit.locks import Lock
from dealbench.kit.pagination import ListParams
from dealbench.kit.repository import MAX_ID
from dealbench.models import Capability, Deal, Project, ProjectTeam, ProjectUser, User
from dealbench.users.directory import find_by_email


async def get_project(
    session: AsyncSession,
    principal: Principal,
    project_id: int,
    *,
    write: bool = False,
    lock: Lock | None = None,
) -> ProjectAccess:
    """The project and the caller's capability; 404 when they cannot see it, 403 for a write
    (``write``) with READ only. ``lock``: see :meth:`ProjectRepository.open`."""
    return await ProjectRepository(session, principal).open(project_id, write=write, lock=lock)


def _require_project_admin(repo: ProjectRepository, what: str) -> None:
    if not repo.sees_everything:
        raise Forbidden(f"Only administrators may change {what}.")


async def list_projects(
    session: AsyncSession, principal: Principal, params: ListParams
) -> tuple[list[Any], int]:
    """The projects the caller sees, in id order (rows of the presenter's columns and the capability)."""
    return await ProjectRepository(session, principal).page(params)


async def _resolve_deal(session: AsyncSession, principal: Principal, ref: int | str) -> Deal:
    """A deal of the organization by numeric id or ``eid:<vendorEntityId>``; any other is bad input
    (the body's ``dealId``: a deal the caller cannot see is not there)."""
    text = str(ref).strip()
    if not (text.startswith("eid:") and len(text) > 4) and not (text.isascii() and text.isdigit()):
        raise ValidationFailed.at(["dealId"], "Expected a deal id or 'eid:<vendorEntityId>'.")
    if not text.startswith("eid:") and int(text) > MAX_ID:
        raise ValidationFailed.at(["dealId"], f"Deal {text} not found.")
    try:
        return await find_deal(session, principal, text)
    except NotFound:
        raise ValidationFailed.at(["dealId"], f"Deal {text} not found.") from None


async def _link_deal(
    session: AsyncSession, repo: ProjectRepository, project: Project, ref: int | str | None
) -> None:
    """Link the deal ``ref`` (None: unlink). The project is locked by the caller; the deals
    involved (the one linked now, the new one) are locked together, in id order."""
    target = await _resolve_deal(session, repo.principal, ref) if ref is not None else None
    ids = {i for i in (project.deal_id, target.id if target else None) if i is not None}
    deals = await repo.lock_deals(ids) if ids else {}
    held_by = target.project_id if target is not None else None
    if target is not None and held_by not in (None, project.id) and await repo.get(held_by) is not None:
        raise Conflict(f"Deal {target.id} already has a file center: project {target.project_id}.")
    current = deals.get(project.deal_id) if project.deal_id is not None else None
    if current is not None and current is not target and current.project_id == project.id:
        current.project_id = None
    project.deal_id = None
    if target is not None:
        target.project_id = project.id
        project.deal_id = target.id


async def create_project(session: AsyncSession, principal: Principal, data: ProjectCreate) -> ProjectAccess:
    repo = ProjectRepository(session, principal)
    template = None
    if data.template_id is not None:
        try:
            template = await get_template(session, principal, data.template_id, lock=Lock.SHARE)
        except NotFound as exc:
            raise ValidationFailed.at(["templateId"], f"Template {data.template_id} not found.") from exc
    download = data.api_download_enabled
    if download is None:
        download = bool(principal.organization.setting("apiDownloadEnabledDefault"))
    elif not download:
        _require_project_admin(repo, "the project setting apiDownloadEnabled")
    project = repo.add(
        Project(
            name=data.name,
            description=data.description,
            template_id=template.id if template else None,
            api_download_enabled=download,
            created_by_user_id=principal.acting_user_id,
        )
    )
    await session.flush()
    if not repo.sees_everything and principal.user is not None:
        # The creator of a project can work in it.
        session.add(
            ProjectUser(project_id=project.id, user_id=principal.user.id, capability=Capability.READ_WRITE)
        )
    if template is not None:
        await apply_template(session, principal, project, template)
    if data.deal_id is not None:
        await _link_deal(session, repo, project, data.deal_id)
    await session.flush()
    access = ProjectAccess(project, Capability.READ_WRITE)
    await outbox.record(session, principal, "project.created", presenter.project(access))
    return access


async def update_project(
    session: AsyncSession, principal: Principal, project_id: int, data: ProjectUpdate
) -> ProjectAccess:
    repo = ProjectRepository(session, principal)
    access = await repo.open(project_id, write=True, lock=Lock.UPDATE)
    project = access.project
    changes = data.provided()
    if "name" in changes:
        if data.name is None:
            raise ValidationFailed.at(["name"], "A project needs a name.")
        project.name = data.name
    if "description" in changes:
        project.description = data.description
    if "api_download_enabled" in changes:
        if data.api_download_enabled is None:
            raise ValidationFailed.at(["apiDownloadEnabled"], "Expected a boolean.")
        if data.api_download_enabled != project.api_download_enabled:
            _require_project_admin(repo, "the project setting apiDownloadEnabled")
        project.api_download_enabled = data.api_download_enabled
    if "deal_id" in changes:
        await _link_deal(session, repo, project, data.deal_id)
    project.updated_at = utcnow()
    await session.flush()
    await outbox.record(session, principal, "project.updated", presenter.project(access))
    return access


async def delete_project(session: AsyncSession, principal: Principal, project_id: int) -> ProjectAccess:
    """Delete a project; 409 while it holds documents."""
    repo = ProjectRepository(session, principal)
    access = await repo.open(project_id, write=True, lock=Lock.DELETE)
    count = await repo.document_count(access.project)
    if count:
        raise Conflict(f"The project still holds {count} document(s); delete them first.")
    await repo.unlink_deals(access.project)
    # Folders, fields, access and activity go with it (ON DELETE CASCADE).
    await session.delete(access.project)
    await session.flush()
    await outbox.record(session, principal, "project.deleted", presenter.project(access))
    return access


# ----------------------------------------------------------------------------- access lists


async def list_project_users(
    session: AsyncSession, principal: Principal, project_id: int, params: ListParams
) -> tuple[list[Any], int]:
    """The users given access directly (rows of the presenter's columns), in user id order."""
    repo = ProjectRepository(session, principal)
    access = await repo.open(project_id)
    return await repo.user_grants(access.project, params)


async def _member_user(session: AsyncSession, principal: Principal, email: str) -> User:
    user = await find_by_email(session, principal, email)
    if user is None:
        raise NotFound(f"No user with email '{email}' in this organization.")
    return user


async def put_project_user(
    session: AsyncSession, principal: Principal, project_id: int, email: str, data: AccessIn | None
) -> Grant:
    """Give a user access (idempotent; a second PUT changes the capability)."""
    repo = ProjectRepository(session, principal)
    project = (await repo.open(project_id, write=True, lock=Lock.UPDATE)).project
    user = await _member_user(session, principal, email)
    capability = data.capability if data is not None else Capability.READ_WRITE
    row = await repo.user_grant(project, user)
    if row is None:
        session.add(ProjectUser(project_id=project.id, user_id=user.id, capability=capability))
    else:
        row.capability = capability
    await session.flush()
    return Grant(user, capability)


async def delete_project_user(
    session: AsyncSession, principal: Principal, project_id: int, email: str
) -> Grant:
    repo = ProjectRepository(session, principal)
    project = (await repo.open(project_id, write=True, lock=Lock.UPDATE)).project
    user = await _member_user(session, principal, email)
    row = await repo.user_grant(project, user)
    if row is None:
        raise NotFound(f"'{email}' is not a member of this project.")
    grant = Grant(user, row.capability)
    await session.delete(row)
    await session.flush()
    return grant


async def list_project_teams(
    session: AsyncSession, principal: Principal, project_id: int, params: ListParams
) -> tuple[list[Any], int]:
    """The teams given access (rows of the presenter's columns), in team id order."""
    repo = ProjectRepository(session, principal)
    access = await repo.open(project_id)
    return await repo.team_grants(access.project, params)


async def put_project_team(
    session: AsyncSession, principal: Principal, project_id: int, team_id: int, data: AccessIn | None
) -> Grant:
    """Give a team's members access (idempotent; a second PUT changes the capability)."""
    repo = ProjectRepository(session, principal)
    project = (await repo.open(project_id, write=True, lock=Lock.UPDATE)).project
    team = await repo.team(team_id)
    capability = data.capability if data is not None else Capability.READ_WRITE
    row = await repo.team_grant(project, team)
    if row is None:
        session.add(ProjectTeam(project_id=project.id, team_id=team.id, capability=capability))
    else:
        row.capability = capability
    await session.flush()
    return Grant(team, capability)


async def delete_project_team(
    session: AsyncSession, principal: Principal, project_id: int, team_id: int
) -> Grant:
    repo = ProjectRepository(session, principal)
    project = (await repo.open(project_id, write=True, lock=Lock.UPDATE)).project
    team = await repo.team(team_id)
    row = await repo.team_grant(project, team)
    if row is None:
        raise NotFound("This team has no access to this project.")
    grant = Grant(team, row.capability)
    await session.delete(row)
    await session.flush()
    return grant
