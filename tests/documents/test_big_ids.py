"""Ids beyond the database's integer range are a 400 (Zod ``too_big``) where the route takes an id,
and a 404 where it takes a reference that may also be a name or a path (folders, fields): never 500."""

from __future__ import annotations

from tests.documents.conftest import Docs

HUGE = [2**31, 2**63, 10**30]


async def test_huge_ids_are_not_500(docs: Docs) -> None:
    pid = (await docs.project())["id"]
    doc = await docs.upload(pid, b"x", "x.txt")
    h = docs.headers
    for n in HUGE:
        for url, status in (
            (f"/v1/projects/{n}", 400),
            (f"/v1/projects/{pid}/folders/{n}", 404),
            (f"/v1/projects/{pid}/documents/{n}", 400),
            (f"/v1/projects/{pid}/documents/folder/{n}", 404),
            (f"/v1/projects/{pid}/documents/{doc['id']}/content?version={n}", 400),
            (f"/v1/templates/{n}", 400),
        ):
            r = await docs.client.get(url, headers=h)
            assert r.status_code == status, (url, r.status_code, r.text)
        for method, url, body, status in (
            ("PUT", f"/v1/projects/{pid}/teams/{n}", None, 400),
            ("PUT", f"/v1/projects/{pid}/documents/{doc['id']}/{n}", None, 404),
            ("PUT", f"/v1/projects/{pid}/documents/{doc['id']}/fields/{n}", {"value": 1}, 404),
            ("DELETE", f"/v1/projects/{pid}/documents/{doc['id']}/versions/{n}", None, 400),
            ("POST", f"/v1/projects/{pid}/folders", {"name": "x", "parentId": n}, 400),
            ("POST", "/v1/projects", {"name": "x", "templateId": n}, 400),
            ("POST", "/v1/projects", {"name": "x", "dealId": n}, 400),
            ("POST", "/v1/projects", {"name": "x", "dealId": str(n)}, 400),
        ):
            r = await docs.client.request(method, url, json=body, headers=h)
            assert r.status_code == status, (method, url, r.status_code, r.text)
        r = await docs.upload_raw(pid, b"y", "y.txt", data={"folderId": str(n)})
        assert r.status_code == 400


async def test_unicode_digits_are_names_not_ids(docs: Docs) -> None:
    pid = (await docs.project())["id"]
    r = await docs.client.get(f"/v1/projects/{pid}/folders/²", headers=docs.headers)
    assert r.status_code == 404
    r = await docs.client.post("/v1/projects", json={"name": "x", "dealId": "²"}, headers=docs.headers)
    assert r.status_code == 400
