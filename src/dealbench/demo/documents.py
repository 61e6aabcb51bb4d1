"""Demo content: a deal-room project with folders, a metadata field and two small documents."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from dealbench.kit.storage import build_storage
from dealbench.models import (
    Capability,
    Document,
    DocumentVersion,
    FieldType,
    Folder,
    Organization,
    Project,
    ProjectActivity,
    ProjectField,
    ProjectUser,
    User,
)
from dealbench.settings import get_settings

DEMO_FILES = [
    (
        "Contracts/Signed",
        "mutual-nda.txt",
        "text/plain",
        b"Mutual NDA between Demo and Acme Corp.\nSigned.\n",
    ),
    (
        "Security",
        "questionnaire.csv",
        "text/csv",
        b"question,answer\nSSO supported?,yes\nData at rest encrypted?,yes\n",
    ),
]


async def seed_documents(session: AsyncSession, org: Organization, users: list[User]) -> None:
    author = users[0] if users else None
    project = Project(
        organization_id=org.id,
        name="Acme Corp evaluation",
        description="Deal room for the Acme Corp proof of concept.",
        api_download_enabled=True,
        created_by_user_id=author.id if author else None,
    )
    session.add(project)
    await session.flush()
    for user in users[1:]:
        capability = Capability.READ if user.role.value == "VIEWER" else Capability.READ_WRITE
        session.add(ProjectUser(project_id=project.id, user_id=user.id, capability=capability))
    folders: dict[str, Folder] = {}
    for path in ("Contracts", "Contracts/Signed", "Security", "Meeting notes"):
        parent_path, _, name = path.rpartition("/")
        parent = folders.get(parent_path)
        folder = Folder(
            organization_id=org.id,
            project_id=project.id,
            parent_id=parent.id if parent else None,
            name=name,
            path=path,
        )
        session.add(folder)
        await session.flush()
        folders[path] = folder
    session.add(
        ProjectField(
            organization_id=org.id,
            project_id=project.id,
            name="Status",
            type=FieldType.CHOICE,
            options=["Draft", "In review", "Final"],
        )
    )
    storage = build_storage(get_settings())
    for path, file_name, ctype, content in DEMO_FILES:
        blob = await storage.begin()
        try:
            await blob.write(content)
            info = await blob.promote()
        except BaseException:
            await blob.discard()
            raise
        doc = Document(
            organization_id=org.id,
            project_id=project.id,
            folder_id=folders[path].id,
            name=file_name,
            file_name=file_name,
            content_type=ctype,
            size=info.size,
            sha256=info.sha256,
            md5=info.md5,
            field_values={},
            created_by_user_id=author.id if author else None,
        )
        session.add(doc)
        await session.flush()
        version = DocumentVersion(
            organization_id=org.id,
            project_id=project.id,
            document_id=doc.id,
            number=1,
            file_name=file_name,
            content_type=ctype,
            size=info.size,
            sha256=info.sha256,
            md5=info.md5,
            storage_key=info.key,
            created_by_user_id=doc.created_by_user_id,
        )
        session.add(version)
        await session.flush()
        doc.current_version_id = version.id
        session.add(
            ProjectActivity(
                organization_id=org.id,
                project_id=project.id,
                document_id=doc.id,
                version_id=version.id,
                action="UPLOAD",
                user_id=doc.created_by_user_id,
                details={"name": file_name, "size": info.size},
            )
        )
    await session.flush()
