"""Domain events: recorded in the transaction of the change, readable at GET /v1/events."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import select

from dealbench.auth.principal import Principal
from dealbench.deals import service as deals
from dealbench.deals.schemas import DealCreate
from dealbench.kit.db import make_sessionmaker
from dealbench.kit.services import Services
from dealbench.kit.uow import transaction
from dealbench.models import ApiToken, Event, Organization
from tests.factories import Factory, Tenant


async def _principal(session: object, t: Tenant) -> Principal:
    org = await session.get(Organization, t.org.id)  # type: ignore[attr-defined]
    token = await session.get(ApiToken, t.token_row.id)  # type: ignore[attr-defined]
    return Principal(organization=org, token=token)


async def _events(client: httpx.AsyncClient, headers: dict[str, str], **params: object) -> list[dict]:
    r = await client.get("/v1/events", headers=headers, params=params)
    assert r.status_code == 200, r.text
    return r.json()["items"]


async def test_a_deal_change_records_the_deal_as_get_renders_it(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    t = await factory.tenant()
    r = await client.post("/v1/deals", headers=t.headers, json={"name": "Acme renewal"})
    assert r.status_code == 201
    deal_id = r.json()["id"]
    await client.patch(f"/v1/deals/{deal_id}", headers=t.headers, json={"stage": "Discovery"})
    await client.delete(f"/v1/deals/{deal_id}", headers=t.headers)
    shown = (await client.get(f"/v1/deals/{deal_id}", headers=t.headers)).json()
    events = await _events(client, t.headers, type="deal.*")
    assert [e["type"] for e in events] == ["deal.created", "deal.updated", "deal.deleted"]
    assert events[-1]["data"] == shown
    assert events[1]["data"]["stage"] == "Discovery"
    assert events[0]["actor"] == {"type": "token", "id": t.token_row.id}
    assert events[0]["id"].startswith("evt_")


async def test_events_filter_by_exact_type_and_time(client: httpx.AsyncClient, factory: Factory) -> None:
    t = await factory.tenant()
    await client.post("/v1/deals", headers=t.headers, json={"name": "One"})
    r = await client.post(
        "/v1/tickets", headers=t.headers, json={"title": "Bug", "type": "BUG", "state": "OPEN"}
    )
    assert r.status_code == 201, r.text
    assert [e["type"] for e in await _events(client, t.headers, type="ticket.created")] == ["ticket.created"]
    both = await _events(client, t.headers)
    assert {e["type"] for e in both} == {"deal.created", "ticket.created"}
    later = await _events(client, t.headers, since=both[-1]["timestamp"])
    assert later and all(e["timestamp"] >= both[-1]["timestamp"] for e in later)
    assert await _events(client, t.headers, until=both[0]["timestamp"]) == []


async def test_events_are_the_callers_organization_only(client: httpx.AsyncClient, factory: Factory) -> None:
    a, b = await factory.tenant(), await factory.tenant()
    await client.post("/v1/deals", headers=a.headers, json={"name": "Mine"})
    assert await _events(client, b.headers) == []


async def test_events_need_the_events_read_scope(client: httpx.AsyncClient, factory: Factory) -> None:
    t = await factory.tenant()
    token = await factory.token(t, scopes=["deals:read"])
    r = await client.get("/v1/events", headers={"X-API-Key": token})
    assert r.status_code == 403


async def test_a_rolled_back_change_leaves_no_event(services: Services, factory: Factory) -> None:
    t = await factory.tenant()
    with pytest.raises(RuntimeError):
        async with transaction(services.sessionmaker) as session:
            await deals.create_deal(session, await _principal(session, t), DealCreate(name="Rolled back"))
            raise RuntimeError("the request failed after the write")
    async with services.sessionmaker() as session:
        found = (await session.execute(select(Event).where(Event.organization_id == t.org.id))).all()
    assert found == []


async def test_a_failed_request_leaves_no_event(client: httpx.AsyncClient, factory: Factory) -> None:
    t = await factory.tenant()
    r = await client.post("/v1/deals", headers=t.headers, json={"name": "X", "ownerUserId": 999999})
    assert r.status_code == 400
    assert await _events(client, t.headers) == []


async def test_recording_switched_off_records_nothing(services: Services, factory: Factory) -> None:
    t = await factory.tenant()
    quiet = make_sessionmaker(services.engine, info={"record_events": False})
    async with transaction(quiet) as session:
        await deals.create_deal(session, await _principal(session, t), DealCreate(name="Quiet"))
    async with services.sessionmaker() as session:
        found = (await session.execute(select(Event).where(Event.organization_id == t.org.id))).all()
    assert found == []


async def test_a_criterion_outcome_change_is_an_event(client: httpx.AsyncClient, factory: Factory) -> None:
    t = await factory.tenant()
    plan = (await client.post("/v1/evaluations", headers=t.headers, json={"title": "POC"})).json()
    c = await client.post(f"/v1/evaluations/{plan['id']}/criteria", headers=t.headers, json={"title": "SSO"})
    assert c.status_code == 201, c.text
    r = await client.patch(
        f"/v1/evaluations/{plan['id']}/criteria/{c.json()['id']}",
        headers=t.headers,
        json={"outcome": "MEETS"},
    )
    assert r.status_code == 200, r.text
    events = await _events(client, t.headers, type="evaluation.*")
    assert [e["type"] for e in events] == [
        "evaluation.created",
        "evaluation.criterion.created",
        "evaluation.criterion.updated",
    ]
    assert events[-1]["data"] == r.json()


CONTACTS = (
    b"email,fullname\nada@example.com,Ada Lovelace\ngrace@example.com,Grace Hopper\nnot-an-email,Bad Row\n"
)


async def test_an_import_records_one_event_for_the_file(client: httpx.AsyncClient, factory: Factory) -> None:
    t = await factory.tenant()
    r = await client.post(
        "/v1/imports/contacts", headers=t.headers, files={"file": ("c.csv", CONTACTS, "text/csv")}
    )
    assert r.status_code == 200, r.text
    events = await _events(client, t.headers, type="import.*")
    assert [e["type"] for e in events] == ["import.completed"]
    assert events[0]["actor"] == {"type": "token", "id": t.token_row.id}
    data = events[0]["data"]
    assert (data["kind"], data["totalImportedRows"], data["totalErrorRows"]) == ("contacts", 2, 1)
    assert data["id"] == r.json()["id"]


async def test_a_command_line_import_records_the_same_event(
    client: httpx.AsyncClient, factory: Factory, tmp_path: object
) -> None:
    from pathlib import Path

    from dealbench.imports.engine import Kind
    from dealbench.imports.service import run_command_import

    t = await factory.tenant()
    path = Path(str(tmp_path)) / "contacts.csv"
    path.write_bytes(CONTACTS)
    async with transaction(factory.services.sessionmaker) as session:
        run = await run_command_import(session, t.org.id, "UTC", Kind.CONTACTS, path, filename="contacts.csv")
    events = await _events(client, t.headers, type="import.completed")
    assert len(events) == 1
    assert events[0]["actor"] == {"type": "system", "via": "command line"}
    assert events[0]["data"]["id"] == str(run.uuid)
    assert events[0]["data"]["totalImportedRows"] == 2
