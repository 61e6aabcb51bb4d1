"""Folders, document listing and moves, metadata fields, activity, and bad input."""

from __future__ import annotations

from typing import Any

from tests.documents.conftest import Docs


async def test_folders(docs: Docs) -> None:
    pid = (await docs.project())["id"]
    contracts = await docs.folder(pid, "Contracts")
    signed = await docs.folder(pid, "Signed", contracts["id"])
    spaced = await docs.folder(pid, "the folder")
    assert signed == {**signed, "parentId": contracts["id"], "path": "Contracts/Signed", "name": "Signed"}
    base = f"/v1/projects/{pid}/folders"
    for ref, expected in (
        (str(contracts["id"]), contracts),
        ("the%20folder", spaced),
        ("Contracts%2FSigned", signed),
        ("Contracts/Signed", signed),
        ("Signed", signed),
    ):
        r = await docs.client.get(f"{base}/{ref}", headers=docs.headers)
        assert r.status_code == 200, ref
        assert r.json()["id"] == expected["id"], ref
    r = await docs.client.get(f"{base}/Nope", headers=docs.headers)
    assert r.status_code == 404
    r = await docs.client.post(base, json={"name": "Contracts"}, headers=docs.headers)
    assert r.status_code == 409
    r = await docs.client.post(
        base, json={"name": "Signed", "parentId": contracts["id"]}, headers=docs.headers
    )
    assert r.status_code == 409
    await docs.folder(pid, "Signed")  # same name, other parent: fine
    r = await docs.client.get(f"{base}/Signed", headers=docs.headers)
    assert r.json()["id"] != signed["id"]  # the top-level one (its path is its name)
    for bad in (
        {"name": ""},
        {"name": "a/b"},
        {"name": "x" * 256},
        {"name": "tab\there"},
        {"name": "   "},
        {},
    ):
        r = await docs.client.post(base, json=bad, headers=docs.headers)
        assert r.status_code == 400, bad
        assert r.json()["issues"][0]["path"] == ["name"], bad
    r = await docs.client.post(base, json={"name": "x", "parentId": 999999}, headers=docs.headers)
    assert r.status_code == 400
    r = await docs.client.get(base, headers=docs.headers)
    assert r.json()["totalCount"] == 4
    # delete: 409 when not empty, recursive removes everything under it
    doc = await docs.upload(pid, b"in signed", "s.txt", data={"folderId": str(signed["id"])})
    r = await docs.client.delete(f"{base}/{contracts['id']}", headers=docs.headers)
    assert r.status_code == 409
    r = await docs.client.delete(f"{base}/{signed['id']}", headers=docs.headers)
    assert r.status_code == 409
    r = await docs.client.delete(f"{base}/{spaced['id']}", headers=docs.headers)
    assert r.status_code == 200
    r = await docs.client.delete(f"{base}/Contracts", params={"recursive": "true"}, headers=docs.headers)
    assert r.status_code == 200, r.text
    r = await docs.client.get(f"/v1/projects/{pid}/documents/{doc['id']}", headers=docs.headers)
    assert r.status_code == 404
    r = await docs.client.get(base, headers=docs.headers)
    assert [f["path"] for f in r.json()["items"]] == ["Signed"]


async def test_listing_filters_and_moves(docs: Docs) -> None:
    pid = (await docs.project())["id"]
    folder = await docs.folder(pid, "Contracts")
    a = await docs.upload(pid, b"a", "a.txt", data={"folderId": str(folder["id"])})
    b = await docs.upload(pid, b"b", "b.txt", data={"folderId": "Contracts", "name": "Custom name"})
    c = await docs.upload(pid, b"c", "c.txt")
    assert a["folderId"] == b["folderId"] == folder["id"]
    assert b["name"] == "Custom name"
    assert b["fileName"] == "b.txt"
    r = await docs.client.get(f"/v1/projects/{pid}/documents", headers=docs.headers)
    assert [d["id"] for d in r.json()["items"]] == [a["id"], b["id"], c["id"]]
    r = await docs.client.get(
        f"/v1/projects/{pid}/documents", params={"limit": 1, "offset": 1}, headers=docs.headers
    )
    assert r.json() == {**r.json(), "limit": 1, "offset": 1, "totalCount": 3}
    assert [d["id"] for d in r.json()["items"]] == [b["id"]]
    r = await docs.client.get(f"/v1/projects/{pid}/documents/folder/{folder['id']}", headers=docs.headers)
    assert [d["id"] for d in r.json()["items"]] == [a["id"], b["id"]]
    r = await docs.client.get(f"/v1/projects/{pid}/documents/folder/root", headers=docs.headers)
    assert [d["id"] for d in r.json()["items"]] == [c["id"]]
    # afterDate: created or modified after
    r = await docs.client.get(
        f"/v1/projects/{pid}/documents", params={"afterDate": c["createdAt"]}, headers=docs.headers
    )
    assert r.json()["totalCount"] == 0
    r = await docs.client.get(
        f"/v1/projects/{pid}/documents", params={"afterDate": "2000-01-01"}, headers=docs.headers
    )
    assert r.json()["totalCount"] == 3
    r = await docs.client.put(f"/v1/projects/{pid}/documents/{c['id']}/{folder['id']}", headers=docs.headers)
    assert r.status_code == 200
    assert r.json()["folderId"] == folder["id"]
    r = await docs.client.get(
        f"/v1/projects/{pid}/documents", params={"afterDate": c["createdAt"]}, headers=docs.headers
    )
    assert [d["id"] for d in r.json()["items"]] == [c["id"]]
    r = await docs.client.get(
        f"/v1/projects/{pid}/documents/folder/{folder['id']}",
        params={"afterDate": "2999-01-01T00:00:00+02:00"},
        headers=docs.headers,
    )
    assert r.json()["totalCount"] == 0
    r = await docs.client.get(f"/v1/projects/{pid}/documents", params={"afterDate": ""}, headers=docs.headers)
    assert r.status_code == 200 and r.json()["totalCount"] == 3  # empty: no filter
    for bad in ("yesterday", "2024-13-01", "2024-01-01X", "1700000000", "0001-01-01T00:00:00+01:00"):
        r = await docs.client.get(
            f"/v1/projects/{pid}/documents", params={"afterDate": bad}, headers=docs.headers
        )
        assert r.status_code == 400, bad
        assert r.json()["issues"][0]["path"] == ["afterDate"]
    r = await docs.client.put(f"/v1/projects/{pid}/documents/{c['id']}/root", headers=docs.headers)
    assert r.json()["folderId"] is None
    r = await docs.client.put(f"/v1/projects/{pid}/documents/{c['id']}/99999999", headers=docs.headers)
    assert r.status_code == 404


async def test_fields(docs: Docs) -> None:
    pid = (await docs.project())["id"]
    base = f"/v1/projects/{pid}/fields"
    made: dict[str, Any] = {}
    for body in (
        {"name": "Title", "type": "SHORT_TEXT"},
        {"name": "Notes", "type": "LONG_TEXT"},
        {"name": "Signed on", "type": "DATE"},
        {"name": "Received", "type": "DATETIME"},
        {"name": "Pages", "type": "NUMBER"},
        {"name": "Confidential", "type": "BOOLEAN"},
        {"name": "Status", "type": "CHOICE", "options": ["Draft", "Final"]},
    ):
        r = await docs.client.post(base, json=body, headers=docs.headers)
        assert r.status_code == 201, r.text
        made[body["name"]] = r.json()
    r = await docs.client.post(base, json={"name": "status", "type": "NUMBER"}, headers=docs.headers)
    assert r.status_code == 409
    r = await docs.client.post(base, json={"name": "Description", "type": "NUMBER"}, headers=docs.headers)
    assert r.status_code == 409
    r = await docs.client.get(base, headers=docs.headers)
    assert r.json()["totalCount"] == 13
    doc = await docs.upload(pid, b"x", "x.txt", data={"fields": '{"Pages": 3, "description": "hello"}'})
    assert doc["fields"][str(made["Pages"]["id"])] == 3
    assert doc["fields"]["description"] == "hello"
    assert doc["fields"]["fileName"] == "x.txt"
    url = f"/v1/projects/{pid}/documents/{doc['id']}/fields"
    good = [
        ("Title", "Hello"),
        ("Notes", "long " * 100),
        ("Signed on", "2025-01-31"),
        ("Received", "2025-01-31T12:00:00Z"),
        ("Pages", 12.5),
        ("Confidential", True),
        ("Status", "Final"),
    ]
    for name, value in good:
        r = await docs.client.put(f"{url}/{made[name]['id']}", json={"value": value}, headers=docs.headers)
        assert r.status_code == 200, (name, r.text)
        stored = r.json()["fields"][str(made[name]["id"])]
        assert stored == (value if name != "Received" else "2025-01-31T12:00:00.000Z")
    bad = [
        ("Title", 5, "invalid_type"),
        ("Title", "x" * 256, "too_big"),
        ("Signed on", "31/01/2025", "invalid_string"),
        ("Received", "2025-01-31T12:00:00", "invalid_string"),
        ("Received", 17, "invalid_type"),
        ("Pages", "12", "invalid_type"),
        ("Pages", True, "invalid_type"),
        ("Confidential", "yes", "invalid_type"),
        ("Status", "Other", "invalid_enum_value"),
    ]
    for name, value, code in bad:
        r = await docs.client.put(f"{url}/{made[name]['id']}", json={"value": value}, headers=docs.headers)
        assert r.status_code == 400, (name, value)
        issue = r.json()["issues"][0]
        assert issue["code"] == code, (name, issue)
        assert issue["path"] == ["value"]
    r = await docs.client.put(f"{url}/{made['Status']['id']}", json={"value": "Nope"}, headers=docs.headers)
    assert r.json()["issues"][0]["options"] == ["Draft", "Final"]
    r = await docs.client.put(f"{url}/{made['Status']['id']}", json={"value": None}, headers=docs.headers)
    assert str(made["Status"]["id"]) not in r.json()["fields"]
    r = await docs.client.put(f"{url}/{made['Status']['id']}", json={}, headers=docs.headers)
    assert r.status_code == 400
    r = await docs.client.put(f"{url}/date", json={"value": "2024-02-29"}, headers=docs.headers)
    assert r.json()["fields"]["date"] == "2024-02-29"
    r = await docs.client.put(f"{url}/name", json={"value": "Renamed.txt"}, headers=docs.headers)
    assert r.json()["name"] == "Renamed.txt"
    r = await docs.client.put(f"{url}/name", json={"value": None}, headers=docs.headers)
    assert r.status_code == 400
    r = await docs.client.put(
        f"{url}/dateAdded", json={"value": "2024-02-29T00:00:00Z"}, headers=docs.headers
    )
    assert r.status_code == 400
    r = await docs.client.put(f"{url}/999999", json={"value": 1}, headers=docs.headers)
    assert r.status_code == 404
    r = await docs.upload_raw(pid, b"y", "y.txt", data={"fields": '{"Pages": "many"}'})
    assert r.status_code == 400
    assert r.json()["issues"][0]["path"] == ["fields", "Pages"]
    r = await docs.upload_raw(pid, b"y", "y.txt", data={"fields": "{not json"})
    assert r.status_code == 400
    r = await docs.upload_raw(pid, b"y", "y.txt", data={"fields": "[1]"})
    assert r.status_code == 400
    r = await docs.upload_raw(pid, b"y", "y.txt", data={"fields": '{"Unknown": 1}'})
    assert r.status_code == 400


async def test_activity(docs: Docs) -> None:
    pid = (await docs.project())["id"]
    folder = await docs.folder(pid, "F")
    field = (
        await docs.client.post(
            f"/v1/projects/{pid}/fields", json={"name": "N", "type": "NUMBER"}, headers=docs.headers
        )
    ).json()
    doc = await docs.upload(pid, b"v1", "a.txt")
    base = f"/v1/projects/{pid}/documents/{doc['id']}"
    await docs.client.post(f"{base}/replace", files={"file": ("a.txt", b"v2")}, headers=docs.headers)
    await docs.client.put(f"{base}/{folder['id']}", headers=docs.headers)
    await docs.client.put(f"{base}/fields/{field['id']}", json={"value": 1}, headers=docs.headers)
    await docs.client.get(f"{base}/content", headers=docs.headers)
    await docs.client.head(f"{base}/content", headers=docs.headers)  # not a download
    await docs.client.delete(base, headers=docs.headers)
    r = await docs.client.get(f"/v1/projects/{pid}/activity", headers=docs.headers)
    actions = [(a["action"], a["documentId"]) for a in r.json()["items"]]
    assert actions == [
        (action, doc["id"]) for action in ("UPLOAD", "REPLACE", "MOVE", "FIELD_CHANGE", "DOWNLOAD", "DELETE")
    ]
    assert r.json()["items"][3]["details"] == {"fieldId": str(field["id"]), "before": None, "after": 1}


async def test_bad_uploads_are_4xx(docs: Docs, services: Any) -> None:
    pid = (await docs.project())["id"]
    url = f"/v1/projects/{pid}/documents"
    h = docs.headers
    r = await docs.client.post(url, json={"file": "x"}, headers=h)
    assert r.status_code == 415
    r = await docs.client.post(url, content=b"garbage", headers={**h, "Content-Type": "multipart/form-data"})
    assert r.status_code == 400
    r = await docs.client.post(
        url, content=b"--b\r\nnonsense", headers={**h, "Content-Type": "multipart/form-data; boundary=b"}
    )
    assert r.status_code == 400
    r = await docs.client.post(url, data={"name": "x"}, files={"other": ("x.txt", b"x")}, headers=h)
    assert r.status_code == 400
    r = await docs.client.post(url, data={"file": "not a file part"}, files={"other": ("x", b"")}, headers=h)
    assert r.status_code == 400
    r = await docs.client.post(url, files=[("file", ("a.txt", b"a")), ("file", ("b.txt", b"b"))], headers=h)
    assert r.status_code == 400
    r = await docs.upload_raw(pid, b"x", "x.txt", data={"folderId": "Nowhere"})
    assert r.status_code == 400
    assert r.json()["issues"][0]["path"] == ["folderId"]
    r = await docs.upload_raw(pid, b"x", "x.txt", data={"color": "red"})
    assert r.status_code == 400
    r = await docs.upload_raw(pid, b"x", "x.txt", params={"rejectDuplicate": "maybe"})
    assert r.status_code == 400
    r = await docs.client.post("/v1/projects/99999999/documents", files={"file": ("x", b"x")}, headers=h)
    assert r.status_code == 404
    r = await docs.client.get(f"{url}", headers=h)
    assert r.json()["totalCount"] == 0
    # the content type is guessed when the client sends none
    doc = await docs.upload(pid, b"%PDF", "scan.pdf", content_type="application/octet-stream")
    assert doc["contentType"] == "application/pdf"


async def test_document_list_statement_count(docs: Docs, count_statements: Any) -> None:
    pid = (await docs.project())["id"]
    for i in range(6):
        await docs.upload(pid, f"doc {i}".encode(), f"{i}.txt")
    count_statements.reset()
    r = await docs.client.get(f"/v1/projects/{pid}/documents", headers=docs.headers)
    assert r.json()["totalCount"] == 6
    assert count_statements.count <= 5, count_statements.statements
