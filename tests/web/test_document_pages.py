"""The documents pages: projects, folders, uploads (streamed with the CSRF header as htmx sends it,
or as a plain form), versions, downloads, metadata fields; a VIEWER sees no write control and a
forged write is 403; another organization's project is a 404 page."""

from __future__ import annotations

import re

import httpx

from dealbench.models import Role
from tests.factories import Factory, Tenant
from tests.web.helpers import use


async def _project(web: httpx.AsyncClient, tenant: Tenant, name: str = "Acme files") -> int:
    made = await web.post("/v1/projects", json={"name": name}, headers=tenant.headers)
    assert made.status_code == 201, made.text
    return int(made.json()["id"])


async def test_projects_folders_uploads_versions_and_downloads(
    web: httpx.AsyncClient, factory: Factory
) -> None:
    tenant = await factory.tenant()
    member = await factory.browser(tenant, Role.MEMBER)
    use(web, member)
    empty = await web.get("/projects")
    assert empty.status_code == 200 and "No document projects" in empty.text
    bad = await web.post("/projects", data={"csrf_token": member.csrf, "name": ""})
    assert bad.status_code == 400 and 'id="e-name"' in bad.text
    made = await web.post("/projects", data={"csrf_token": member.csrf, "name": "Globex RFP"})
    assert made.status_code == 303
    url = made.headers["location"]
    project_id = int(url.rsplit("/", 1)[1])
    page = await web.get(url)
    assert "This folder is empty" in page.text and 'for="f-file"' in page.text
    assert '<progress hidden aria-label="Upload progress">' in page.text
    assert '<script src="/static/web/upload.js" defer></script>' in page.text

    folder = await web.post(f"{url}/folders", data={"csrf_token": member.csrf, "name": "Contracts"})
    assert folder.status_code == 303
    again = await web.post(f"{url}/folders", data={"csrf_token": member.csrf, "name": "Contracts"})
    assert again.status_code == 409 and 'id="e-folder-name"' in again.text
    slash = await web.post(f"{url}/folders", data={"csrf_token": member.csrf, "name": "a/b"})
    assert slash.status_code == 400 and 'id="e-folder-name"' in slash.text
    folder_id = int(re.search(r"\?folder=(\d+)", (await web.get(url)).text).group(1))  # type: ignore[union-attr]

    # as htmx sends it: the CSRF token in a header, the body streamed to storage
    streamed = await web.post(
        f"{url}/documents?folder={folder_id}",
        files={"file": ("msa.txt", b"master agreement", "text/plain")},
        data={"folderId": str(folder_id), "name": "MSA"},
        headers={"X-CSRF-Token": member.csrf, "HX-Request": "true"},
    )
    assert streamed.status_code == 204 and streamed.headers["HX-Redirect"] == f"{url}?folder={folder_id}"
    # as a browser without scripts posts it: the token in the form
    plain = await web.post(
        f"{url}/documents",
        files={"file": ("notes.md", b"# notes", "text/markdown")},
        data={"csrf_token": member.csrf, "name": ""},
    )
    assert plain.status_code == 303 and plain.headers["location"] == url
    missing = await web.post(
        f"{url}/documents", data={"csrf_token": member.csrf}, files={"other": ("x", b"x")}
    )
    assert missing.status_code == 400 and 'id="e-file"' in missing.text

    inside = await web.get(f"{url}?folder={folder_id}")
    assert ">MSA</a>" in inside.text and "msa.txt" in inside.text and "Contracts" in inside.text
    root = await web.get(url)
    assert "notes.md" in root.text and "msa.txt" not in root.text
    doc_id = int(re.search(rf"/projects/{project_id}/documents/(\d+)", inside.text).group(1))  # type: ignore[union-attr]
    doc_url = f"{url}/documents/{doc_id}"

    detail = await web.get(doc_url)
    assert detail.status_code == 200 and "Download version 1" in detail.text
    replaced = await web.post(
        f"{doc_url}/replace",
        files={"file": ("msa-v2.txt", b"master agreement, signed", "text/plain")},
        headers={"X-CSRF-Token": member.csrf},
    )
    assert replaced.status_code == 303
    detail = await web.get(doc_url)
    assert "Download version 2" in detail.text and "msa-v2.txt" in detail.text
    current = await web.get(f"{doc_url}/download")
    assert current.status_code == 200 and current.content == b"master agreement, signed"
    assert current.headers["content-disposition"].startswith('attachment; filename="msa-v2.txt"')
    first_id = re.search(r"download\?version=(\d+)\">Download version 1", detail.text).group(1)  # type: ignore[union-attr]
    first = await web.get(f"{doc_url}/download?version={first_id}")
    assert first.content == b"master agreement"
    log = await web.get(f"/v1/projects/{project_id}/activity", headers=tenant.headers)
    assert [a["action"] for a in log.json()["items"]].count("DOWNLOAD") == 2

    # metadata: a standard field, then a field of the project, validated by its type
    described = await web.post(
        f"{doc_url}/fields",
        data={"csrf_token": member.csrf, "field": "description", "value": "Signed in May"},
    )
    assert described.status_code == 303
    field = await web.post(
        f"/v1/projects/{project_id}/fields", json={"name": "Pages", "type": "NUMBER"}, headers=tenant.headers
    )
    field_id = field.json()["id"]
    wrong = await web.post(
        f"{doc_url}/fields", data={"csrf_token": member.csrf, "field": str(field_id), "value": "many"}
    )
    assert wrong.status_code == 400 and f'id="e-fv-{field_id}"' in wrong.text
    right = await web.post(
        f"{doc_url}/fields", data={"csrf_token": member.csrf, "field": str(field_id), "value": "12"}
    )
    assert right.status_code == 303
    api = (await web.get(f"/v1/projects/{project_id}/documents/{doc_id}", headers=tenant.headers)).json()
    assert api["fields"]["description"] == "Signed in May" and api["fields"][str(field_id)] == 12

    deleted = await web.post(f"{doc_url}/delete", data={"csrf_token": member.csrf})
    assert deleted.status_code == 303 and deleted.headers["location"] == f"{url}?folder={folder_id}"
    assert (await web.get(doc_url)).status_code == 404


async def test_a_viewer_reads_without_write_controls(web: httpx.AsyncClient, factory: Factory) -> None:
    tenant = await factory.tenant()
    project_id = await _project(web, tenant)
    up = await web.post(
        f"/v1/projects/{project_id}/documents",
        files={"file": ("a.txt", b"a", "text/plain")},
        headers=tenant.headers,
    )
    doc_id = up.json()["id"]
    viewer = await factory.browser(tenant, Role.VIEWER)
    # even with READ_WRITE access to the project, a VIEWER's role writes nothing
    grant = await web.put(
        f"/v1/projects/{project_id}/users/{viewer.user.email}",
        json={"capability": "READ_WRITE"},
        headers=tenant.headers,
    )
    assert grant.status_code == 200, grant.text
    use(web, viewer)
    listing = await web.get("/projects")
    assert listing.status_code == 200 and "New project" not in listing.text
    page = await web.get(f"/projects/{project_id}")
    assert page.status_code == 200 and "a.txt" in page.text
    assert 'name="file"' not in page.text and "New folder" not in page.text
    detail = await web.get(f"/projects/{project_id}/documents/{doc_id}")
    assert (
        detail.status_code == 200
        and "Delete document" not in detail.text
        and "<form" not in detail.text.split("<main", 1)[1].split("Versions")[0]
    )
    forged = await web.post(
        f"/projects/{project_id}/documents/{doc_id}/delete", data={"csrf_token": viewer.csrf}
    )
    assert forged.status_code == 403
    upload = await web.post(
        f"/projects/{project_id}/documents",
        files={"file": ("b.txt", b"b", "text/plain")},
        headers={"X-CSRF-Token": viewer.csrf},
    )
    assert upload.status_code == 403
    no_csrf = await web.post(f"/projects/{project_id}/folders", data={"name": "x"})
    assert no_csrf.status_code == 403


async def test_another_organizations_project_is_a_404(web: httpx.AsyncClient, factory: Factory) -> None:
    tenant, other = await factory.tenant(), await factory.tenant()
    theirs = await _project(web, other)
    up = await web.post(
        f"/v1/projects/{theirs}/documents",
        files={"file": ("a.txt", b"a", "text/plain")},
        headers=other.headers,
    )
    browser = await factory.browser(tenant, Role.ADMIN)
    use(web, browser)
    assert (await web.get(f"/projects/{theirs}")).status_code == 404
    assert (await web.get(f"/projects/{theirs}/documents/{up.json()['id']}")).status_code == 404
    assert (await web.get(f"/projects/{theirs}/documents/{up.json()['id']}/download")).status_code == 404
    sneaky = await web.post(
        f"/projects/{theirs}/documents",
        files={"file": ("b.txt", b"b", "text/plain")},
        headers={"X-CSRF-Token": browser.csrf},
    )
    assert sneaky.status_code == 404


async def test_downloads_follow_the_projects_setting(web: httpx.AsyncClient, factory: Factory) -> None:
    tenant = await factory.tenant()
    made = await web.post(
        "/v1/projects", json={"name": "Closed", "apiDownloadEnabled": False}, headers=tenant.headers
    )
    project_id = made.json()["id"]
    up = await web.post(
        f"/v1/projects/{project_id}/documents",
        files={"file": ("a.txt", b"a", "text/plain")},
        headers=tenant.headers,
    )
    use(web, await factory.browser(tenant, Role.ADMIN))  # an administrator sees every project
    detail = await web.get(f"/projects/{project_id}/documents/{up.json()['id']}")
    assert "Downloads are off for this project" in detail.text and "/download" not in detail.text
    assert (await web.get(f"/projects/{project_id}/documents/{up.json()['id']}/download")).status_code == 403
