"""Uploads, downloads, versions and blobs, on both storage backends (local files and S3)."""

from __future__ import annotations

import hashlib

from dealbench.kit.services import Services
from dealbench.kit.storage import Storage, blob_key
from tests.documents.conftest import Docs, stored_keys


def content_url(project_id: int, doc_id: int) -> str:
    return f"/v1/projects/{project_id}/documents/{doc_id}/content"


async def test_upload_then_download_round_trips(docs: Docs, storage: Storage) -> None:
    project = await docs.project()
    content = b"x" * 3_000_000 + b"end"
    doc = await docs.upload(project["id"], content, "report.pdf", content_type="application/pdf")
    assert doc["size"] == len(content)
    assert doc["sha256"] == hashlib.sha256(content).hexdigest()
    assert doc["md5"] == hashlib.md5(content).hexdigest()
    assert doc["name"] == doc["fileName"] == "report.pdf"
    assert doc["contentType"] == "application/pdf"
    assert doc["versionCount"] == 1
    assert doc["currentVersionId"]
    assert doc["duplicateOfDocumentId"] is None
    assert doc["projectId"] == project["id"]
    assert doc["folderId"] is None
    assert doc["createdAt"].endswith("Z")
    assert await stored_keys(storage) == [blob_key(doc["sha256"])]
    r = await docs.client.get(content_url(project["id"], doc["id"]), headers=docs.headers)
    assert r.status_code == 200
    assert r.content == content
    assert r.headers["content-length"] == str(len(content))
    assert r.headers["content-type"] == "application/pdf"
    assert r.headers["etag"] == f'"{doc["sha256"]}"'
    assert r.headers["content-disposition"].startswith('attachment; filename="report.pdf"')


async def test_ranges_head_and_etag(docs: Docs, storage: Storage) -> None:
    project = await docs.project()
    content = bytes(range(256)) * 10
    doc = await docs.upload(project["id"], content, "bytes.bin")
    url = content_url(project["id"], doc["id"])
    h = docs.headers
    r = await docs.client.get(url, headers={**h, "Range": "bytes=10-19"})
    assert r.status_code == 206
    assert r.content == content[10:20]
    assert r.headers["content-range"] == f"bytes 10-19/{len(content)}"
    assert r.headers["content-length"] == "10"
    r = await docs.client.get(url, headers={**h, "Range": "bytes=-5"})
    assert (r.status_code, r.content) == (206, content[-5:])
    r = await docs.client.get(url, headers={**h, "Range": "bytes=2500-"})
    assert (r.status_code, r.content) == (206, content[2500:])
    r = await docs.client.get(url, headers={**h, "Range": "bytes=2000-999999"})
    assert (r.status_code, r.content) == (206, content[2000:])
    for bad in ("bytes=5000-", "bytes=abc", "bytes=9-3", "bytes=-0", "bytes=-", "bytes=²-", "bytes=1-²"):
        r = await docs.client.get(url, headers={**h, "Range": bad.encode()})  # type: ignore[dict-item]
        assert r.status_code == 416, bad
        assert r.headers["content-range"] == f"bytes */{len(content)}"
        assert "error" in r.json()
    r = await docs.client.get(url, headers={**h, "Range": "bytes=0-1,5-6"})
    assert (r.status_code, r.content) == (200, content)  # several ranges: the whole body
    r = await docs.client.head(url, headers=h)
    assert r.status_code == 200
    assert r.content == b""
    assert r.headers["content-length"] == str(len(content))
    assert r.headers["etag"] == f'"{doc["sha256"]}"'
    r = await docs.client.get(url, headers={**h, "If-None-Match": f'"{doc["sha256"]}"'})
    assert r.status_code == 304


async def test_unicode_file_name_and_path_are_safe(docs: Docs, storage: Storage) -> None:
    project = await docs.project()
    doc = await docs.upload(project["id"], b"contract", "../../etc/Résumé «final».txt")
    assert doc["name"] == "Résumé «final».txt"
    r = await docs.client.get(content_url(project["id"], doc["id"]), headers=docs.headers)
    disposition = r.headers["content-disposition"]
    assert 'filename="R_sum_ _final_.txt"' in disposition
    assert "filename*=UTF-8''R%C3%A9sum%C3%A9%20%C2%ABfinal%C2%BB.txt" in disposition
    doc = await docs.upload(project["id"], b"x", "..\\..\\windows\\evil.exe")
    assert doc["name"] == "evil.exe"


async def test_empty_file_is_allowed(docs: Docs, storage: Storage) -> None:
    project = await docs.project()
    doc = await docs.upload(project["id"], b"", "empty.txt")
    assert doc["size"] == 0
    assert doc["sha256"] == hashlib.sha256(b"").hexdigest()
    r = await docs.client.get(content_url(project["id"], doc["id"]), headers=docs.headers)
    assert (r.status_code, r.content, r.headers["content-length"]) == (200, b"", "0")


async def test_too_large_is_413_and_leaves_nothing(docs: Docs, storage: Storage, services: Services) -> None:
    project = await docs.project()
    limit = services.settings.max_upload_bytes
    services.settings.max_upload_bytes = 2_000_000
    try:
        r = await docs.upload_raw(project["id"], b"y" * 2_500_000, "big.bin")
    finally:
        services.settings.max_upload_bytes = limit
    assert r.status_code == 413, r.text
    assert "2000000" in r.json()["error"]
    assert await stored_keys(storage) == []
    r = await docs.client.get(f"/v1/projects/{project['id']}/documents", headers=docs.headers)
    assert r.json()["totalCount"] == 0


async def test_duplicates_are_flagged_or_refused(docs: Docs, storage: Storage) -> None:
    project = await docs.project()
    first = await docs.upload(project["id"], b"same bytes", "a.txt")
    second = await docs.upload(project["id"], b"same bytes", "b.txt")
    assert second["duplicateOfDocumentId"] == first["id"]
    keys = await stored_keys(storage)
    assert keys == [blob_key(first["sha256"])]  # stored once
    r = await docs.upload_raw(project["id"], b"same bytes", "c.txt", params={"rejectDuplicate": "true"})
    assert r.status_code == 409
    assert str(first["id"]) in r.json()["error"]
    assert await stored_keys(storage) == keys
    fresh = await docs.upload(project["id"], b"other bytes", "d.txt", params={"rejectDuplicate": "true"})
    assert fresh["duplicateOfDocumentId"] is None
    # another project's identical file is not a duplicate
    other = await docs.project()
    elsewhere = await docs.upload(other["id"], b"same bytes", "a.txt", params={"rejectDuplicate": "true"})
    assert elsewhere["duplicateOfDocumentId"] is None


async def test_refused_duplicate_of_a_new_blob_leaves_nothing(docs: Docs, storage: Storage) -> None:
    project = await docs.project()
    doc = await docs.upload(project["id"], b"one", "one.txt")
    r = await docs.upload_raw(project["id"], b"one", "again.txt", params={"rejectDuplicate": "true"})
    assert r.status_code == 409
    assert await stored_keys(storage) == [blob_key(doc["sha256"])]


async def test_replace_versions_and_blob_collection(docs: Docs, storage: Storage) -> None:
    project = await docs.project()
    pid = project["id"]
    doc = await docs.upload(pid, b"version one", "plan.txt")
    base = f"/v1/projects/{pid}/documents/{doc['id']}"
    r = await docs.client.post(
        f"{base}/replace", files={"file": ("plan-v2.txt", b"version two", "text/plain")}, headers=docs.headers
    )
    assert r.status_code == 200, r.text
    replaced = r.json()
    assert replaced["versionCount"] == 2
    assert replaced["name"] == "plan.txt"
    assert replaced["fileName"] == "plan-v2.txt"
    assert replaced["sha256"] == hashlib.sha256(b"version two").hexdigest()
    r = await docs.client.get(f"{base}/versions", headers=docs.headers)
    versions = r.json()["items"]
    assert [v["number"] for v in versions] == [1, 2]
    assert [v["isCurrent"] for v in versions] == [False, True]
    r = await docs.client.get(f"{base}/content", headers=docs.headers)
    assert r.content == b"version two"
    r = await docs.client.get(f"{base}/content", params={"version": versions[0]["id"]}, headers=docs.headers)
    assert r.content == b"version one"
    assert "plan.txt" in r.headers["content-disposition"]
    r = await docs.client.get(f"{base}/content", params={"version": 999999999}, headers=docs.headers)
    assert r.status_code == 404
    r = await docs.client.get(f"{base}/content", params={"version": "abc"}, headers=docs.headers)
    assert r.status_code == 400
    # delete the current version: the older one becomes current and the unused blob goes
    r = await docs.client.delete(f"{base}/versions/{versions[1]['id']}", headers=docs.headers)
    assert r.status_code == 200, r.text
    after = r.json()
    assert after["versionCount"] == 1
    assert after["currentVersionId"] == versions[0]["id"]
    assert after["sha256"] == hashlib.sha256(b"version one").hexdigest()
    assert await stored_keys(storage) == [blob_key(after["sha256"])]
    r = await docs.client.delete(f"{base}/versions/{versions[0]['id']}", headers=docs.headers)
    assert r.status_code == 409
    assert r.json()["error"] == "You cannot delete the only version of a document"
    r = await docs.client.delete(f"{base}/versions/123456789", headers=docs.headers)
    assert r.status_code == 404


async def test_delete_document_keeps_shared_blobs(docs: Docs, storage: Storage) -> None:
    project = await docs.project()
    pid = project["id"]
    a = await docs.upload(pid, b"shared", "a.txt")
    b = await docs.upload(pid, b"shared", "b.txt")
    r = await docs.client.delete(f"/v1/projects/{pid}/documents/{a['id']}", headers=docs.headers)
    assert r.status_code == 200
    assert await stored_keys(storage) == [blob_key(a["sha256"])]
    r = await docs.client.get(f"/v1/projects/{pid}/documents/{b['id']}", headers=docs.headers)
    assert r.json()["duplicateOfDocumentId"] is None
    r = await docs.client.delete(f"/v1/projects/{pid}/documents/{b['id']}", headers=docs.headers)
    assert r.status_code == 200
    assert await stored_keys(storage) == []
    r = await docs.client.get(f"/v1/projects/{pid}/documents/{b['id']}", headers=docs.headers)
    assert r.status_code == 404


async def test_concurrent_uploads_of_the_same_content(docs: Docs, storage: Storage) -> None:
    import asyncio

    project = await docs.project()
    results = await asyncio.gather(
        *(docs.upload_raw(project["id"], b"same" * 1000, f"{i}.txt") for i in range(8))
    )
    assert [r.status_code for r in results] == [201] * 8
    bodies = [r.json() for r in results]
    assert len({b["sha256"] for b in bodies}) == 1
    assert sum(1 for b in bodies if b["duplicateOfDocumentId"] is None) == 1
    assert await stored_keys(storage) == [blob_key(bodies[0]["sha256"])]
    # deleting all of them concurrently leaves no blob behind
    deletions = await asyncio.gather(
        *(
            docs.client.delete(f"/v1/projects/{project['id']}/documents/{b['id']}", headers=docs.headers)
            for b in bodies
        )
    )
    assert [r.status_code for r in deletions] == [200] * 8
    assert await stored_keys(storage) == []
