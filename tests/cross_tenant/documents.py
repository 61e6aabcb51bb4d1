"""Projects, access grants, templates, folders, documents, versions and fields of a tenant, made
through the API (real uploads: the content route streams a stored blob)."""

from __future__ import annotations

from typing import Any

from tests.cross_tenant import Ctx, Made, Maker
from tests.factories import unique


async def _project(ctx: Ctx) -> dict[str, Any]:
    return await ctx.post("/v1/projects", {"name": unique("project ")})  # type: ignore[no-any-return]


async def _world(ctx: Ctx) -> dict[str, Any]:
    """One of everything in a project; the values name every path parameter of the domain."""
    project = await _project(ctx)
    pid = project["id"]
    user = await ctx.factory.user(ctx.tenant)
    team = await ctx.post("/v1/teams", {"name": unique("team ")})
    await ctx.call("PUT", f"/v1/projects/{pid}/users/{user.email}")
    await ctx.call("PUT", f"/v1/projects/{pid}/teams/{team['id']}")
    folder = await ctx.post(f"/v1/projects/{pid}/folders", {"name": unique("Folder")})
    target = await ctx.post(f"/v1/projects/{pid}/folders", {"name": unique("Target")})
    field = await ctx.post(f"/v1/projects/{pid}/fields", {"name": unique("F"), "type": "SHORT_TEXT"})
    doc = await ctx.upload(f"/v1/projects/{pid}/documents", folderId=str(folder["id"]))
    first_version = doc["currentVersionId"]
    await ctx.upload(f"/v1/projects/{pid}/documents/{doc['id']}/replace")
    return {
        "projectId": pid,
        "email": user.email,
        "teamId": team["id"],
        "folder": folder["id"],
        "folderId": target["id"],
        "documentId": doc["id"],
        "versionId": first_version,
        "fieldId": field["id"],
    }


def _with(**extra: Any) -> Maker:
    async def make(ctx: Ctx) -> Made:
        return {"path": await _world(ctx), **extra}

    return make


async def _empty_project(ctx: Ctx) -> Made:
    return {"path": {"projectId": (await _project(ctx))["id"]}}


async def _empty_folder(ctx: Ctx) -> Made:
    pid = (await _project(ctx))["id"]
    folder = await ctx.post(f"/v1/projects/{pid}/folders", {"name": unique("Empty")})
    return {"path": {"projectId": pid, "folderId": folder["id"]}}


async def _template(ctx: Ctx) -> Made:
    template = await ctx.post("/v1/templates", {"name": unique("template ")})
    return {"path": {"templateId": template["id"]}}


def _file() -> dict[str, Any]:
    return {"file": ("mine.txt", unique("mine ").encode(), "text/plain")}


_plain = _with()

ROUTES: dict[str, Maker] = {
    "GET /v1/projects/{projectId}": _plain,
    "PUT /v1/projects/{projectId}": _plain,
    "PATCH /v1/projects/{projectId}": _plain,
    "POST /v1/projects/{projectId}": _plain,
    "DELETE /v1/projects/{projectId}": _empty_project,
    "* /v1/projects/{projectId}/users": _plain,
    "* /v1/projects/{projectId}/users/{email}": _plain,
    "* /v1/projects/{projectId}/teams": _plain,
    "* /v1/projects/{projectId}/teams/{teamId}": _plain,
    "GET /v1/projects/{projectId}/fields": _plain,
    "POST /v1/projects/{projectId}/fields": _with(json={"name": "Mine", "type": "SHORT_TEXT"}),
    "* /v1/projects/{projectId}/activity": _plain,
    "* /v1/templates/{templateId}": _template,
    "GET /v1/projects/{projectId}/folders": _plain,
    "POST /v1/projects/{projectId}/folders": _with(json={"name": "Mine"}),
    "* /v1/projects/{projectId}/folders/{folder}": _plain,
    "DELETE /v1/projects/{projectId}/folders/{folderId}": _empty_folder,
    "GET /v1/projects/{projectId}/documents": _plain,
    "POST /v1/projects/{projectId}/documents": _with(files=_file()),
    "* /v1/projects/{projectId}/documents/folder/{folderId}": _plain,
    "* /v1/projects/{projectId}/documents/{documentId}": _plain,
    "* /v1/projects/{projectId}/documents/{documentId}/replace": _with(files=_file()),
    "* /v1/projects/{projectId}/documents/{documentId}/versions": _plain,
    "* /v1/projects/{projectId}/documents/{documentId}/versions/{versionId}": _plain,
    "* /v1/projects/{projectId}/documents/{documentId}/fields/{fieldId}": _with(json={"value": "x"}),
    "* /v1/projects/{projectId}/documents/{documentId}/{folderId}": _plain,
    "* /v1/projects/{projectId}/documents/{documentId}/share": _with(json={"sharedWithBuyer": True}),
    "* /v1/projects/{projectId}/documents/{documentId}/content": _plain,
}
