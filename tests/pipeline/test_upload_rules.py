"""Error files, permissions, limits, tenant subdomains, maintenance and the Opine face of imports."""

from __future__ import annotations

import asyncio
import csv
import io
from typing import Any

import httpx

from dealbench.app import create_app
from dealbench.models import Role
from tests.pipeline.helpers import counts, ok, upload


async def test_error_file_content_neutralization_and_access(client: Any, factory: Any) -> None:
    t = await factory.tenant()
    other = await factory.tenant()
    content = (
        "Opportunity ID,Opportunity Name,Amount,Notes\n"
        "OK1,fine,1,\n"
        '=HYPERLINK("http://evil"),+cmd,@SUM(A1),-2+3\n'
        "BAD2,name,not money,keep me\n"
    )
    data = ok(await upload(client, "opportunities", content, t.headers))
    assert (data["total_imported_rows"], data["total_error_rows"]) == (1, 2)
    url = data["error_file"]
    assert url.startswith("http://testserver/api/v1/admin/imports/") and url.endswith("/error-file")
    path = url.removeprefix("http://testserver")

    r = await client.get(path, headers=t.headers)
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert rows[0] == ["Opportunity ID", "Opportunity Name", "Amount", "Notes", "error"]
    assert rows[1][:4] == ['\'=HYPERLINK("http://evil")', "'+cmd", "'@SUM(A1)", "'-2+3"]
    assert "Amount '@SUM(A1)'" in rows[1][4]
    assert rows[2][:4] == ["BAD2", "name", "not money", "keep me"]
    assert "Amount 'not money' is not a number" in rows[2][4]
    assert len(rows) == 3

    # only the same organization can download it
    r = await client.get(path, headers=other.headers)
    assert r.status_code == 404 and r.json()["status"] == "fail"
    r = await client.get(path)
    assert r.status_code == 401 and r.json()["status"] == "fail"
    # the Opine face of the same file
    run_id = path.split("/")[-2]
    r = await client.get(f"/v1/imports/{run_id}/errors", headers=t.headers)
    assert r.status_code == 200 and r.content.decode("utf-8-sig").startswith("Opportunity ID")
    r = await client.get(f"/v1/imports/{run_id}/errors", headers=other.headers)
    assert r.status_code == 404 and "error" in r.json()


async def test_upload_permissions(client: Any, factory: Any) -> None:
    t = await factory.tenant()
    body = "opp_id,opp_name\nP1,perm\n"
    _, member = await factory.personal(t, Role.MEMBER)
    _, viewer = await factory.personal(t, Role.VIEWER)
    _, admin_all = await factory.personal(t, Role.ADMIN)
    _, admin_no_scope = await factory.personal(t, Role.ADMIN, scopes=["deals:write"])
    org_import = await factory.token(t, scopes=["imports:write"])
    org_read = await factory.token(t, scopes=["imports:read", "deals:write"])
    for token, status in [
        (member, 403),
        (viewer, 403),
        (admin_no_scope, 403),
        (org_read, 403),
        (admin_all, 200),
        (org_import, 200),
    ]:
        r = await upload(client, "opportunities", body, {"Authorization": token})
        assert r.status_code == status, (token[-1], r.text)
        assert r.json()["status"] == ("success" if status == 200 else "fail")
    r = await upload(client, "opportunities", body, {})
    assert r.status_code == 401 and r.json()["status"] == "fail"


async def test_file_over_20_mb_is_413_and_nothing_is_stored(client: Any, factory: Any) -> None:
    t = await factory.tenant()
    line = b"BIG%07d,a big opportunity with a long name to fill the file quickly................\n"
    rows = b"Opportunity ID,Opportunity Name\n" + b"".join(line % i for i in range(250_000))
    assert len(rows) > 20 * 1024 * 1024
    r = await upload(client, "opportunities", rows, t.headers)
    assert r.status_code == 413
    body = r.json()
    assert body["status"] == "fail" and "20 MB" in body["data"]["file"]
    assert await counts(client, t.headers) == (0, 0)


async def test_bad_requests_are_jsend_4xx(client: Any, factory: Any) -> None:
    t = await factory.tenant()
    r = await client.post("/api/v1/admin/opportunities/upload", json={"x": 1}, headers=t.headers)
    assert r.status_code == 415 and r.json()["status"] == "fail"
    r = await client.post(
        "/api/v1/admin/opportunities/upload", files={"other": ("a.csv", b"x")}, headers=t.headers
    )
    assert r.status_code == 400 and "file" in r.json()["data"]
    r = await client.post(
        "/api/v1/admin/opportunities/upload",
        content=b"--nope\r\ngarbage",
        headers={**t.headers, "Content-Type": "multipart/form-data; boundary=xyz"},
    )
    assert r.status_code == 400 and r.json()["status"] == "fail"
    r = await upload(client, "opportunities", b"Opportunity ID,Opportunity Name\n\x00\x01,x\n", t.headers)
    assert r.status_code == 400 and r.json()["status"] == "fail"
    r = await upload(
        client, "opportunities", "opp_id,opp_name\nx,y\n", t.headers, params={"send_error_email": "maybe"}
    )
    assert r.status_code == 400 and r.json()["data"]["send_error_email"]
    r = await client.get("/api/v1/opportunities/my", params={"limit": "x"}, headers=t.headers)
    assert r.status_code == 400 and r.json()["status"] == "fail" and "limit" in r.json()["data"]
    r = await client.get("/api/v1/admin/imports/not-a-uuid/error-file", headers=t.headers)
    assert r.status_code == 404 and r.json()["status"] == "fail"
    r = await client.get("/api/v1/nothing-here", headers=t.headers)
    assert r.status_code == 404 and r.json()["status"] == "fail"


async def test_tenant_subdomains(client: Any, factory: Any) -> None:
    t = await factory.tenant()
    other = await factory.tenant()
    mine = {"Host": f"{t.org.slug}.dealbench.test", "Authorization": t.token}
    r = await client.get("/api/v1/opportunities/my", headers=mine)
    assert r.status_code == 200
    r = await upload(client, "opportunities", "opp_id,opp_name\nS1,sub\n", mine)
    assert ok(r)["error_file"] == ""
    wrong = {"Host": f"{other.org.slug}.dealbench.test", "Authorization": t.token}
    r = await client.get("/api/v1/opportunities/my", headers=wrong)
    assert r.status_code == 401 and r.json()["status"] == "fail"
    r = await upload(client, "opportunities", "opp_id,opp_name\nS2,sub\n", wrong)
    assert r.status_code == 401 and r.json()["status"] == "fail"
    r = await client.get("/v1/contacts", headers=wrong)
    assert r.status_code == 401 and "error" in r.json()
    r = await client.get("/v1/contacts", headers={"Host": "api.example.org", "X-API-Key": t.token})
    assert r.status_code == 200


async def test_rate_limit_answer_is_jsend(client: Any, factory: Any) -> None:
    t = await factory.tenant()
    token = await factory.token(t, rate_limit_per_minute=1)
    assert (await client.get("/api/v1/opportunities/my", headers={"Authorization": token})).status_code == 200
    r = await client.get("/api/v1/opportunities/my", headers={"Authorization": token})
    assert r.status_code == 429 and r.json()["status"] == "fail" and "Retry-After" in r.headers


async def test_maintenance_mode(settings: Any, services: Any, factory: Any) -> None:
    t = await factory.tenant()
    app = create_app(settings.model_copy(update={"maintenance": True}), services)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as c:
        r = await c.get("/api/v1/opportunities/my", headers=t.headers)
        assert r.status_code == 503 and r.headers["Retry-After"]
        assert r.json()["status"] == "error" and r.json()["code"] == 503 and r.json()["message"]
        r = await upload(c, "opportunities", "opp_id,opp_name\nM1,m\n", t.headers)
        assert r.status_code == 503 and r.json()["status"] == "error"
        r = await c.post("/v1/imports/opportunities", files={"file": ("a.csv", b"x")}, headers=t.headers)
        assert r.status_code == 503 and isinstance(r.json()["error"], str) and r.headers["Retry-After"]


async def test_v1_imports_answer_opine_style(client: Any, factory: Any) -> None:
    t = await factory.tenant()
    r = await client.post(
        "/v1/imports/opportunities",
        files={"file": ("deals.csv", b"opp_id,opp_name,Color\nV1,v\n,missing\n")},
        headers=t.headers,
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["totalOriginalRows"] == 2 and body["totalImportedRows"] == 1 and body["totalErrorRows"] == 1
    assert body["ignoredColumns"] == ["Color"] and body["filename"] == "deals.csv"
    assert body["errorFile"].endswith(f"/v1/imports/{body['id']}/errors")
    r = await client.post("/v1/imports/widgets", files={"file": ("a.csv", b"x")}, headers=t.headers)
    assert r.status_code == 404 and "widgets" in r.json()["error"]
    r = await client.post(
        "/v1/imports/opportunities", files={"file": ("a.csv", b"a,b\n1,2\n")}, headers=t.headers
    )
    assert r.status_code == 400 and "Opportunity ID" in r.json()["error"]
    r = await client.get("/v1/imports", headers=t.headers)
    assert r.status_code == 200 and r.json()["totalCount"] == 1


async def test_concurrent_uploads_do_not_deadlock_or_duplicate(client: Any, factory: Any) -> None:
    t = await factory.tenant()
    a = "opp_id,opp_name\n" + "".join(f"C{i},a{i}\n" for i in range(300))
    b = "opp_id,opp_name\n" + "".join(f"C{i},b{i}\n" for i in reversed(range(300)))
    results = await asyncio.gather(
        *(upload(client, "opportunities", body, t.headers) for body in (a, b, a, b))
    )
    assert all(r.status_code == 200 for r in results), [r.text for r in results]
    assert (await counts(client, t.headers))[0] == 300


async def test_oversized_chunked_upload_is_refused_while_streaming(client: Any, factory: Any) -> None:
    """Without a Content-Length, the limit is enforced on the bytes as they arrive."""
    t = await factory.tenant()
    sent = [0]

    async def body() -> Any:
        yield (
            b'--B\r\nContent-Disposition: form-data; name="file"; filename="big.csv"\r\n'
            b"Content-Type: text/csv\r\n\r\nOpportunity ID,Opportunity Name\n"
        )
        chunk = b"X0000001,a row that repeats until the limit is crossed.......................\n" * 800
        for _ in range(1000):  # ~64 MB if it were all read
            sent[0] += len(chunk)
            yield chunk
        yield b"\r\n--B--\r\n"

    r = await client.post(
        "/api/v1/admin/opportunities/upload",
        content=body(),
        headers={**t.headers, "Content-Type": "multipart/form-data; boundary=B"},
    )
    assert r.status_code == 413 and r.json()["status"] == "fail"
    assert sent[0] < 30 * 1024 * 1024
    assert (await counts(client, t.headers))[1] == 0


async def test_each_row_error_kind(client: Any, factory: Any) -> None:
    t = await factory.tenant()
    long_id = "L" * 256
    content = (
        "Opportunity ID,Opportunity Name,Amount,Close Date\n"
        "OK,fine,,\n"
        ",no id,,\n"
        "NONAME,,,\n"
        f"{long_id},long id,,\n"
        "AMT,bad amount,1.2.3,\n"
        "DATE,bad date,,2017-02-30\n"
        "EXTRA,too many,1,2017-01-01,surprise\n"
        "SHORT,fewer values\n"
    )
    data = ok(await upload(client, "opportunities", content, t.headers))
    assert (data["total_original_rows"], data["total_imported_rows"], data["total_error_rows"]) == (8, 2, 6)
    r = await client.get(data["error_file"].removeprefix("http://testserver"), headers=t.headers)
    reasons = [row[-1] for row in csv.reader(io.StringIO(r.content.decode("utf-8-sig")))][1:]
    assert reasons == [
        "Opportunity ID is required.",
        "Opportunity Name is required.",
        "Opportunity ID is longer than 255 characters.",
        "Amount '1.2.3' is ambiguous: thousands groups must have three digits.",
        "Close Date '2017-02-30' is not a valid date.",
        "The row has 5 values but the header has 4 columns.",
    ]
    # a header alone, or blank lines only: nothing to import, no error
    data = ok(await upload(client, "opportunities", "Opportunity ID,Opportunity Name\r\n\r\n\r\n", t.headers))
    assert (data["total_original_rows"], data["total_imported_rows"], data["error_file"]) == (0, 0, "")
