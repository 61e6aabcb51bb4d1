"""The blob collector racing an upload of the same content: the collector never deletes a blob that
a version references once both are done, and neither side answers 500."""

from __future__ import annotations

import asyncio
import hashlib
from typing import Any

from dealbench.documents.storage import collect_blobs, get_storage
from dealbench.kit.storage import blob_key
from tests.documents.conftest import Docs
from tests.factories import unique
from tests.races import statuses


async def test_deleting_a_document_while_its_content_is_uploaded_again_keeps_the_blob(
    docs: Docs, services: Any
) -> None:
    # Two projects: blobs are shared by content across projects, duplicates are a project's own
    # (the race of an upload with the deletion of the document it duplicates is another test's).
    project, elsewhere = await docs.project(), await docs.project()
    for _ in range(4):
        content = unique("shared content ").encode()
        first = await docs.upload(project["id"], content, "first.txt")
        deleted, again = await asyncio.gather(
            docs.client.delete(f"/v1/projects/{project['id']}/documents/{first['id']}", headers=docs.headers),
            docs.upload_raw(elsewhere["id"], content, "again.txt"),
        )
        statuses([deleted, again])
        assert (deleted.status_code, again.status_code) == (200, 201), (deleted.text, again.text)
        body = await docs.client.get(
            f"/v1/projects/{elsewhere['id']}/documents/{again.json()['id']}/content", headers=docs.headers
        )
        assert body.status_code == 200 and body.content == content


async def test_the_collector_and_an_upload_of_the_same_digest_agree(docs: Docs, services: Any) -> None:
    """Collect a digest at the very moment an upload of that content commits: afterwards the blob
    exists exactly when a version references it."""
    project = await docs.project()
    storage = get_storage(services)
    for _ in range(4):
        content = unique("collected ").encode()
        sha = hashlib.sha256(content).hexdigest()
        uploaded, _ = await asyncio.gather(
            docs.upload_raw(project["id"], content, "c.txt"), collect_blobs(services, [sha])
        )
        statuses([uploaded])
        assert uploaded.status_code == 201, uploaded.text
        await collect_blobs(services, [sha])  # referenced: must stay
        assert await storage.exists(blob_key(sha))
        got = await docs.client.get(
            f"/v1/projects/{project['id']}/documents/{uploaded.json()['id']}/content", headers=docs.headers
        )
        assert got.content == content
        await docs.client.delete(
            f"/v1/projects/{project['id']}/documents/{uploaded.json()['id']}", headers=docs.headers
        )
        assert not await storage.exists(blob_key(sha))  # unreferenced: collected after the delete
