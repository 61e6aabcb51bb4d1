"""Projects, project access, templates, metadata fields and the activity log.

Access: an organization token and ADMIN users see every project (READ_WRITE); a personal token
of anyone else sees the projects its user is a member of, directly or through a team, with the
best capability among those memberships. No access is a 404 for the project and everything in it;
READ makes every write a 403.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select, union_all, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from dealbench.auth.principal import Principal
from dealbench.documents.schemas import (
    AccessIn,
    FieldCreate,
    ProjectCreate,
    ProjectUpdate,
    TemplateFolder,
    TemplateIn,
    TemplateUpdate,
)
from dealbench.kit.db import utcnow
from dealbench.kit.errors import Conflict, Forbidden, NotFound, ValidationFailed
from dealbench.kit.pagination import ListParams
from dealbench.kit.tenancy import Lock, get_in_tenant, in_tenant, lock_rows
from dealbench.models import (
    Capability,
    Deal,
    DocTemplate,
    Document,
    FieldType,
    Folder,
    Project,
    ProjectActivity,
    ProjectField,
    ProjectTeam,
    ProjectUser,
    Team,
    TeamMember,
    User,
)
from dealbench.users.directory import find_by_email

# ----------------------------------------------------------------------------- access


def sees_everything(principal: Principal) -> bool:
    return not principal.is_personal or principal.is_admin


def _membership_capabilities(user_id: int) -> Any:
    """``(project_id, capability)`` rows of a user's direct and team memberships."""
    direct = select(
        ProjectUser.project_id.label("project_id"), ProjectUser.capability.label("capability")
    ).where(ProjectUser.user_id == user_id)
    via_team = (
        select(ProjectTeam.project_id.label("project_id"), ProjectTeam.capability.label("capability"))
        .join(TeamMember, TeamMember.team_id == ProjectTeam.team_id)
        .where(TeamMember.user_id == user_id)
    )
    return union_all(direct, via_team).subquery()


def _visible_projects(principal: Principal) -> Any:
    stmt = in_tenant(Project, principal.organization_id)
    if not sees_everything(principal):
        assert principal.user is not None
        memberships = _membership_capabilities(principal.user.id)
        stmt = stmt.where(Project.id.in_(select(memberships.c.project_id)))
    return stmt


async def capability_of(session: AsyncSession, principal: Principal, project_id: int) -> Capability | None:
    if sees_everything(principal):
        return Capability.READ_WRITE
    assert principal.user is not None
    memberships = _membership_capabilities(principal.user.id)
    rows = await session.execute(
        select(memberships.c.capability).where(memberships.c.project_id == project_id)
    )
    caps = {Capability(c) for c in rows.scalars()}
    if not caps:
        return None
    return Capability.READ_WRITE if Capability.READ_WRITE in caps else Capability.READ


async def get_project(
    session: AsyncSession,
    principal: Principal,
    project_id: int,
    *,
    write: bool = False,
    lock: Lock | None = None,
) -> Project:
    """The project, if the principal may see it (404 otherwise); ``write`` also needs READ_WRITE (403).

    A write inside the project (``write`` without ``lock``) holds ``Lock.SHARE`` on it: the project
    cannot be deleted under a document or folder being written, and writers of its content do
    not wait for each other. Changes of the project itself pass ``Lock.UPDATE`` or ``Lock.DELETE``.
    """
    if write and lock is None:
        lock = Lock.SHARE
    project = await get_in_tenant(
        session, Project, principal.organization_id, project_id, what="Project", lock=lock
    )
    capability = await capability_of(session, principal, project.id)
    if capability is None:
        raise NotFound("Project not found.")
    project.capability = capability  # type: ignore[attr-defined]
    if write and capability is not Capability.READ_WRITE:
        raise Forbidden("You have read-only access to this project (capability READ).")
    return project


def _require_project_admin(principal: Principal, what: str) -> None:
    if not sees_everything(principal):
        raise Forbidden(f"Only administrators may change {what}.")


# ----------------------------------------------------------------------------- projects


async def list_projects(
    session: AsyncSession, principal: Principal, params: ListParams
) -> tuple[list[Project], int]:
    base = _visible_projects(principal)
    total = (await session.execute(select(func.count()).select_from(base.subquery()))).scalar_one()
    rows = list(
        (await session.execute(base.order_by(Project.id).limit(params.limit).offset(params.offset))).scalars()
    )
    if sees_everything(principal):
        for p in rows:
            p.capability = Capability.READ_WRITE  # type: ignore[attr-defined]
    elif rows:
        assert principal.user is not None
        memberships = _membership_capabilities(principal.user.id)
        caps: dict[int, Capability] = {}
        result = await session.execute(
            select(memberships.c.project_id, memberships.c.capability).where(
                memberships.c.project_id.in_([p.id for p in rows])
            )
        )
        for pid, cap in result:
            if caps.get(pid) is not Capability.READ_WRITE:
                caps[pid] = Capability(cap)
        for p in rows:
            p.capability = caps.get(p.id)  # type: ignore[attr-defined]
    return rows, total


async def _resolve_deal(session: AsyncSession, principal: Principal, ref: int | str) -> Deal:
    """A deal of the organization by numeric id or ``eid:<vendorEntityId>``; any other is bad input
    (the body's ``dealId``: a deal the caller cannot see is not there)."""
    stmt = in_tenant(Deal, principal.organization_id)
    text = str(ref).strip()
    if text.startswith("eid:") and len(text) > 4:
        stmt = stmt.where(Deal.vendor_entity_id == text[4:])
    elif text.isascii() and text.isdigit():
        if int(text) > 2**31 - 1:
            raise ValidationFailed.at(["dealId"], f"Deal {text} not found.")
        stmt = stmt.where(Deal.id == int(text))
    else:
        raise ValidationFailed.at(["dealId"], "Expected a deal id or 'eid:<vendorEntityId>'.")
    deal = (await session.execute(stmt)).scalar_one_or_none()
    if deal is None:
        raise ValidationFailed.at(["dealId"], f"Deal {text} not found.")
    return deal


async def _link_deal(
    session: AsyncSession, principal: Principal, project: Project, ref: int | str | None
) -> None:
    """Link the deal ``ref`` (None: unlink). The project is locked by the caller; the deals
    involved (the one linked now, the new one) are locked together, in id order."""
    target = await _resolve_deal(session, principal, ref) if ref is not None else None
    ids = {i for i in (project.deal_id, target.id if target else None) if i is not None}
    deals = {}
    if ids:
        deals = {d.id: d for d in await lock_rows(session, Deal, principal.organization_id, Deal.id.in_(ids))}
    if target is not None and target.project_id is not None and target.project_id != project.id:
        other = await session.get(Project, target.project_id)
        if other is not None:
            raise Conflict(f"Deal {target.id} already has a file center: project {target.project_id}.")
    current = deals.get(project.deal_id) if project.deal_id is not None else None
    if current is not None and current is not target and current.project_id == project.id:
        current.project_id = None
    project.deal_id = None
    if target is not None:
        target.project_id = project.id
        project.deal_id = target.id


async def create_project(session: AsyncSession, principal: Principal, data: ProjectCreate) -> Project:
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
        _require_project_admin(principal, "the project setting apiDownloadEnabled")
    project = Project(
        organization_id=principal.organization_id,
        name=data.name,
        description=data.description,
        template_id=template.id if template else None,
        api_download_enabled=download,
        created_by_user_id=principal.acting_user_id,
    )
    session.add(project)
    await session.flush()
    if principal.is_personal and principal.user is not None and not principal.is_admin:
        # The creator of a project can work in it.
        session.add(
            ProjectUser(project_id=project.id, user_id=principal.user.id, capability=Capability.READ_WRITE)
        )
    if template is not None:
        await _apply_template(session, principal, project, template)
    if data.deal_id is not None:
        await _link_deal(session, principal, project, data.deal_id)
    await session.flush()
    project.capability = Capability.READ_WRITE  # type: ignore[attr-defined]
    return project


async def _apply_template(
    session: AsyncSession, principal: Principal, project: Project, template: DocTemplate
) -> None:
    async def add(nodes: list[Any], parent: Folder | None) -> None:
        for node in nodes:
            name = node["name"]
            folder = Folder(
                organization_id=principal.organization_id,
                project_id=project.id,
                parent_id=parent.id if parent else None,
                name=name,
                path=f"{parent.path}/{name}" if parent else name,
            )
            session.add(folder)
            await session.flush()
            await add(node.get("children") or [], folder)

    await add(template.folders or [], None)
    for spec in template.fields or []:
        session.add(
            ProjectField(
                organization_id=principal.organization_id,
                project_id=project.id,
                name=spec["name"],
                type=FieldType(spec["type"]),
                options=spec.get("options"),
            )
        )


async def update_project(
    session: AsyncSession, principal: Principal, project_id: int, data: ProjectUpdate
) -> Project:
    project = await get_project(session, principal, project_id, write=True, lock=Lock.UPDATE)
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
            _require_project_admin(principal, "the project setting apiDownloadEnabled")
        project.api_download_enabled = data.api_download_enabled
    if "deal_id" in changes:
        await _link_deal(session, principal, project, data.deal_id)
    project.updated_at = utcnow()
    await session.flush()
    return project


async def delete_project(session: AsyncSession, principal: Principal, project_id: int) -> Project:
    project = await get_project(session, principal, project_id, write=True, lock=Lock.DELETE)
    count = (
        await session.execute(
            select(func.count()).select_from(Document).where(Document.project_id == project.id)
        )
    ).scalar_one()
    if count:
        raise Conflict(f"The project still holds {count} document(s); delete them first.")
    await session.execute(update(Deal).where(Deal.project_id == project.id).values(project_id=None))
    # Folders, fields, access and activity go with it (ON DELETE CASCADE).
    await session.delete(project)
    await session.flush()
    return project


# ----------------------------------------------------------------------------- access lists


async def list_project_users(
    session: AsyncSession, principal: Principal, project_id: int, params: ListParams
) -> tuple[list[dict[str, Any]], int]:
    project = await get_project(session, principal, project_id)
    base = (
        select(User, ProjectUser.capability)
        .join(ProjectUser, ProjectUser.user_id == User.id)
        .where(ProjectUser.project_id == project.id, User.deleted_at.is_(None))
    )
    total = (await session.execute(select(func.count()).select_from(base.subquery()))).scalar_one()
    rows = await session.execute(base.order_by(User.id).limit(params.limit).offset(params.offset))
    return [_user_entry(u, cap) for u, cap in rows], total


def _user_entry(user: User, capability: Capability) -> dict[str, Any]:
    return {
        "id": user.id,
        "email": user.email,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "role": user.role.value,
        "capability": capability,
    }


async def _member_user(session: AsyncSession, principal: Principal, email: str) -> User:
    user = await find_by_email(session, principal, email)
    if user is None:
        raise NotFound(f"No user with email '{email}' in this organization.")
    return user


async def put_project_user(
    session: AsyncSession, principal: Principal, project_id: int, email: str, data: AccessIn | None
) -> dict[str, Any]:
    """Give a user access (idempotent; a second PUT changes the capability)."""
    project = await get_project(session, principal, project_id, write=True, lock=Lock.UPDATE)
    user = await _member_user(session, principal, email)
    capability = data.capability if data is not None else Capability.READ_WRITE
    row = await session.get(ProjectUser, (project.id, user.id))
    if row is None:
        session.add(ProjectUser(project_id=project.id, user_id=user.id, capability=capability))
    else:
        row.capability = capability
    await session.flush()
    return _user_entry(user, capability)


async def delete_project_user(
    session: AsyncSession, principal: Principal, project_id: int, email: str
) -> dict[str, Any]:
    project = await get_project(session, principal, project_id, write=True, lock=Lock.UPDATE)
    user = await _member_user(session, principal, email)
    row = await session.get(ProjectUser, (project.id, user.id))
    if row is None:
        raise NotFound(f"'{email}' is not a member of this project.")
    entry = _user_entry(user, row.capability)
    await session.delete(row)
    await session.flush()
    return entry


def _team_entry(team: Team, capability: Capability) -> dict[str, Any]:
    return {"id": team.id, "name": team.name, "description": team.description, "capability": capability}


async def list_project_teams(
    session: AsyncSession, principal: Principal, project_id: int, params: ListParams
) -> tuple[list[dict[str, Any]], int]:
    project = await get_project(session, principal, project_id)
    base = (
        select(Team, ProjectTeam.capability)
        .join(ProjectTeam, ProjectTeam.team_id == Team.id)
        .where(ProjectTeam.project_id == project.id)
    )
    total = (await session.execute(select(func.count()).select_from(base.subquery()))).scalar_one()
    rows = await session.execute(base.order_by(Team.id).limit(params.limit).offset(params.offset))
    return [_team_entry(t, cap) for t, cap in rows], total


async def put_project_team(
    session: AsyncSession, principal: Principal, project_id: int, team_id: int, data: AccessIn | None
) -> dict[str, Any]:
    project = await get_project(session, principal, project_id, write=True, lock=Lock.UPDATE)
    team = await get_in_tenant(session, Team, principal.organization_id, team_id, what="Team")
    capability = data.capability if data is not None else Capability.READ_WRITE
    row = await session.get(ProjectTeam, (project.id, team.id))
    if row is None:
        session.add(ProjectTeam(project_id=project.id, team_id=team.id, capability=capability))
    else:
        row.capability = capability
    await session.flush()
    return _team_entry(team, capability)


async def delete_project_team(
    session: AsyncSession, principal: Principal, project_id: int, team_id: int
) -> dict[str, Any]:
    project = await get_project(session, principal, project_id, write=True, lock=Lock.UPDATE)
    team = await get_in_tenant(session, Team, principal.organization_id, team_id, what="Team")
    row = await session.get(ProjectTeam, (project.id, team.id))
    if row is None:
        raise NotFound("This team has no access to this project.")
    entry = _team_entry(team, row.capability)
    await session.delete(row)
    await session.flush()
    return entry


# ----------------------------------------------------------------------------- templates


def _folders_json(folders: list[TemplateFolder]) -> list[dict[str, Any]]:
    return [{"name": f.name, "children": _folders_json(f.children)} for f in folders]


async def list_templates(
    session: AsyncSession, principal: Principal, params: ListParams
) -> tuple[list[DocTemplate], int]:
    base = in_tenant(DocTemplate, principal.organization_id)
    total = (await session.execute(select(func.count()).select_from(base.subquery()))).scalar_one()
    rows = await session.execute(base.order_by(DocTemplate.id).limit(params.limit).offset(params.offset))
    return list(rows.scalars()), total


async def get_template(
    session: AsyncSession, principal: Principal, template_id: int, *, lock: Lock | None = None
) -> DocTemplate:
    return await get_in_tenant(
        session, DocTemplate, principal.organization_id, template_id, what="Template", lock=lock
    )


async def create_template(session: AsyncSession, principal: Principal, data: TemplateIn) -> DocTemplate:
    template = DocTemplate(
        organization_id=principal.organization_id,
        name=data.name,
        description=data.description,
        folders=_folders_json(data.folders),
        fields=[f.model_dump(mode="json", exclude_none=True) for f in data.fields],
    )
    session.add(template)
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
    await session.execute(update(Project).where(Project.template_id == template.id).values(template_id=None))
    await session.delete(template)
    await session.flush()
    return template


# ----------------------------------------------------------------------------- fields

#: ``(id, name, type, read_only)``: the fields every document has.
STANDARD_FIELDS: list[tuple[str, str, FieldType, bool]] = [
    ("name", "Name", FieldType.SHORT_TEXT, False),
    ("date", "Date", FieldType.DATE, False),
    ("description", "Description", FieldType.LONG_TEXT, False),
    ("fileName", "File name", FieldType.SHORT_TEXT, True),
    ("addedBy", "Added by", FieldType.NUMBER, True),
    ("dateAdded", "Date added", FieldType.DATETIME, True),
]


async def list_fields(
    session: AsyncSession, principal: Principal, project_id: int, params: ListParams
) -> tuple[list[dict[str, Any]], int]:
    """The standard fields, then the project's own (in id order)."""
    project = await get_project(session, principal, project_id)
    standard = [
        {"id": fid, "name": name, "type": ftype, "options": None, "standard": True, "read_only": ro}
        for fid, name, ftype, ro in STANDARD_FIELDS
    ]
    custom = (
        await session.execute(
            in_tenant(ProjectField, principal.organization_id)
            .where(ProjectField.project_id == project.id)
            .order_by(ProjectField.id)
        )
    ).scalars()
    items = standard + [
        {
            "id": f.id,
            "name": f.name,
            "type": f.type,
            "options": f.options,
            "standard": False,
            "read_only": False,
        }
        for f in custom
    ]
    return items[params.offset : params.offset + params.limit], len(items)


async def create_field(
    session: AsyncSession, principal: Principal, project_id: int, data: FieldCreate
) -> dict[str, Any]:
    project = await get_project(session, principal, project_id, write=True)
    if data.name.lower() in {name.lower() for _, name, _, _ in STANDARD_FIELDS}:
        raise Conflict(f"'{data.name}' is a standard field.")
    exists = await session.execute(
        select(ProjectField.id).where(
            ProjectField.project_id == project.id, func.lower(ProjectField.name) == data.name.lower()
        )
    )
    if exists.first() is not None:
        raise Conflict(f"The project already has a field named '{data.name}'.")
    field = ProjectField(
        organization_id=principal.organization_id,
        project_id=project.id,
        name=data.name,
        type=data.type,
        options=data.options,
    )
    try:
        async with session.begin_nested():
            session.add(field)
    except IntegrityError as exc:
        raise Conflict(f"The project already has a field named '{data.name}'.") from exc
    return {
        "id": field.id,
        "name": field.name,
        "type": field.type,
        "options": field.options,
        "standard": False,
        "read_only": False,
    }


def _type_issue(expected: str, value: Any) -> ValidationFailed:
    from dealbench.kit.zod import received_type

    received = received_type(value)
    return ValidationFailed.at(
        ["value"],
        f"Expected {expected}, received {received}",
        code="invalid_type",
        expected=expected,
        received=received,
    )


def validate_field_value(ftype: FieldType, options: list[str] | None, value: Any) -> Any:
    """The stored form of ``value`` for a field of type ``ftype`` (400 with a Zod issue otherwise)."""
    if value is None:
        return None
    if ftype in (FieldType.SHORT_TEXT, FieldType.LONG_TEXT):
        if not isinstance(value, str):
            raise _type_issue("string", value)
        limit = 255 if ftype is FieldType.SHORT_TEXT else 100_000
        if len(value) > limit:
            raise ValidationFailed.at(
                ["value"],
                f"String must contain at most {limit} character(s)",
                code="too_big",
                maximum=limit,
                type="string",
                inclusive=True,
                exact=False,
            )
        return value
    if ftype is FieldType.NUMBER:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise _type_issue("number", value)
        if value != value or value in (float("inf"), float("-inf")):
            raise _type_issue("number", value)
        return value
    if ftype is FieldType.BOOLEAN:
        if not isinstance(value, bool):
            raise _type_issue("boolean", value)
        return value
    if ftype is FieldType.DATE:
        if not isinstance(value, str):
            raise _type_issue("string", value)
        try:
            if len(value) != 10:
                raise ValueError(value)
            return date.fromisoformat(value).isoformat()
        except ValueError:
            raise ValidationFailed.at(
                ["value"], "Invalid date (expected YYYY-MM-DD)", code="invalid_string", validation="date"
            ) from None
    if ftype is FieldType.DATETIME:
        if not isinstance(value, str):
            raise _type_issue("string", value)
        try:
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            raise ValidationFailed.at(
                ["value"], "Invalid datetime", code="invalid_string", validation="datetime"
            ) from None
        if parsed.tzinfo is None:
            raise ValidationFailed.at(
                ["value"],
                "Invalid datetime (a time zone offset or Z is required)",
                code="invalid_string",
                validation="datetime",
            )
        from dealbench.kit.schemas import iso_ms

        return iso_ms(parsed)
    if ftype is FieldType.CHOICE:
        opts = options or []
        if not isinstance(value, str) or value not in opts:
            return_opts = " | ".join(f"'{o}'" for o in opts)
            raise ValidationFailed.at(
                ["value"],
                f"Invalid enum value. Expected {return_opts}, received '{value}'",
                code="invalid_enum_value",
                options=opts,
                received=value,
            )
        return value
    raise ValidationFailed.at(["value"], "Unsupported field type.")  # pragma: no cover


# ----------------------------------------------------------------------------- activity


def record(
    session: AsyncSession,
    principal: Principal,
    project_id: int,
    action: str,
    *,
    document_id: int | None = None,
    version_id: int | None = None,
    **details: Any,
) -> None:
    session.add(
        ProjectActivity(
            organization_id=principal.organization_id,
            project_id=project_id,
            document_id=document_id,
            version_id=version_id,
            action=action,
            user_id=principal.acting_user_id,
            details=details,
        )
    )


async def list_activity(
    session: AsyncSession, principal: Principal, project_id: int, params: ListParams
) -> tuple[list[ProjectActivity], int]:
    project = await get_project(session, principal, project_id)
    base = in_tenant(ProjectActivity, principal.organization_id).where(
        ProjectActivity.project_id == project.id
    )
    total = (await session.execute(select(func.count()).select_from(base.subquery()))).scalar_one()
    rows = await session.execute(base.order_by(ProjectActivity.id).limit(params.limit).offset(params.offset))
    return list(rows.scalars()), total
