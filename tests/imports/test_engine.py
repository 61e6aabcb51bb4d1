"""The import engine at the service level: a file staged and merged into the caller's organization
only, the last row of a repeated key winning, unchanged rows left alone, files that are not CSV
refused as a whole, and the runs found by their own organization only."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from dealbench.contacts.repository import ContactRepository
from dealbench.deals.repository import DealRepository
from dealbench.imports import service
from dealbench.imports.engine import ImportFileInvalid, Kind
from dealbench.kit.errors import NotFound
from dealbench.kit.pagination import ListParams
from dealbench.models import Deal
from dealbench.sales_targets.repository import SalesTargetRepository
from tests.factories import principal_in


async def run(services: Any, tenant: Any, kind: Kind, content: str | bytes, tmp_path: Path) -> Any:
    """Import ``content`` as the tenant's organization token, committed as a request would."""
    path = tmp_path / f"{kind.value}.csv"
    path.write_bytes(content.encode() if isinstance(content, str) else content)
    async with services.sessionmaker() as session:
        principal = await principal_in(session, tenant)
        result = await service.run_import(session, principal, kind, path, filename=path.name)
        await session.commit()
    return result


async def deals_of(services: Any, tenant: Any) -> dict[str, Deal]:
    async with services.sessionmaker() as session:
        repo = DealRepository(session, await principal_in(session, tenant))
        found = await repo.by_refs([f"eid:O{i}" for i in range(1, 6)])
    return {str(ref).removeprefix("eid:"): deal for ref, deal in found.items()}


async def test_opportunities_insert_then_update_the_last_repeated_row(
    services: Any, factory: Any, tmp_path: Path
) -> None:
    t = await factory.tenant()
    first = await run(
        services,
        t,
        Kind.OPPORTUNITIES,
        "Opportunity ID,Opportunity Name,Amount,Stage\nO1,One,100,Qualify\nO2,Two,,Closed Won\nO1,One again,150,\n",
        tmp_path,
    )
    assert (first.total_original_rows, first.total_imported_rows, first.total_error_rows) == (3, 3, 0)
    assert first.warnings == [
        "1 row(s) repeat a Opportunity ID seen earlier in the file; the last one was kept (e.g. O1 (2 rows))."
    ]
    assert first.created_by_user_id == t.admin.id and first.organization_id == t.org.id
    deals = await deals_of(services, t)
    assert (deals["O1"].name, deals["O1"].amount, deals["O1"].stage) == ("One again", 150, None)
    assert (deals["O2"].closed, deals["O2"].won, deals["O2"].created_by_user_id) == (True, True, t.admin.id)

    # the same values again: nothing is rewritten; a file without Amount leaves the amounts alone
    await run(
        services, t, Kind.OPPORTUNITIES, "Opportunity ID,Opportunity Name\nO1,One again\nO2,Two\n", tmp_path
    )
    again = await deals_of(services, t)
    assert again["O1"].updated_at == deals["O1"].updated_at
    assert again["O2"].updated_at == deals["O2"].updated_at and again["O2"].amount is None
    await run(services, t, Kind.OPPORTUNITIES, "Opportunity ID,Opportunity Name\nO1,Renamed\n", tmp_path)
    renamed = (await deals_of(services, t))["O1"]
    assert (renamed.name, renamed.amount) == ("Renamed", 150)
    assert renamed.updated_at > deals["O1"].updated_at


async def test_an_import_writes_only_its_own_organization(
    services: Any, factory: Any, tmp_path: Path
) -> None:
    t, other = await factory.tenant(), await factory.tenant()
    csv = "Opportunity ID,Opportunity Name\nO1,Mine\n"
    await run(services, t, Kind.OPPORTUNITIES, csv, tmp_path)
    await run(services, other, Kind.OPPORTUNITIES, "Opportunity ID,Opportunity Name\nO1,Theirs\n", tmp_path)
    assert (await deals_of(services, t))["O1"].name == "Mine"
    assert (await deals_of(services, other))["O1"].name == "Theirs"

    # a contact names an opportunity of its own organization only
    contacts = "Email,Opportunity ID\nada@example.com,O1\nbob@example.com,O9\n"
    result = await run(services, other, Kind.CONTACTS, contacts, tmp_path)
    assert (result.total_imported_rows, result.total_error_rows) == (1, 1)
    assert b"No opportunity with Opportunity ID 'O9' in this organization." in result.error_csv
    async with services.sessionmaker() as session:
        theirs = await ContactRepository(session, await principal_in(session, other)).page(ListParams(10, 0))
        mine = await ContactRepository(session, await principal_in(session, t)).page(ListParams(10, 0))
    assert mine == ([], 0)
    rows, total = theirs
    assert total == 1 and rows[0][2] == "ada@example.com"
    assert rows[0][1] == (await deals_of(services, other))["O1"].id


async def test_sales_targets_upsert_by_rep_and_month(services: Any, factory: Any, tmp_path: Path) -> None:
    t = await factory.tenant()
    rep = await factory.user(t)
    csv = f"Email Address of Salesrep,Month,Amount\n{rep.email},2026-01,1000\n{rep.email.upper()},Jan 2026,2000\n"
    result = await run(services, t, Kind.SALESTARGETS, csv, tmp_path)
    assert (result.total_imported_rows, len(result.warnings)) == (2, 1)
    await run(
        services,
        t,
        Kind.SALESTARGETS,
        f"Email Address of Salesrep,Month,Amount\n{rep.email},2026-02,5\n",
        tmp_path,
    )
    async with services.sessionmaker() as session:
        rows, total = await SalesTargetRepository(session, await principal_in(session, t)).page(
            ListParams(10, 0)
        )
    assert total == 2
    assert [(r[1], r[2].isoformat(), r[3]) for r in rows] == [
        (rep.id, "2026-01-01", 2000),
        (rep.id, "2026-02-01", 5),
    ]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"Opportunity ID,Opportunity Name\nO1,a\x00b\n", "NUL character, line 2"),
        (b"Opportunity Name\nx\n", "Missing required column(s): Opportunity ID."),
        (b"", "The file is empty"),
        (b'Opportunity ID,Opportunity Name\nO1,"never closed\n', "never closed"),
    ],
)
async def test_a_file_that_cannot_be_imported_writes_nothing(
    services: Any, factory: Any, tmp_path: Path, content: bytes, message: str
) -> None:
    t = await factory.tenant()
    with pytest.raises(ImportFileInvalid, match=message.replace("(", r"\(").replace(")", r"\)")) as exc:
        await run(services, t, Kind.OPPORTUNITIES, content, tmp_path)
    assert exc.value.status_code == 400 and exc.value.jsend_data()["file"] == exc.value.message
    async with services.sessionmaker() as session:
        principal = await principal_in(session, t)
        assert await service.list_runs(session, principal, ListParams(10, 0)) == ([], 0)
        assert await DealRepository(session, principal).by_refs(["eid:O1"]) == {}


async def test_runs_are_found_by_their_own_organization_only(
    services: Any, factory: Any, tmp_path: Path
) -> None:
    t, other = await factory.tenant(), await factory.tenant()
    made = await run(
        services, t, Kind.OPPORTUNITIES, "Opportunity ID,Opportunity Name\n,missing id\n", tmp_path
    )
    async with services.sessionmaker() as session:
        mine, theirs = await principal_in(session, t), await principal_in(session, other)
        for ref in (str(made.uuid), str(made.id)):
            assert (await service.get_run(session, mine, ref)).id == made.id
            with pytest.raises(NotFound):
                await service.get_run(session, theirs, ref)
        found, content = await service.error_file(session, mine, str(made.uuid))
        assert found.id == made.id and b"Opportunity ID is required." in content
        for ref in ("nope", "99999999999", "-1"):
            with pytest.raises(NotFound):
                await service.get_run(session, mine, ref)
        assert await service.error_email_recipients(session, mine) == [t.admin.email]
