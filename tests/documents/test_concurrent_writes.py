"""Concurrent writes in a project: duplicate detection, deletions racing uploads, folders, access
and fields. Every request answers (never a 500) and the state is that of some serial order.

The requests run really concurrently: ``asyncio.gather`` through the ASGI app onto the pooled
engine (PostgreSQL locks; SQLite writers queue on ``BEGIN IMMEDIATE``).
"""

from __future__ import annotations

import asyncio
from typing import Any

from tests.documents.conftest import Docs
from tests.factories import unique


def _no_server_error(responses: list[Any]) -> None:
    errors = [(r.status_code, r.text[:200]) for r in responses if r.status_code >= 500]
    assert not errors, errors


async def _all_documents(docs: Docs, project_id: int) -> list[dict[str, Any]]:
    r = await docs.client.get(f"/v1/projects/{project_id}/documents?limit=1000", headers=docs.headers)
    assert r.status_code == 200, r.text
    return r.json()["items"]  # type: ignore[no-any-return]


async def test_100_concurrent_identical_uploads_with_reject_duplicate_store_one(docs: Docs) -> None:
    project = await docs.project()
    content = unique("same content ").encode() * 100
    responses = await asyncio.gather(
        *(
            docs.upload_raw(project["id"], content, f"{i}.txt", params={"rejectDuplicate": "true"})
            for i in range(100)
        )
    )
    _no_server_error(responses)
    assert sorted(r.status_code for r in responses) == [201] + [409] * 99
    stored = await _all_documents(docs, project["id"])
    assert len(stored) == 1
    assert all(
        f"Duplicate of document {stored[0]['id']}" in r.json()["error"]
        for r in responses
        if r.status_code == 409
    )


async def test_100_concurrent_identical_uploads_all_point_at_the_first(docs: Docs) -> None:
    project = await docs.project()
    content = unique("same content ").encode() * 100
    responses = await asyncio.gather(
        *(docs.upload_raw(project["id"], content, f"{i}.txt") for i in range(100))
    )
    _no_server_error(responses)
    assert {r.status_code for r in responses} == {201}
    stored = await _all_documents(docs, project["id"])
    originals = [d for d in stored if d["duplicateOfDocumentId"] is None]
    assert len(stored) == 100 and len(originals) == 1
    assert all(d["duplicateOfDocumentId"] == originals[0]["id"] for d in stored if d is not originals[0])


async def test_uploads_racing_the_deletion_of_the_document_they_duplicate(docs: Docs) -> None:
    project = await docs.project()
    for round_ in range(5):
        content = unique(f"round {round_} ").encode() * 50
        original = await docs.upload(project["id"], content, "original.txt")
        delete = docs.client.delete(
            f"/v1/projects/{project['id']}/documents/{original['id']}", headers=docs.headers
        )
        uploads = [docs.upload_raw(project["id"], content, f"copy{i}.txt") for i in range(20)]
        responses = await asyncio.gather(*uploads[:10], delete, *uploads[10:])
        _no_server_error(responses)
        assert {r.status_code for r in responses} <= {200, 201}
        stored = await _all_documents(docs, project["id"])
        ids = {d["id"] for d in stored}
        assert "original.txt" not in {d["name"] for d in stored}  # (SQLite may reuse its id)
        # Every reference points at a document that exists; the copies still find each other.
        assert all(d["duplicateOfDocumentId"] in ids | {None} for d in stored)
        copies = [d for d in stored if d["sha256"] == responses[0].json()["sha256"]]
        assert len(copies) == 20 and sum(d["duplicateOfDocumentId"] is None for d in copies) >= 1
        for d in stored:
            await docs.client.delete(
                f"/v1/projects/{project['id']}/documents/{d['id']}", headers=docs.headers
            )


async def test_a_recursive_folder_deletion_racing_uploads_and_moves_into_it(docs: Docs) -> None:
    project = await docs.project()
    pid = project["id"]
    loose = await docs.upload(pid, b"loose", "loose.txt")
    for round_ in range(3):
        top = await docs.folder(pid, f"top{round_}")
        sub = await docs.folder(pid, "sub", parent_id=top["id"])
        uploads = [
            docs.upload_raw(pid, f"{round_}-{i}".encode(), f"{i}.txt", data={"folderId": str(sub["id"])})
            for i in range(10)
        ]
        move = docs.client.put(
            f"/v1/projects/{pid}/documents/{loose['id']}/{sub['id']}", headers=docs.headers
        )
        subfolder = docs.client.post(
            f"/v1/projects/{pid}/folders", json={"name": "late", "parentId": sub["id"]}, headers=docs.headers
        )
        deletion = docs.client.delete(
            f"/v1/projects/{pid}/folders/{top['id']}?recursive=true", headers=docs.headers
        )
        responses = await asyncio.gather(*uploads[:5], move, deletion, subfolder, *uploads[5:])
        _no_server_error(responses)
        assert responses[6].status_code == 200, responses[6].text
        folders = (
            await docs.client.get(f"/v1/projects/{pid}/folders?limit=1000", headers=docs.headers)
        ).json()
        folder_ids = {f["id"] for f in folders["items"]}
        assert top["id"] not in folder_ids and sub["id"] not in folder_ids
        stored = await _all_documents(docs, pid)
        assert all(d["folderId"] is None or d["folderId"] in folder_ids for d in stored)
        if responses[5].status_code != 200:  # the move lost: it answers 404/400, the document stays put
            assert responses[5].status_code in {400, 404}
        loose = next((d for d in stored if d["id"] == loose["id"]), None) or await docs.upload(
            pid, b"loose again", "loose.txt"
        )


async def test_deleting_a_project_while_documents_are_uploaded(docs: Docs) -> None:
    for _ in range(3):
        project = await docs.project()
        pid = project["id"]
        uploads = [docs.upload_raw(pid, f"{i}".encode(), f"{i}.txt") for i in range(10)]
        deletion = docs.client.delete(f"/v1/projects/{pid}", headers=docs.headers)
        responses = await asyncio.gather(*uploads[:5], deletion, *uploads[5:])
        _no_server_error(responses)
        gone = responses[5].status_code == 200
        if gone:
            assert (await docs.client.get(f"/v1/projects/{pid}", headers=docs.headers)).status_code == 404
            assert all(r.status_code in {201, 404} for r in responses if r is not responses[5])
        else:
            assert responses[5].status_code == 409
            assert len(await _all_documents(docs, pid)) == sum(r.status_code == 201 for r in responses)


async def test_concurrent_field_changes_of_one_document_keep_every_field(docs: Docs) -> None:
    project = await docs.project()
    pid = project["id"]
    fields = []
    for i in range(8):
        r = await docs.client.post(
            f"/v1/projects/{pid}/fields", json={"name": f"f{i}", "type": "SHORT_TEXT"}, headers=docs.headers
        )
        assert r.status_code == 201, r.text
        fields.append(r.json()["id"])
    doc = await docs.upload(pid, b"x", "x.txt")
    url = f"/v1/projects/{pid}/documents/{doc['id']}/fields"
    responses = await asyncio.gather(
        *(docs.client.put(f"{url}/{fid}", json={"value": f"v{fid}"}, headers=docs.headers) for fid in fields)
    )
    _no_server_error(responses)
    final = (await docs.client.get(f"/v1/projects/{pid}/documents/{doc['id']}", headers=docs.headers)).json()
    assert {k: v for k, v in final["fields"].items() if k.isdigit()} == {str(f): f"v{f}" for f in fields}


async def test_concurrent_grants_of_one_project_make_one_membership(docs: Docs, factory: Any) -> None:
    project = await docs.project()
    user = await factory.user(docs.tenant)  # type: ignore[attr-defined]
    url = f"/v1/projects/{project['id']}/users/{user.email}"
    capabilities = ["READ", "READ_WRITE"] * 6
    responses = await asyncio.gather(
        *(docs.client.put(url, json={"capability": c}, headers=docs.headers) for c in capabilities)
    )
    _no_server_error(responses)
    assert {r.status_code for r in responses} == {200}
    members = (await docs.client.get(f"/v1/projects/{project['id']}/users", headers=docs.headers)).json()
    assert [m["email"] for m in members["items"]] == [user.email]
