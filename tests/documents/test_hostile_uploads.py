"""Uploads and folders that are not what they claim: refused with a 400, and nothing is stored."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path

from dealbench.kit.storage import LocalStorage, Storage
from tests.documents.conftest import Docs, stored_keys

BOUNDARY = "dealbenchdocboundary"


def _multipart(content: bytes, *, close: bool, fields: dict[str, str] | None = None) -> bytes:
    parts = [
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        for name, value in (fields or {}).items()
    ]
    parts.append(
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="a.bin"\r\n'
        "Content-Type: application/octet-stream\r\n\r\n".encode()
        + content
    )
    return b"".join(parts) + (f"\r\n--{BOUNDARY}--\r\n".encode() if close else b"")


async def test_an_upload_without_its_closing_boundary_stores_nothing(docs: Docs, storage: Storage) -> None:
    pid = (await docs.project())["id"]
    headers = {**docs.headers, "Content-Type": f"multipart/form-data; boundary={BOUNDARY}"}
    cut = _multipart(b"x" * 200_000, close=False)
    r = await docs.client.post(f"/v1/projects/{pid}/documents", content=cut, headers=headers)
    assert r.status_code == 400 and "closing boundary" in r.json()["error"], r.text
    assert await stored_keys(storage) == []
    doc = await docs.upload(pid, b"kept", "kept.txt")
    r = await docs.client.post(
        f"/v1/projects/{pid}/documents/{doc['id']}/replace", content=cut, headers=headers
    )
    assert r.status_code == 400
    r = await docs.client.get(f"/v1/projects/{pid}/documents", headers=docs.headers)
    assert r.json()["totalCount"] == 1 and r.json()["items"][0]["versionCount"] == 1
    assert len(await stored_keys(storage)) == 1
    whole = _multipart(b"x" * 200_000, close=True)
    r = await docs.client.post(f"/v1/projects/{pid}/documents", content=whole, headers=headers)
    assert r.status_code == 201 and r.json()["size"] == 200_000


async def test_nul_in_upload_form_values(docs: Docs, storage: Storage) -> None:
    pid = (await docs.project())["id"]
    field = (
        await docs.client.post(
            f"/v1/projects/{pid}/fields", json={"name": "Status", "type": "SHORT_TEXT"}, headers=docs.headers
        )
    ).json()
    r = await docs.upload_raw(pid, b"x", "x.txt", data={"name": "a\x00b"})
    assert r.status_code == 400 and r.json()["issues"][0]["path"] == ["name"], r.text
    r = await docs.upload_raw(pid, b"x", "x.txt", data={"fields": json.dumps({str(field["id"]): "v\x00"})})
    assert r.status_code == 400 and r.json()["issues"][0]["path"] == ["fields", str(field["id"])], r.text
    headers = {**docs.headers, "Content-Type": f"multipart/form-data; boundary={BOUNDARY}"}
    body = _multipart(b"x", close=True).replace(b'filename="a.bin"', b'filename="a\x00.bin"')
    r = await docs.client.post(f"/v1/projects/{pid}/documents", content=body, headers=headers)
    assert r.status_code == 400 and r.json()["issues"][0]["path"] == ["file"], r.text
    assert await stored_keys(storage) == []


async def test_folder_names_that_read_as_paths_are_refused(docs: Docs) -> None:
    pid = (await docs.project())["id"]
    base = f"/v1/projects/{pid}/folders"
    for bad in ("..", ".", " .. ", "a/b", "../x", "a\x00b"):
        r = await docs.client.post(base, json={"name": bad}, headers=docs.headers)
        assert r.status_code == 400, (bad, r.text)
        assert r.json()["issues"][0]["path"] == ["name"], bad
    r = await docs.client.post(
        "/v1/templates",
        json={"name": "T", "folders": [{"name": "ok", "children": [{"name": ".."}]}]},
        headers=docs.headers,
    )
    assert r.status_code == 400, r.text
    assert (await docs.folder(pid, "..."))["path"] == "..."  # three dots name nothing special
    assert (await docs.folder(pid, ".hidden"))["name"] == ".hidden"


async def test_uploads_are_spooled_in_the_process_scratch_folder(docs: Docs, storage: Storage) -> None:
    if not isinstance(storage, LocalStorage):
        return  # S3: the temporary object is a multipart upload under prefix/tmp/
    pid = (await docs.project())["id"]
    body = _multipart(b"y" * 3_000_000, close=True)
    seen: list[Path] = []

    async def chunks() -> AsyncIterator[bytes]:
        yield body[:2_500_000]
        seen.extend(storage.scratch.directory.glob("*.part"))
        yield body[2_500_000:]

    headers = {**docs.headers, "Content-Type": f"multipart/form-data; boundary={BOUNDARY}"}
    r = await docs.client.post(f"/v1/projects/{pid}/documents", content=chunks(), headers=headers)
    assert r.status_code == 201, r.text
    assert len(seen) == 1 and seen[0].parent.parent == storage.root / "tmp"
    assert not seen[0].exists()


async def test_downloads_are_not_sniffed(docs: Docs, storage: Storage) -> None:
    pid = (await docs.project())["id"]
    doc = await docs.upload(pid, b"<html><script>alert(1)</script>", "page.txt", content_type="text/plain")
    r = await docs.client.get(f"/v1/projects/{pid}/documents/{doc['id']}/content", headers=docs.headers)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/plain")
    assert r.headers["x-content-type-options"] == "nosniff"
