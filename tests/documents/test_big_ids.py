"""Ids beyond the database's integer range are plain 404s (or 400s), never 500s."""

from __future__ import annotations

from tests.documents.conftest import Docs

HUGE = [2**31, 2**63, 10**30]


async def test_huge_ids_are_not_500(docs: Docs) -> None:
    pid = (await docs.project())["id"]
    doc = await docs.upload(pid, b"x", "x.txt")
    h = docs.headers
    for n in HUGE:
        for url in (
            f"/v1/projects/{n}",
            f"/v1/projects/{pid}/folders/{n}",
            f"/v1/projects/{pid}/documents/{n}",
            f"/v1/projects/{pid}/documents/folder/{n}",
            f"/v1/projects/{pid}/documents/{doc['id']}/content?version={n}",
            f"/v1/templates/{n}",
        ):
            r = await docs.client.get(url, headers=h)
            assert r.status_code in (400, 404), (url, r.status_code, r.text)
        for method, url, body in (
            ("PUT", f"/v1/projects/{pid}/teams/{n}", None),
            ("PUT", f"/v1/projects/{pid}/documents/{doc['id']}/{n}", None),
            ("PUT", f"/v1/projects/{pid}/documents/{doc['id']}/fields/{n}", {"value": 1}),
            ("DELETE", f"/v1/projects/{pid}/documents/{doc['id']}/versions/{n}", None),
            ("POST", f"/v1/projects/{pid}/folders", {"name": "x", "parentId": n}),
            ("POST", "/v1/projects", {"name": "x", "templateId": n}),
            ("POST", "/v1/projects", {"name": "x", "dealId": n}),
            ("POST", "/v1/projects", {"name": "x", "dealId": str(n)}),
        ):
            r = await docs.client.request(method, url, json=body, headers=h)
            assert r.status_code in (400, 404), (method, url, r.status_code, r.text)
        r = await docs.upload_raw(pid, b"y", "y.txt", data={"folderId": str(n)})
        assert r.status_code == 400


async def test_unicode_digits_are_names_not_ids(docs: Docs) -> None:
    pid = (await docs.project())["id"]
    r = await docs.client.get(f"/v1/projects/{pid}/folders/²", headers=docs.headers)
    assert r.status_code == 404
    r = await docs.client.post("/v1/projects", json={"name": "x", "dealId": "²"}, headers=docs.headers)
    assert r.status_code == 400
