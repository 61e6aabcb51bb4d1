"""Folders of a project: a tree whose paths (``Contracts/Signed``) are unique in the project, so
names are unique among siblings. A folder is named by its id, its path, or a name that is unique."""

from __future__ import annotations

from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from dealbench.auth.principal import Principal
from dealbench.documents import activity
from dealbench.documents.repository import (
    DocumentRepository,
    FolderRepository,
    ProjectRepository,
    VersionRepository,
)
from dealbench.documents.schemas import FolderCreate
from dealbench.kit.errors import Conflict, NotFound, ValidationFailed
from dealbench.kit.locks import Lock
from dealbench.kit.pagination import ListParams
from dealbench.kit.repository import MAX_ID
from dealbench.models import Folder, Project

PATH_MAX = 2000
#: The names of a project's root where a folder is expected.
ROOT_REFS = {"0", "root", "/"}


def is_root(ref: str) -> bool:
    return ref.strip().lower() in ROOT_REFS


async def list_folders(
    session: AsyncSession, principal: Principal, project_id: int, params: ListParams
) -> tuple[list[Any], int]:
    """A page of the project's folders (rows of the presenter's columns), in id order."""
    project = (await ProjectRepository(session, principal).open(project_id)).project
    return await FolderRepository(session, principal, project).page(params)


async def resolve_folder(
    session: AsyncSession, principal: Principal, project: Project, ref: str, *, lock: Lock | None = None
) -> Folder:
    """A folder of the project by id, by path (``Contracts/Signed``) or by a name that is unique.

    A write that puts something in the folder passes ``Lock.SHARE``: the folder cannot be deleted
    before that write commits (a deletion waits, then sees what was added).
    """
    repo = FolderRepository(session, principal, project)
    ref = ref.strip()
    if ref.isascii() and ref.isdigit() and int(ref) <= MAX_ID:
        folder = await repo.get(int(ref), lock=lock)
        if folder is not None:
            return folder
    path = ref.strip("/")
    if path:
        folder = await repo.by_path(path, lock=lock)
        if folder is not None:
            return folder
        if "/" not in path:
            named = await repo.named(path, lock=lock)
            if len(named) == 1:
                return named[0]
            if len(named) > 1:
                raise Conflict(f"Several folders are named '{path}': use the folder's id or path.")
    raise NotFound("Folder not found.")


async def get_folder(session: AsyncSession, principal: Principal, project_id: int, ref: str) -> Folder:
    project = (await ProjectRepository(session, principal).open(project_id)).project
    return await resolve_folder(session, principal, project, ref)


async def create_folder(
    session: AsyncSession, principal: Principal, project_id: int, data: FolderCreate
) -> Folder:
    """Names are unique among siblings (409)."""
    project = (await ProjectRepository(session, principal).open(project_id, write=True)).project
    repo = FolderRepository(session, principal, project)
    parent: Folder | None = None
    if data.parent_id is not None:
        parent = await repo.get(data.parent_id, lock=Lock.SHARE)
        if parent is None:
            raise ValidationFailed.at(["parentId"], f"No folder {data.parent_id} in this project.")
    path = f"{parent.path}/{data.name}" if parent else data.name
    if len(path) > PATH_MAX:
        raise ValidationFailed.at(["name"], f"The folder's path would exceed {PATH_MAX} characters.")
    if await repo.path_taken(path):
        raise Conflict(f"A folder named '{data.name}' already exists here.")
    folder = Folder(parent_id=parent.id if parent else None, name=data.name, path=path)
    try:
        async with session.begin_nested():
            repo.add(folder)
    except IntegrityError as exc:
        raise Conflict(f"A folder named '{data.name}' already exists here.") from exc
    return folder


async def delete_folder(
    session: AsyncSession, principal: Principal, project_id: int, ref: str, *, recursive: bool
) -> tuple[Folder, list[str]]:
    """Delete a folder (409 when it holds anything, unless ``recursive``); returns the digests to
    collect after the commit."""
    project = (await ProjectRepository(session, principal).open(project_id, write=True)).project
    folder = await resolve_folder(session, principal, project, ref)
    # The whole subtree, then its documents, each set in id order: uploads, moves and new
    # subfolders that hold Lock.SHARE on a folder of it finish first, and are seen below.
    ids = await FolderRepository(session, principal, project).lock_subtree(folder)
    if folder.id not in ids:
        raise NotFound("Folder not found.")
    documents = DocumentRepository(session, principal, project)
    docs = await documents.in_folders(ids, lock=Lock.DELETE)
    if not recursive and (len(ids) > 1 or docs):
        raise Conflict(
            f"The folder is not empty ({len(ids) - 1} folder(s), {len(docs)} document(s)): "
            "delete its content first or pass ?recursive=true."
        )
    digests: list[str] = []
    if docs:
        doc_ids = [d.id for d in docs]
        digests = await VersionRepository(session, principal, project).digests(doc_ids)
        for doc in docs:
            activity.record(
                session,
                principal,
                project,
                "DELETE",
                document_id=doc.id,
                name=doc.name,
                folderId=doc.folder_id,
            )
        await documents.forget_duplicates_of(doc_ids)
        await documents.remove(doc_ids)
    await FolderRepository(session, principal, project).remove(folder)
    await session.flush()
    return folder, digests
