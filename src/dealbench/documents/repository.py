"""The statements of the documents domain: projects and who may see them, templates, folders,
documents, versions, metadata fields, the activity log, and the locks that guard shared blobs.

Every statement starts from the caller's organization (:class:`dealbench.kit.repository.Repository`).
Projects add their access rules on top: an organization token and ADMIN users see every project
(READ_WRITE); a personal token of anyone else sees the projects its user is a member of, directly
or through a team, with the best capability among those memberships. A project the caller cannot
see does not exist for them (404); READ makes every write a 403. :meth:`ProjectRepository.open`
is the one door to a project: the repositories of a project's content (:class:`InProject`) are
built from a project that passed it, and add ``project_id = :project`` to every statement.

Blobs are content-addressed and shared by every organization: :class:`BlobRepository` is the one
place whose statements span organizations (whether any version still uses a digest, and the
advisory locks that serialize storing and collecting a blob).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import (
    ColumnElement,
    Select,
    String,
    bindparam,
    delete,
    func,
    literal,
    select,
    union_all,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession

from dealbench.auth.principal import Principal
from dealbench.documents import presenter
from dealbench.kit.errors import Forbidden, NotFound
from dealbench.kit.locks import Lock, locked
from dealbench.kit.pagination import ListParams, paginate
from dealbench.kit.repository import Repository, is_id
from dealbench.models import (
    Capability,
    Deal,
    DocTemplate,
    Document,
    DocumentVersion,
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

M = TypeVar("M")


# ----------------------------------------------------------------------------- read models


@dataclass(frozen=True, slots=True)
class ProjectAccess:
    """A project the caller may see, and what they may do in it."""

    project: Project
    capability: Capability


@dataclass(frozen=True, slots=True)
class Grant:
    """Access given to a user or a team (``holder``) on a project."""

    holder: User | Team
    capability: Capability


# ----------------------------------------------------------------------------- projects


class ProjectRepository(Repository[Project]):
    """Projects as the caller sees them: :meth:`open` (and :meth:`page`) apply the access rules;
    the inherited :meth:`get` and :meth:`one` see every project of the organization (whether a deal
    already has a file center does not depend on who asks)."""

    model = Project
    what = "Project"

    def __init__(self, session: AsyncSession, principal: Principal) -> None:
        super().__init__(session, principal)
        self.principal = principal

    @property
    def sees_everything(self) -> bool:
        return not self.principal.is_personal or self.principal.is_admin

    def _memberships(self) -> Any:
        """``(project_id, capability)`` rows of the caller's direct and team memberships."""
        assert self.principal.user is not None
        user_id = self.principal.user.id
        direct = select(
            ProjectUser.project_id.label("project_id"), ProjectUser.capability.label("capability")
        ).where(ProjectUser.user_id == user_id)
        via_team = (
            select(ProjectTeam.project_id.label("project_id"), ProjectTeam.capability.label("capability"))
            .join(TeamMember, TeamMember.team_id == ProjectTeam.team_id)
            .where(TeamMember.user_id == user_id)
        )
        return union_all(direct, via_team).subquery()

    async def capability(self, project_id: int) -> Capability | None:
        """The caller's best capability on the project (None: no access)."""
        if self.sees_everything:
            return Capability.READ_WRITE
        memberships = self._memberships()
        rows = await self.session.execute(
            select(memberships.c.capability).where(memberships.c.project_id == project_id)
        )
        caps = {Capability(c) for c in rows.scalars()}
        if not caps:
            return None
        return Capability.READ_WRITE if Capability.READ_WRITE in caps else Capability.READ

    async def open(self, project_id: int, *, write: bool = False, lock: Lock | None = None) -> ProjectAccess:
        """The project, if the caller may see it (404 otherwise); ``write`` also needs READ_WRITE (403).

        A write inside the project (``write`` without ``lock``) holds ``Lock.SHARE`` on it: the project
        cannot be deleted under a document or folder being written, and writers of its content do
        not wait for each other. Changes of the project itself pass ``Lock.UPDATE`` or ``Lock.DELETE``.
        """
        if write and lock is None:
            lock = Lock.SHARE
        project = await self.one(project_id, lock=lock)
        capability = await self.capability(project.id)
        if capability is None:
            raise NotFound("Project not found.")
        if write and capability is not Capability.READ_WRITE:
            raise Forbidden("You have read-only access to this project (capability READ).")
        return ProjectAccess(project, capability)

    async def page(self, params: ListParams) -> tuple[list[Any], int]:
        """A page of the projects the caller sees (the presenter's columns, then the capability)."""
        stmt = select(*presenter.PROJECT.columns, self._capability_column()).where(self.owned())
        if not self.sees_everything:
            stmt = stmt.where(Project.id.in_(select(self._memberships().c.project_id)))
        return await paginate(self.session, stmt.order_by(Project.id), params)

    def _capability_column(self) -> Any:
        if self.sees_everything:
            return literal(Capability.READ_WRITE.value, String).label("capability")
        memberships = self._memberships()
        # The best capability is the greatest: 'READ_WRITE' sorts after 'READ'.
        best = select(func.max(memberships.c.capability)).where(memberships.c.project_id == Project.id)
        return best.scalar_subquery().label("capability")

    async def document_count(self, project: Project) -> int:
        stmt = (
            select(func.count())
            .select_from(Document)
            .where(self.owned(Document), Document.project_id == project.id)
        )
        return int((await self.session.execute(stmt)).scalar_one())

    # ------------------------------------------------------------------ the deal whose file center it is

    async def lock_deals(self, deal_ids: Collection[int]) -> dict[int, Deal]:
        """Lock the deals ``deal_ids`` together, in id order."""
        stmt = select(Deal).where(self.owned(Deal), Deal.id.in_(deal_ids)).order_by(Deal.id)
        return {d.id: d for d in (await self.session.execute(locked(stmt, Lock.UPDATE))).scalars()}

    async def unlink_deals(self, project: Project) -> None:
        await self.session.execute(
            update(Deal).where(self.owned(Deal), Deal.project_id == project.id).values(project_id=None)
        )

    async def detach_template(self, template: DocTemplate) -> None:
        """Projects made from ``template`` keep their folders and fields (they were copied)."""
        await self.session.execute(
            update(Project).where(self.owned(), Project.template_id == template.id).values(template_id=None)
        )

    # ------------------------------------------------------------------ access lists

    async def team(self, team_id: int) -> Team:
        stmt = select(Team).where(self.owned(Team), Team.id == team_id)
        team = (await self.session.execute(stmt)).scalar_one_or_none()
        if team is None:
            raise NotFound("Team not found.")
        return team

    async def user_grant(self, project: Project, user: User) -> ProjectUser | None:
        return await self.session.get(ProjectUser, (project.id, user.id))

    async def team_grant(self, project: Project, team: Team) -> ProjectTeam | None:
        return await self.session.get(ProjectTeam, (project.id, team.id))

    async def user_grants(self, project: Project, params: ListParams) -> tuple[list[Any], int]:
        """A page of the users given access (the presenter's columns), in user id order."""
        stmt = (
            select(*presenter.PROJECT_USER.columns)
            .join(ProjectUser, ProjectUser.user_id == User.id)
            .where(self.owned(User), ProjectUser.project_id == project.id, User.deleted_at.is_(None))
            .order_by(User.id)
        )
        return await paginate(self.session, stmt, params)

    async def team_grants(self, project: Project, params: ListParams) -> tuple[list[Any], int]:
        """A page of the teams given access (the presenter's columns), in team id order."""
        stmt = (
            select(*presenter.PROJECT_TEAM.columns)
            .join(ProjectTeam, ProjectTeam.team_id == Team.id)
            .where(self.owned(Team), ProjectTeam.project_id == project.id)
            .order_by(Team.id)
        )
        return await paginate(self.session, stmt, params)


class TemplateRepository(Repository[DocTemplate]):
    model = DocTemplate
    what = "Template"

    async def page(self, params: ListParams) -> tuple[list[Any], int]:
        stmt = select(*presenter.TEMPLATE.columns).where(self.owned()).order_by(DocTemplate.id)
        return await paginate(self.session, stmt, params)


# ----------------------------------------------------------------------------- a project's content


#: ``get`` of the tables of a project's content, per (table, lock): built once.
_IN_PROJECT: dict[tuple[type[Any], Lock | None], Select[Any]] = {}


class InProject(Repository[M]):
    """The statements of a table of a project's content, in one project the caller may see (a
    project from :meth:`ProjectRepository.open`)."""

    def __init__(self, session: AsyncSession, principal: Principal, project: Project) -> None:
        super().__init__(session, principal)
        self.project = project

    def in_project(self, model: Any = None) -> ColumnElement[bool]:
        return (model if model is not None else self.model).project_id == self.project.id  # type: ignore[no-any-return]

    def select(self, *entities: Any) -> Select[Any]:
        return super().select(*entities).where(self.in_project())

    async def get(self, object_id: Any, *, lock: Lock | None = None) -> M | None:
        """The row ``object_id`` of this project, or ``None`` (a statement built once per table and lock)."""
        if not is_id(object_id):
            return None
        key = (self.model, lock)
        stmt = _IN_PROJECT.get(key)
        if stmt is None:
            m = self.model
            where = (m.organization_id == bindparam("org"), m.project_id == bindparam("project"))
            stmt = _IN_PROJECT[key] = locked(select(m).where(*where, m.id == bindparam("object_id")), lock)
        params = {"org": self.organization_id, "project": self.project.id, "object_id": object_id}
        return (await self.session.execute(stmt, params)).scalar_one_or_none()  # type: ignore[no-any-return]

    def add(self, obj: M) -> M:
        obj.project_id = self.project.id  # type: ignore[attr-defined]
        return super().add(obj)


class FolderRepository(InProject[Folder]):
    model = Folder
    what = "Folder"

    async def page(self, params: ListParams) -> tuple[list[Any], int]:
        stmt = select(*presenter.FOLDER.columns).where(self.owned(), self.in_project()).order_by(Folder.id)
        return await paginate(self.session, stmt, params)

    async def by_path(self, path: str, *, lock: Lock | None = None) -> Folder | None:
        stmt = self.select().where(Folder.path == path)
        return (await self.session.execute(locked(stmt, lock))).scalar_one_or_none()  # type: ignore[no-any-return]

    async def named(self, name: str, *, lock: Lock | None = None) -> list[Folder]:
        """At most two folders named ``name`` (enough to tell whether the name is unique)."""
        stmt = self.select().where(Folder.name == name).order_by(Folder.id).limit(2)
        return list((await self.session.execute(locked(stmt, lock))).scalars())

    async def path_taken(self, path: str) -> bool:
        return (
            await self.session.execute(self.select(Folder.id).where(Folder.path == path))
        ).first() is not None

    async def lock_subtree(self, folder: Folder) -> list[int]:
        """Lock the folder and its descendants (by path prefix, safe for any character in names) for
        deletion, in id order; their ids."""
        prefix = folder.path + "/"
        subtree = (Folder.id == folder.id) | (func.substr(Folder.path, 1, len(prefix)) == prefix)
        return [f.id for f in await self.lock_rows(subtree, lock=Lock.DELETE)]

    async def remove(self, folder: Folder) -> None:
        """Delete the folder (its subfolders go with it: ON DELETE CASCADE)."""
        await self.session.execute(delete(Folder).where(self.owned(), Folder.id == folder.id))


@dataclass(frozen=True, slots=True)
class DocumentFilters:
    #: Only the documents directly in this folder (``root``: at the project's root).
    folder_id: int | None = None
    root: bool = False
    #: Only the documents created or modified at or after this instant.
    since: datetime | None = None


class DocumentRepository(InProject[Document]):
    model = Document
    what = "Document"

    async def page(self, filters: DocumentFilters, params: ListParams) -> tuple[list[Any], int]:
        stmt = select(*presenter.DOCUMENT_COLUMNS).where(self.owned(), self.in_project())
        if filters.root:
            stmt = stmt.where(Document.folder_id.is_(None))
        elif filters.folder_id is not None:
            stmt = stmt.where(Document.folder_id == filters.folder_id)
        if filters.since is not None:
            stmt = stmt.where(Document.updated_at >= filters.since)
        return await paginate(self.session, stmt.order_by(Document.id), params)

    async def in_folders(self, folder_ids: Sequence[int], *, lock: Lock) -> list[Document]:
        return list(await self.lock_rows(Document.folder_id.in_(folder_ids), lock=lock))

    async def forget_duplicates_of(self, document_ids: Sequence[int]) -> None:
        """Documents that duplicated one of these no longer point at it."""
        await self.session.execute(
            update(Document)
            .where(self.owned(), Document.duplicate_of_document_id.in_(document_ids))
            .values(duplicate_of_document_id=None)
        )

    async def remove_versions(self, document_ids: Sequence[int]) -> None:
        await self.session.execute(
            delete(DocumentVersion).where(
                self.owned(DocumentVersion), DocumentVersion.document_id.in_(document_ids)
            )
        )

    async def remove(self, document_ids: Sequence[int]) -> None:
        """Delete the documents (their versions first)."""
        await self.remove_versions(document_ids)
        await self.session.execute(delete(Document).where(self.owned(), Document.id.in_(document_ids)))


#: ``pg_advisory_xact_lock(DUPLICATE_LOCK_CLASS, <32 bits of project and digest>)``
DUPLICATE_LOCK_CLASS = 0x647570  # "dup"


class VersionRepository(InProject[DocumentVersion]):
    model = DocumentVersion
    what = "Document version"

    async def lock_content(self, sha256: str) -> None:
        """Serialize the uploads of one content into the project until the transaction ends (a
        PostgreSQL advisory lock keyed on project and digest; on SQLite the write transaction
        already is)."""
        if self.postgres:
            key = (int(sha256[:8], 16) ^ (self.project.id * 0x9E3779B1)) & 0xFFFFFFFF
            await self.session.execute(select(func.pg_advisory_xact_lock(DUPLICATE_LOCK_CLASS, key - 2**31)))

    async def first_with_content(self, size: int, sha256: str, *, other_than: int | None) -> int | None:
        """The lowest id of a document of the project with a version of this size and digest."""
        stmt = self.select(DocumentVersion.document_id).where(
            DocumentVersion.sha256 == sha256, DocumentVersion.size == size
        )
        if other_than is not None:
            stmt = stmt.where(DocumentVersion.document_id != other_than)
        return await self.session.scalar(stmt.order_by(DocumentVersion.document_id).limit(1))

    async def digests(self, document_ids: Sequence[int]) -> list[str]:
        """The SHA-256 digests the versions of these documents use (each once)."""
        stmt = self.select(DocumentVersion.sha256).where(DocumentVersion.document_id.in_(document_ids))
        return list((await self.session.execute(stmt.distinct())).scalars())

    async def last_number(self, document: Document) -> int:
        stmt = select(func.max(DocumentVersion.number)).where(
            self.owned(), self.in_project(), DocumentVersion.document_id == document.id
        )
        return int((await self.session.execute(stmt)).scalar_one() or 0)

    async def of_document(self, document: Document) -> list[DocumentVersion]:
        """Every version of the document, oldest first."""
        stmt = self.select().where(DocumentVersion.document_id == document.id).order_by(DocumentVersion.id)
        return list((await self.session.execute(stmt)).scalars())

    async def page(self, document: Document, params: ListParams) -> tuple[list[Any], int]:
        stmt = (
            select(*presenter.VERSION.columns)
            .where(self.owned(), self.in_project(), DocumentVersion.document_id == document.id)
            .order_by(DocumentVersion.id)
        )
        return await paginate(self.session, stmt, params)

    async def of(self, document: Document, version_id: int | None) -> DocumentVersion | None:
        stmt = self.select().where(
            DocumentVersion.document_id == document.id, DocumentVersion.id == version_id
        )
        return (await self.session.execute(stmt)).scalar_one_or_none()  # type: ignore[no-any-return]


class FieldRepository(InProject[ProjectField]):
    model = ProjectField
    what = "Field"

    async def all(self) -> list[ProjectField]:
        """The project's fields, in id order."""
        return list((await self.session.execute(self.select().order_by(ProjectField.id))).scalars())

    async def name_taken(self, name: str) -> bool:
        stmt = self.select(ProjectField.id).where(func.lower(ProjectField.name) == name.lower())
        return (await self.session.execute(stmt)).first() is not None


class ActivityRepository(InProject[ProjectActivity]):
    model = ProjectActivity
    what = "Activity"

    async def page(self, params: ListParams) -> tuple[list[Any], int]:
        stmt = (
            select(*presenter.ACTIVITY.columns)
            .where(self.owned(), self.in_project())
            .order_by(ProjectActivity.id)
        )
        return await paginate(self.session, stmt, params)


# ----------------------------------------------------------------------------- blobs

#: ``pg_advisory_xact_lock(BLOB_LOCK_CLASS, <32 bits of the digest>)`` guards a blob's life.
BLOB_LOCK_CLASS = 0x646F63  # "doc"
#: ``pg_advisory_xact_lock_shared(COLLECTION_LOCK_CLASS, 0)`` is held by every blob collector.
COLLECTION_LOCK_CLASS = 0x636F6C  # "col"


class BlobRepository:
    """Blobs are shared by content across organizations: these statements span them."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    @property
    def postgres(self) -> bool:
        return self.session.get_bind().dialect.name == "postgresql"

    async def lock(self, sha256: str) -> None:
        """Serialize storing a blob and collecting it, until the transaction ends.

        An upload takes it before promoting its blob, the collector before checking that no version
        uses a blob and deleting it: a collector can never delete a blob an upload is about to
        reference. On SQLite both already run inside a write transaction (one writer at a time).
        """
        if self.postgres:
            key = int(sha256[:8], 16) - 2**31
            await self.session.execute(select(func.pg_advisory_xact_lock(BLOB_LOCK_CLASS, key)))

    async def lock_collection(self, *, exclusive: bool, wait: bool = True) -> bool:
        """Collectors take this lock shared (they never wait for each other); an organization import,
        which stores many blobs before its single commit, takes it exclusively until it commits, so no
        collector deletes a blob the import is about to reference. One lock instead of one per blob:
        an import may store more blobs than PostgreSQL's lock table holds. On SQLite collectors and
        imports run in write transactions already (one writer at a time).

        ``wait=False`` answers at once whether the lock was taken (a collector then waits elsewhere,
        without holding a connection for as long as an import runs).
        """
        if not self.postgres:
            return True
        if wait:
            lock = func.pg_advisory_xact_lock if exclusive else func.pg_advisory_xact_lock_shared
            await self.session.execute(select(lock(COLLECTION_LOCK_CLASS, 0)))
            return True
        try_lock = func.pg_try_advisory_xact_lock if exclusive else func.pg_try_advisory_xact_lock_shared
        return bool((await self.session.execute(select(try_lock(COLLECTION_LOCK_CLASS, 0)))).scalar())

    async def unreferenced(self, digests: Iterable[str]) -> list[str]:
        """Which of these SHA-256 digests no version uses any more (in any organization)."""
        wanted = set(digests)
        if not wanted:
            return []
        stmt = select(DocumentVersion.sha256).where(DocumentVersion.sha256.in_(wanted)).distinct()
        used = set((await self.session.execute(stmt)).scalars())
        return sorted(wanted - used)


class SharedDocuments(Repository[Document]):
    """The documents of a deal's file center (its projects) that the seller shared with the buyer:
    what the buyer portal lists and serves, outside any project's access rules (a buyer is no user)."""

    model = Document
    what = "Document"

    def _of_deal(self, deal_id: int) -> Any:
        return (
            self.select()
            .join(Project, Project.id == Document.project_id)
            .where(self.owned(Project), Project.deal_id == deal_id, Document.shared_with_buyer.is_(True))
        )

    async def of_deal(self, deal_id: int) -> list[Document]:
        stmt = self._of_deal(deal_id).order_by(Document.name, Document.id)
        return list((await self.session.execute(stmt)).scalars())

    async def current_version(
        self, deal_id: int, document_id: int
    ) -> tuple[Document, DocumentVersion] | None:
        if not is_id(document_id):
            return None
        stmt = (
            self._of_deal(deal_id)
            .add_columns(DocumentVersion)
            .join(DocumentVersion, DocumentVersion.id == Document.current_version_id)
            .where(Document.id == document_id, self.owned(DocumentVersion))
        )
        row = (await self.session.execute(stmt)).first()
        return (row[0], row[1]) if row is not None else None
