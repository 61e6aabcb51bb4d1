from __future__ import annotations

from typing import Any

from sqlalchemy import select

from dealbench.models import Deal
from tests.pipeline.helpers import OPP_HEADER, ok, upload


async def _deals(factory: Any, org_id: int) -> dict[str, Deal]:
    async with factory.services.sessionmaker() as session:
        rows = (await session.execute(select(Deal).where(Deal.organization_id == org_id))).scalars()
        return {d.vendor_entity_id: d for d in rows}


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
    deals = await _deals(factory, t.org.id)
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
    again = await _deals(factory, t.org.id)
    assert {k: v.updated_at for k, v in again.items()} == {k: v.updated_at for k, v in deals.items()}
    assert len(again) == 2

    # an update of one column
    ok(await upload(client, "opportunities", "opp_id,opp_name,amount\n334j0HHBF,Renamed,1\n", t.headers))
    after = await _deals(factory, t.org.id)
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
