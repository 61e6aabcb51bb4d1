"""Uploads, downloads, versions and blobs, on both storage backends."""

from __future__ import annotations

import hashlib

from dealbench.kit.storage import Storage, blob_key
from tests.documents.conftest import Docs


async def test_upload_then_download_round_trips(docs: Docs, storage: Storage) -> None:
    project = await docs.project()
    content = b"x" * 3_000_000 + b"end"
    doc = await docs.upload(
        project["id"], content, "report.pdf", content_type="application/pdf"
    )
    assert doc["size"] == len(content)
    assert doc["sha256"] == hashlib.sha256(content).hexdigest()
    assert doc["md5"] == hashlib.md5(content).hexdigest()
    assert doc["name"] == "report.pdf"
    assert doc["contentType"] == "application/pdf"
    assert doc["versionCount"] == 1
    assert doc["currentVersionId"]
    assert doc["duplicateOfDocumentId"] is None
    assert await storage.exists(blob_key(doc["sha256"]))
    r = await docs.client.get(
        f"/v1/projects/{project['id']}/documents/{doc['id']}/content",
        headers=docs.headers,
    )
    assert r.status_code == 200
    assert r.content == content
    assert r.headers["content-length"] == str(len(content))
    assert r.headers["content-type"] == "application/pdf"
    assert r.headers["etag"] == f'"{doc["sha256"]}"'
    assert "report.pdf" in r.headers["content-disposition"]
