from __future__ import annotations

import csv
import io
from typing import Any

from tests.pipeline.helpers import OPP_HEADER, deals_by_eid, ok, upload


async def test_upload_creates_then_updates_deals(client: Any, factory: Any) -> None:
    t = await factory.tenant(timezone="America/Los_Angeles")
    rep = await factory.user(t, email="rep@example.com")
    csv = (
        OPP_HEADER
        + '\n334j0HHBF,Phone Install for Southern Railway,"$80,000.00",02/15/2017,Develop,REP@example.com,333j055555,Southern Railway,https://sr.example,New Business,Call them\n'
        + "X2,Second,80000.5,2017-03-01,Closed Won,nobody@example.com,,,,,\n"
    )
    data = ok(await upload(client, "opportunities", csv, t.headers))
    assert data["total_original_rows"] == 2
    assert data["total_imported_rows"] == 2
    assert data["total_error_rows"] == 0
    assert data["error_file"] == ""
    assert data["ignored_columns"] == []
    assert len(data["warnings"]) == 1 and "nobody@example.com" in data["warnings"][0]
    deals = await deals_by_eid(client, t.headers)
    d = deals["334j0HHBF"]
    assert d.name == "Phone Install for Southern Railway"
    assert d.amount == 80000
    assert d.owner_user_id == rep.id
    assert d.account_name == "Southern Railway"
    assert d.company_vendor_entity_id == "333j055555"
    assert d.account_website == "https://sr.example"
    assert d.opportunity_type == "New Business"
    assert d.next_step == "Call them"
    assert not d.closed
    assert deals["X2"].closed and deals["X2"].won and deals["X2"].owner_user_id is None
    assert deals["X2"].amount == 80000.5

    # the same file again: same state, nothing rewritten
    ok(await upload(client, "opportunities", csv, t.headers))
    again = await deals_by_eid(client, t.headers)
    assert {k: v.updated_at for k, v in again.items()} == {k: v.updated_at for k, v in deals.items()}
    assert len(again) == 2

    # an update of one column
    ok(await upload(client, "opportunities", "opp_id,opp_name,amount\n334j0HHBF,Renamed,1\n", t.headers))
    after = await deals_by_eid(client, t.headers)
    assert after["334j0HHBF"].name == "Renamed" and after["334j0HHBF"].amount == 1
    assert after["334j0HHBF"].account_name == "Southern Railway"  # columns absent from the file stay
    assert after["334j0HHBF"].uuid == d.uuid

    r = await client.get("/api/v1/opportunities/my", headers=t.headers)
    items = ok(r)
    first = next(i for i in items if i["external_opp_id"] == "334j0HHBF")
    assert first["close_date"] == {
        "date": "2017-02-15 00:00:00.000000",
        "timezone_type": 3,
        "timezone": "America/Los_Angeles",
    }


async def test_header_variants_are_matched(client: Any, factory: Any) -> None:
    t = await factory.tenant()
    for i, header in enumerate(
        [
            "opportunity id,opportunity name",
            "OpportunityID,OpportunityName",
            " Opportunity ID* , OPPORTUNITY-NAME* ",
            "opp_id,opp_name",
        ]
    ):
        data = ok(await upload(client, "opportunities", f"{header}\nH{i},Name {i}\n", t.headers))
        assert data["total_imported_rows"] == 1, (header, data)
    deals = await deals_by_eid(client, t.headers)
    assert set(deals) == {"H0", "H1", "H2", "H3"}


async def test_real_export_snake_case_headers(client: Any, factory: Any) -> None:
    t = await factory.tenant()
    owner = await factory.user(t)
    csv = (
        "account_id,account_name,opp_id,opp_name,amount,close_date,stage,owner,owner_email,Region\n"
        f"A1,Acme,O1,Acme deal,1200,2025-06-30,Negotiation,Owner Name,{owner.email},EMEA\n"
    )
    data = ok(await upload(client, "opportunities", csv, t.headers))
    assert data["total_imported_rows"] == 1
    assert data["ignored_columns"] == ["Region"]
    d = (await deals_by_eid(client, t.headers))["O1"]
    assert (d.account_name, d.company_vendor_entity_id, d.owner_user_id, d.stage) == (
        "Acme",
        "A1",
        owner.id,
        "Negotiation",
    )


async def test_missing_required_columns_is_a_400_naming_them(client: Any, factory: Any) -> None:
    t = await factory.tenant()
    r = await upload(client, "opportunities", "Amount,Stage\n1,Develop\n", t.headers)
    assert r.status_code == 400
    body = r.json()
    assert body["status"] == "fail"
    assert "Opportunity ID" in body["data"]["file"] and "Opportunity Name" in body["data"]["file"]
    assert body["data"]["missing_columns"] == ["Opportunity ID", "Opportunity Name"]
    r = await upload(client, "opportunities", "", t.headers)
    assert r.status_code == 400 and r.json()["status"] == "fail"


async def test_encodings_delimiters_quotes_and_blank_lines(client: Any, factory: Any) -> None:
    t = await factory.tenant()
    bom = "\ufeffOpportunity ID,Opportunity Name\nE1,Café crème\n".encode()
    assert ok(await upload(client, "opportunities", bom, t.headers))["total_imported_rows"] == 1
    cp1252 = 'Opportunity ID;Opportunity Name;Amount\r\nE2;Société Générale \u2013 €;"1.234,50"\r\n'.encode(
        "cp1252"
    )
    assert ok(await upload(client, "opportunities", cp1252, t.headers))["total_imported_rows"] == 1
    tabs = "Opportunity ID\tOpportunity Name\tNext Step\nE3\tTabbed\tcall, then email\n"
    assert ok(await upload(client, "opportunities", tabs, t.headers))["total_imported_rows"] == 1
    quoted = (
        'Opportunity ID,Opportunity Name,Next Step\r\n\r\nE4,"Quoted, with comma","line one\r\nline two"\r\n'
        '\r\n,,\r\nE5,"He said ""hi""",\r\n'
    )
    data = ok(await upload(client, "opportunities", quoted, t.headers))
    assert (data["total_original_rows"], data["total_imported_rows"], data["total_error_rows"]) == (2, 2, 0)
    deals = await deals_by_eid(client, t.headers)
    assert deals["E1"].name == "Café crème"
    assert deals["E2"].name == "Société Générale \u2013 €" and deals["E2"].amount == 1234.5
    assert deals["E3"].next_step == "call, then email"
    assert deals["E4"].name == "Quoted, with comma" and deals["E4"].next_step == "line one\r\nline two"
    assert deals["E5"].name == 'He said "hi"'


async def test_amounts_and_dates(client: Any, factory: Any) -> None:
    t = await factory.tenant()
    csv = (
        "Opportunity ID,Opportunity Name,Amount,Close Date\n"
        "A1,a,80000,2017-02-15\n"
        "A2,a,80000.5,02/15/2017\n"
        '"A3",a,"$80,000.00",2017/02/15\n'
        "A4,a,USD 1200,15-Feb-2017\n"
        'A5,a,"1,2345",\n'
        "A6,a,12,31/12/2017\n"
        "A7,a,abc,\n"
        ",missing id,,\n"
        "A9,,,\n"
    )
    data = ok(await upload(client, "opportunities", csv, t.headers))
    assert (data["total_original_rows"], data["total_imported_rows"], data["total_error_rows"]) == (9, 4, 5)
    deals = await deals_by_eid(client, t.headers)
    assert [deals[k].amount for k in ("A1", "A2", "A3", "A4")] == [80000, 80000.5, 80000, 1200]
    days = {deals[k].close_date.date().isoformat() for k in ("A1", "A2", "A3", "A4")}
    assert days == {"2017-02-15"}
    assert data["error_file"].startswith("http://testserver/api/v1/admin/imports/")


async def test_duplicate_ids_in_one_file_last_wins(client: Any, factory: Any) -> None:
    t = await factory.tenant()
    csv = "opp_id,opp_name\nD1,first\nD2,other\nD1,second\n"
    data = ok(await upload(client, "opportunities", csv, t.headers))
    assert data["total_imported_rows"] == 3
    assert any("last one was kept" in w for w in data["warnings"])
    assert (await deals_by_eid(client, t.headers))["D1"].name == "second"


async def test_deleted_deal_comes_back_and_v1_sees_it(client: Any, factory: Any) -> None:
    t = await factory.tenant()
    ok(await upload(client, "opportunities", "opp_id,opp_name\nR1,first\n", t.headers))
    deal = (await deals_by_eid(client, t.headers))["R1"]
    assert (await client.delete(f"/v1/deals/{deal.id}", headers=t.headers)).json()["deleted"] is True
    ok(await upload(client, "opportunities", "opp_id,opp_name\nR1,first\n", t.headers))
    assert not (await deals_by_eid(client, t.headers))["R1"].deleted


async def test_dates_out_of_range_are_error_rows(client: Any, factory: Any) -> None:
    t = await factory.tenant(timezone="Asia/Tokyo")
    csv = "opp_id,opp_name,close_date\nY1,a,0001-01-01\nY2,b,9999-12-31\nY3,c,2999-12-31\n"
    data = ok(await upload(client, "opportunities", csv, t.headers))
    assert (data["total_imported_rows"], data["total_error_rows"]) == (1, 2)
    items = ok(await client.get("/api/v1/opportunities/my", headers=t.headers))
    assert items[0]["close_date"]["date"] == "2999-12-31 00:00:00.000000"


async def test_text_values_survive_staging_verbatim(client: Any, factory: Any) -> None:
    """Quotes, separators, CR/LF, backslashes, COPY markers and non-ASCII arrive exactly as uploaded."""
    t = await factory.tenant()
    rows = [
        ["Opportunity ID", "Opportunity Name", "Amount", "Next Step"],
        ["T1", 'He said "hi", then left', "1", "line1\nline2"],
        ["T2", "cr\ronly", "2", "\\."],
        ["T3", "\\N", "3", "ünïcødé ✓ 中文"],
        ["T4", "tab\there; semi", "", "back\\slash"],
        ["\\.", "dot id", "4", ""],
    ]
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    data = ok(await upload(client, "opportunities", buffer.getvalue(), t.headers))
    assert data["total_imported_rows"] == 5 and data["total_error_rows"] == 0
    deals = await deals_by_eid(client, t.headers)
    assert {k: (d.name, d.next_step) for k, d in deals.items()} == {
        "T1": ('He said "hi", then left', "line1\nline2"),
        "T2": ("cr\ronly", "\\."),
        "T3": ("\\N", "ünïcødé ✓ 中文"),
        "T4": ("tab\there; semi", "back\\slash"),
        "\\.": ("dot id", None),
    }
    assert deals["T4"].amount is None
