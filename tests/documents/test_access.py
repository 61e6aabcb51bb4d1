"""The project access rules, at the service level: every service of the domain goes through the
repository's one door to a project, so a project the caller cannot see does not exist for them
(404, content included), and READ makes every write a 403."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from dealbench.auth.principal import Principal
from dealbench.documents import activity, fields, files, folders, projects, templates
from dealbench.documents.schemas import AccessIn, FieldCreate, FolderCreate, ProjectCreate, TemplateIn
from dealbench.kit.errors import Forbidden, NotFound
from dealbench.kit.pagination import ListParams
from dealbench.models import (
    ApiToken,
    Capability,
    FieldType,
    Organization,
    Role,
    Team,
    TeamMember,
    TokenKind,
    User,
)

PAGE = ListParams()


async def _principal(session: AsyncSession, tenant: Any, user: User | None = None) -> Principal:
    """The organization token of ``tenant``, or a personal token of ``user``."""
    org = await session.get(Organization, tenant.org.id)
    assert org is not None
    if user is None:
        token = await session.get(ApiToken, tenant.token_row.id)
        assert token is not None
        return Principal(organization=org, token=token)
    personal = ApiToken(organization_id=org.id, user_id=user.id, kind=TokenKind.PERSONAL, scopes=["*"])
    return Principal(organization=org, token=personal, user=await session.get(User, user.id))


async def test_members_see_their_projects_with_the_best_capability(factory: Any, services: Any) -> None:
    tenant = await factory.tenant()
    member = await factory.user(tenant, role=Role.MEMBER)
    admin = await factory.user(tenant, role=Role.ADMIN)
    async with services.sessionmaker() as session:
        org = await _principal(session, tenant)
        as_member = await _principal(session, tenant, member)
        as_admin = await _principal(session, tenant, admin)
        pid = (await projects.create_project(session, org, ProjectCreate(name="Deal room"))).project.id
        await projects.create_project(session, org, ProjectCreate(name="Elsewhere"))

        with pytest.raises(NotFound):
            await projects.get_project(session, as_member, pid)
        assert (await projects.list_projects(session, as_member, PAGE))[1] == 0
        assert (await projects.get_project(session, as_admin, pid)).capability is Capability.READ_WRITE
        assert (await projects.list_projects(session, as_admin, PAGE))[1] == 2

        await projects.put_project_user(session, org, pid, member.email, AccessIn(capability=Capability.READ))
        assert (await projects.get_project(session, as_member, pid)).capability is Capability.READ
        with pytest.raises(Forbidden):
            await projects.get_project(session, as_member, pid, write=True)
        rows, total = await projects.list_projects(session, as_member, PAGE)
        assert total == 1 and [(r[0], r[-1]) for r in rows] == [(pid, "READ")]

        # Through a team, READ_WRITE: the best of the two memberships wins.
        team = Team(organization_id=tenant.org.id, name="Sales engineers")
        session.add(team)
        await session.flush()
        session.add(TeamMember(team_id=team.id, user_id=member.id))
        await projects.put_project_team(
            session, org, pid, team.id, AccessIn(capability=Capability.READ_WRITE)
        )
        assert (
            await projects.get_project(session, as_member, pid, write=True)
        ).capability is Capability.READ_WRITE
        rows, _ = await projects.list_projects(session, as_member, PAGE)
        assert [(r[0], r[-1]) for r in rows] == [(pid, "READ_WRITE")]


async def test_the_content_of_a_project_follows_its_access(factory: Any, services: Any) -> None:
    tenant = await factory.tenant()
    reader = await factory.user(tenant, role=Role.MEMBER)
    outsider = await factory.user(tenant, role=Role.MEMBER)
    async with services.sessionmaker() as session:
        org = await _principal(session, tenant)
        as_reader = await _principal(session, tenant, reader)
        as_outsider = await _principal(session, tenant, outsider)
        pid = (await projects.create_project(session, org, ProjectCreate(name="Files"))).project.id
        folder = await folders.create_folder(session, org, pid, FolderCreate(name="Contracts"))
        await projects.put_project_user(session, org, pid, reader.email, AccessIn(capability=Capability.READ))

        reads = [
            lambda p: folders.list_folders(session, p, pid, PAGE),
            lambda p: folders.get_folder(session, p, pid, "Contracts"),
            lambda p: files.list_documents(session, p, pid, PAGE),
            lambda p: fields.list_fields(session, p, pid, PAGE),
            lambda p: activity.list_activity(session, p, pid, PAGE),
            lambda p: projects.list_project_users(session, p, pid, PAGE),
        ]
        writes = [
            lambda p: folders.create_folder(session, p, pid, FolderCreate(name="More")),
            lambda p: folders.delete_folder(session, p, pid, str(folder.id), recursive=True),
            lambda p: fields.create_field(
                session, p, pid, FieldCreate(name="Status", type=FieldType.SHORT_TEXT)
            ),
            lambda p: projects.delete_project(session, p, pid),
        ]
        for call in reads + writes:
            with pytest.raises(NotFound, match="Project not found"):
                await call(as_outsider)
        for call in reads:
            await call(as_reader)
        for call in writes:
            with pytest.raises(Forbidden):
                await call(as_reader)
        with pytest.raises(NotFound, match="Project not found"):
            await files.get_document(session, as_outsider, pid, 1)


async def test_another_organizations_project_does_not_exist(factory: Any, services: Any) -> None:
    tenant, other = await factory.tenant(), await factory.tenant()
    async with services.sessionmaker() as session:
        theirs = await _principal(session, other)
        ours = await _principal(session, tenant)
        pid = (await projects.create_project(session, theirs, ProjectCreate(name="Theirs"))).project.id
        template = await templates.create_template(session, theirs, TemplateIn(name="Theirs"))
        with pytest.raises(NotFound):
            await projects.get_project(session, ours, pid)
        with pytest.raises(NotFound):
            await folders.list_folders(session, ours, pid, PAGE)
        with pytest.raises(NotFound):
            await templates.get_template(session, ours, template.id)
        assert (await projects.list_projects(session, ours, PAGE))[1] == 0


async def test_a_member_can_work_in_the_project_they_create(factory: Any, services: Any) -> None:
    tenant = await factory.tenant()
    member = await factory.user(tenant, role=Role.MEMBER)
    async with services.sessionmaker() as session:
        as_member = await _principal(session, tenant, member)
        made = await projects.create_project(session, as_member, ProjectCreate(name="Mine"))
        assert made.capability is Capability.READ_WRITE
        again = await projects.get_project(session, as_member, made.project.id, write=True)
        assert again.capability is Capability.READ_WRITE
