"""CSV files and upload bodies that are not what they claim: each is a 400 (or read correctly), the
same on both backends, and a refused file stores nothing."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from dealbench.models import Deal, ImportRun
from tests.pipeline.helpers import ok, upload


async def _count(factory: Any, model: Any, org_id: int) -> int:
    async with factory.services.sessionmaker() as session:
        stmt = select(func.count()).select_from(model).where(model.organization_id == org_id)
        return int((await session.execute(stmt)).scalar_one())


async def test_a_nul_anywhere_in_the_file_refuses_the_whole_file(client: Any, factory: Any) -> None:
    """The first 64 KB (where the delimiter is sniffed) or far after them: the same 400."""
    t = await factory.tenant()
    filler = "".join(f"F{i},filler row {i}\n" for i in range(5000))
    assert len(filler) > 64 * 1024
    for body in (
        "Opportunity ID,Opportunity Name\nN1,a\x00b\n" + filler,
        "Opportunity ID,Opportunity Name\n" + filler + "N2,late\x00nul\n",
    ):
        r = await upload(client, "opportunities", body, t.headers)
        assert r.status_code == 400, r.text
        assert "NUL" in r.json()["data"]["file"]
    line = (
        await upload(
            client, "opportunities", "Opportunity ID,Opportunity Name\n" + filler + "N2,\x00\n", t.headers
        )
    ).json()
    assert "line 5002" in line["data"]["file"]
    r = await upload(
        client,
        "opportunities",
        "Opportunity ID,Opportunity Name\nN3,x\x00\n",
        t.headers,
        path="/v1/imports/opportunities",
    )
    assert r.status_code == 400 and "NUL" in r.json()["error"]
    assert await _count(factory, Deal, t.org.id) == 0
    assert await _count(factory, ImportRun, t.org.id) == 0


async def test_utf16_and_utf32_files_with_a_bom_are_decoded(client: Any, factory: Any) -> None:
    t = await factory.tenant()
    text = 'Opportunity ID,Opportunity Name,Amount\r\nU1,Café crème,"1,200"\r\nU2,Ünïcödé ✓,3\r\n'
    for encoding in ("utf-16", "utf-16-be", "utf-32"):
        raw = text.encode(encoding)
        if encoding == "utf-16-be":
            raw = b"\xfe\xff" + raw
        data = ok(await upload(client, "opportunities", raw, t.headers))
        assert (data["total_imported_rows"], data["total_error_rows"]) == (2, 0), (encoding, data)
    async with factory.services.sessionmaker() as session:
        rows = await session.execute(select(Deal).where(Deal.organization_id == t.org.id))
        deals = {d.vendor_entity_id: d for d in rows.scalars()}
    assert deals["U1"].name == "Café crème" and deals["U1"].amount == 1200
    assert deals["U2"].name == "Ünïcödé ✓"


async def test_an_unterminated_quote_is_a_400_for_the_whole_file(client: Any, factory: Any) -> None:
    t = await factory.tenant()
    body = 'Opportunity ID,Opportunity Name,Next Step\nQ1,fine,ok\nQ2,"never closed,x\nQ3,lost,row\n'
    r = await upload(client, "opportunities", body, t.headers)
    assert r.status_code == 400, r.text
    assert "row 3 is never closed" in r.json()["data"]["file"]
    r = await upload(client, "opportunities", 'Opportunity ID,"Opportunity Name\n', t.headers)
    assert r.status_code == 400 and "row 1" in r.json()["data"]["file"]
    assert await _count(factory, Deal, t.org.id) == 0
    # a quote inside an unquoted value, and a closed quote followed by text, are still read
    lenient = 'Opportunity ID,Opportunity Name\nQ4,5" screen\nQ5,"Acme" Inc\n'
    assert ok(await upload(client, "opportunities", lenient, t.headers))["total_imported_rows"] == 2


def _multipart(
    content: bytes, *, close: bool, fields: dict[str, str] | None = None, filename: str = 'filename="f.csv"'
) -> tuple[bytes, str]:
    boundary = "dealbenchtestboundary"
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        for name, value in (fields or {}).items()
    ]
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; {filename}\r\n'
        "Content-Type: text/csv\r\n\r\n".encode()
        + content
    )
    body = b"".join(parts) + (f"\r\n--{boundary}--\r\n".encode() if close else b"")
    return body, f"multipart/form-data; boundary={boundary}"


async def test_a_body_without_its_closing_boundary_stores_nothing(client: Any, factory: Any) -> None:
    t = await factory.tenant()
    rows = b"Opportunity ID,Opportunity Name\nB1,whole\nB2,trunc"
    for path in ("/api/v1/admin/opportunities/upload", "/v1/imports/opportunities"):
        body, ctype = _multipart(rows, close=False)
        r = await client.post(path, content=body, headers={**t.headers, "Content-Type": ctype})
        assert r.status_code == 400, r.text
        assert "closing boundary" in r.text
    assert await _count(factory, Deal, t.org.id) == 0
    assert await _count(factory, ImportRun, t.org.id) == 0
    body, ctype = _multipart(rows, close=True)
    r = await client.post(
        "/api/v1/admin/opportunities/upload", content=body, headers={**t.headers, "Content-Type": ctype}
    )
    assert ok(r)["total_imported_rows"] == 2


async def test_nul_in_form_fields_and_file_names(client: Any, factory: Any) -> None:
    t = await factory.tenant()
    body, ctype = _multipart(b"opp_id,opp_name\nX,y\n", close=True, fields={"send_error_email": "tr\x00ue"})
    r = await client.post(
        "/api/v1/admin/opportunities/upload", content=body, headers={**t.headers, "Content-Type": ctype}
    )
    assert r.status_code == 400 and "NUL" in r.json()["data"]["send_error_email"], r.text
    body, ctype = _multipart(b"opp_id,opp_name\nX,y\n", close=True, filename='filename="a\x00.csv"')
    r = await client.post(
        "/api/v1/admin/opportunities/upload", content=body, headers={**t.headers, "Content-Type": ctype}
    )
    assert r.status_code == 400 and "NUL" in r.json()["data"]["file"], r.text
    assert await _count(factory, Deal, t.org.id) == 0


async def test_the_upload_is_spooled_under_the_data_directory(
    client: Any, factory: Any, services: Any
) -> None:
    t = await factory.tenant()
    body, ctype = _multipart(b"Opportunity ID,Opportunity Name\n" + b"S1,spooled\n" * 1000, close=True)
    seen: list[Path] = []

    async def chunks() -> AsyncIterator[bytes]:
        yield body[: len(body) // 2]
        seen.extend(services.scratch.directory.glob("dealbench-import-*.csv"))
        yield body[len(body) // 2 :]

    r = await client.post(
        "/api/v1/admin/opportunities/upload", content=chunks(), headers={**t.headers, "Content-Type": ctype}
    )
    assert ok(r)["total_imported_rows"] == 1000
    assert len(seen) == 1 and seen[0].is_relative_to(services.settings.var_dir / "tmp")
    assert not seen[0].exists()  # removed once imported


async def test_the_error_file_download_is_not_sniffed(client: Any, factory: Any) -> None:
    t = await factory.tenant()
    data = ok(await upload(client, "opportunities", "opp_id,opp_name,amount\nE1,<b>x</b>,lots\n", t.headers))
    r = await client.get(data["error_file"].removeprefix("http://testserver"), headers=t.headers)
    assert r.status_code == 200 and r.headers["x-content-type-options"] == "nosniff"
