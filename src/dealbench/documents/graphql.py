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
from dealbench.kit.graphql.generate import output_type
from dealbench.kit.graphql.types import Limit, Offset, Page, PageNumber, page, paging

ProjectType: Any = output_type(ProjectOut, "Project")
DocumentType: Any = output_type(DocumentOut, "Document", exclude={"fields"})


@strawberry.type
class Query:
    @scoped_field(scope="projects:read", description="The projects the token's owner can see, by id.")
    async def projects(
        self, info: strawberry.Info, limit: Limit = 100, offset: Offset = None, page_number: PageNumber = None
    ) -> Page[ProjectType] | None:  # type: ignore[valid-type]
        rows, total = await ctx(info).call(projects.list_projects, paging(limit, offset, page_number))
        return page(presenter.projects(rows), total)

    @scoped_field(scope="documents:read", description="The documents of a project, by id.")
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
