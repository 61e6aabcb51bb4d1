"""Document workspaces in the GraphQL dialect: ``projects`` (``projects:read``) and ``documents``
(``documents:read``), limited to what the token's owner can see, as in REST.

The fields are the REST dialect's (generated from ``ProjectOut`` and ``DocumentOut``) with the same
values (the documents presenter).
"""

from __future__ import annotations

from typing import Any

import strawberry

from dealbench.documents import files, presenter, projects
from dealbench.documents.schemas import DocumentOut, ProjectOut
from dealbench.kit.graphql.context import ctx
from dealbench.kit.graphql.fields import scoped_field
from dealbench.kit.graphql.generate import gql_enum, output_type
from dealbench.kit.graphql.types import Limit, Offset, Page, PageNumber, page, paging
from dealbench.models.documents import Capability

gql_enum(
    Capability,
    "What a user may do in a project.",
    {"READ": "Read its folders and documents.", "READ_WRITE": "Read, upload, change and delete."},
)

ProjectType: Any = output_type(
    ProjectOut,
    "Project",
    description="A document workspace: folders and versioned documents, optionally for a deal.",
    describe={
        "template_id": "The id of the project template the project was made from.",
        "deal_id": "The id of the deal the project is for.",
        "api_download_enabled": "Whether documents may be downloaded through the API.",
        "capability": "What the caller may do in the project.",
    },
)
DocumentType: Any = output_type(
    DocumentOut,
    "Document",
    exclude={"fields"},
    description="A document of a project (its current version's file).",
    describe={
        "project_id": "The id of the project the document belongs to.",
        "folder_id": "The id of its folder; null at the project's root.",
        "file_name": "The current version's file name.",
        "content_type": "The current version's media type.",
        "size": "The current version's size in bytes.",
        "sha256": "The SHA-256 of the current version's content, in hex.",
        "md5": "The MD5 of the current version's content, in hex.",
        "version_count": "How many versions the document has.",
        "current_version_id": "The id of the current version.",
        "duplicate_of_document_id": "The id of a document of the project with the same content, if any.",
    },
)


@strawberry.type
class Query:
    @scoped_field(scope="projects:read", description="The projects the token's owner can see, by id.")
    async def projects(
        self, info: strawberry.Info, limit: Limit = 100, offset: Offset = None, page_number: PageNumber = None
    ) -> Page[ProjectType] | None:  # type: ignore[valid-type]
        rows, total = await ctx(info).call(projects.list_projects, paging(limit, offset, page_number))
        return page(presenter.projects(rows), total)

    @scoped_field(
        scope="documents:read",
        description="The documents of a project, by id.",
        args={"project_id": "The project's id."},
    )
    async def documents(
        self,
        info: strawberry.Info,
        project_id: int,
        limit: Limit = 100,
        offset: Offset = None,
        page_number: PageNumber = None,
    ) -> Page[DocumentType] | None:  # type: ignore[valid-type]
        rows, total = await ctx(info).call(
            files.list_documents, project_id, paging(limit, offset, page_number)
        )
        return page(presenter.documents(rows), total)
