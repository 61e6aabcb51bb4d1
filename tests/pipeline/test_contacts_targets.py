"""Contacts and sales targets: uploads, the /v1 resources, and my opportunities' indexes."""

from __future__ import annotations

import asyncio
import socket
from datetime import timedelta
from email import message_from_bytes
from typing import Any

from aiosmtpd.controller import Controller

from dealbench.app import create_app
from dealbench.kit.db import utcnow
from dealbench.kit.services import Services
from dealbench.models import DealNote, Role
from tests.pipeline.helpers import ok, upload


async def test_contacts_upload_links_deals_and_upserts_by_email(client: Any, factory: Any) -> None:
    t = await factory.tenant()
    ok(await upload(client, "opportunities", "opp_id,opp_name\nK1,Deal one\nK2,Deal two\n", t.headers))
    csv = (
        "account_id,opp_id,fullname,company_name,title,email,phone,mobile_phone\n"
        "A1,K1,Ada Lovelace,Acme,CTO,ADA@acme.example,+1 555,\n"
        "A1,K1,Bob,Acme,Engineer,bob@acme.example,,\n"
        "A1,NOPE,Carl,Acme,,carl@acme.example,,\n"
        "A1,K2,Dan,Acme,,not-an-email,,\n"
        "A1,K2,Eve,Acme,,,,\n"
        ",,Fay,Other,,fay@other.example,,\n"
    )
    data = ok(await upload(client, "contacts", csv, t.headers))
    assert (data["total_original_rows"], data["total_imported_rows"], data["total_error_rows"]) == (6, 3, 3)
    r = await client.get("/v1/deals/eid:K1/contacts", headers=t.headers)
    assert r.status_code == 200, r.text
    assert [c["email"] for c in r.json()["items"]] == ["ada@acme.example", "bob@acme.example"]
    ada = r.json()["items"][0]
    assert (ada["fullName"], ada["title"], ada["companyName"], ada["accountId"], ada["phone"]) == (
        "Ada Lovelace",
        "CTO",
        "Acme",
        "A1",
        "+1 555",
    )
    errors = (await client.get(data["error_file"].removeprefix("http://testserver"), headers=t.headers)).text
    assert "No opportunity with Opportunity ID 'NOPE'" in errors
    assert "not-an-email" in errors and "Email is required" in errors

    # upsert by email: the same person moves to another deal
    ok(await upload(client, "contacts", "Email,Opportunity ID,Title\nada@acme.example,K2,CEO\n", t.headers))
    r = await client.get("/v1/deals/eid:K2/contacts", headers=t.headers)
    assert [(c["email"], c["title"], c["fullName"]) for c in r.json()["items"]] == [
        ("ada@acme.example", "CEO", "Ada Lovelace")
    ]
    # the opportunity's relationship index counts its contacts
    items = ok(await client.get("/api/v1/opportunities/my", headers=t.headers))
    k2 = next(i for i in items if i["external_opp_id"] == "K2")
    assert k2["relationship_index"] == 20 + 25 + 15


async def test_contacts_resource(client: Any, factory: Any) -> None:
    t = await factory.tenant()
    r = await client.post(
        "/v1/contacts", json={"email": "X@Example.com", "firstName": "X", "lastName": "Y"}, headers=t.headers
    )
    assert r.status_code == 201, r.text
    contact = r.json()
    assert contact["email"] == "x@example.com" and contact["fullName"] == "X Y"
    r = await client.post("/v1/contacts", json={"email": "x@example.com"}, headers=t.headers)
    assert r.status_code == 409
    r = await client.post("/v1/contacts", json={"email": "nope"}, headers=t.headers)
    assert r.status_code == 400 and r.json()["issues"]
    r = await client.post(
        "/v1/contacts", json={"email": "z@example.com", "dealId": 999999999}, headers=t.headers
    )
    assert r.status_code == 400
    r = await client.patch(f"/v1/contacts/{contact['id']}", json={"title": "VP"}, headers=t.headers)
    assert r.status_code == 200 and r.json()["title"] == "VP" and r.json()["email"] == "x@example.com"
    r = await client.get("/v1/contacts", headers=t.headers)
    assert r.json()["totalCount"] == 1
    r = await client.delete(f"/v1/contacts/{contact['id']}", headers=t.headers)
    assert r.status_code == 200
    assert (await client.get(f"/v1/contacts/{contact['id']}", headers=t.headers)).status_code == 404


async def test_sales_targets_upload_and_resource(client: Any, factory: Any) -> None:
    t = await factory.tenant()
    rep = await factory.user(t, email=f"rep-{t.org.slug}@example.com")
    csv = (
        "Email Address of Salesrep,Month,Amount\n"
        f"{rep.email},2025-01,1000\n"
        f'{rep.email.upper()},2025-02-01,"$2,000"\n'
        f"{rep.email},03/2025,3000\n"
        f"{rep.email},Apr 2025,4000\n"
        f"ghost@example.com,2025-05,5000\n"
        f"{rep.email},someday,6000\n"
        f"{rep.email},2025-06,\n"
    )
    data = ok(await upload(client, "salestargets", csv, t.headers))
    assert (data["total_imported_rows"], data["total_error_rows"]) == (4, 3)
    ok(
        await upload(
            client, "salestargets", f"email,month,amount\n{rep.email},January 2025,1500\n", t.headers
        )
    )
    r = await client.get("/v1/sales-targets", params={"userId": rep.id}, headers=t.headers)
    items = r.json()["items"]
    assert [(i["month"], i["amount"]) for i in items] == [
        ("2025-01", 1500),
        ("2025-02", 2000),
        ("2025-03", 3000),
        ("2025-04", 4000),
    ]
    r = await client.get(
        "/v1/sales-targets", params={"monthFrom": "2025-02", "monthTo": "2025-03"}, headers=t.headers
    )
    assert [i["month"] for i in r.json()["items"]] == ["2025-02", "2025-03"]
    r = await client.get("/v1/sales-targets", params={"monthFrom": "soon"}, headers=t.headers)
    assert r.status_code == 400
    r = await client.post(
        "/v1/sales-targets", json={"userId": rep.id, "month": "2025-01", "amount": 1}, headers=t.headers
    )
    assert r.status_code == 409
    _, member = await factory.personal(t, Role.MEMBER)
    r = await client.post(
        "/v1/sales-targets",
        json={"userId": rep.id, "month": "2026-01", "amount": 1},
        headers={"X-API-Key": member},
    )
    assert r.status_code == 403


async def test_my_opportunities(client: Any, factory: Any, services: Any) -> None:
    t = await factory.tenant(timezone="Europe/Paris")
    rep, rep_token = await factory.personal(t, Role.MEMBER, scopes=["opportunities:read"])
    csv = (
        "Opportunity ID,Opportunity Name,Amount,Close Date,Stage,Opportunity Owner Email,Opportunity Type\n"
        f"M1,Mine,80000,2017-02-15,Develop,{rep.email},New Business\n"
        "M2,Not mine,10,2017-02-16,Closed Lost,,\n"
    )
    ok(await upload(client, "opportunities", csv, t.headers))
    mine = ok(await client.get("/api/v1/opportunities/my", headers={"Authorization": rep_token}))
    assert [o["external_opp_id"] for o in mine] == ["M1"]
    o = mine[0]
    assert set(o) == {
        "id", "active", "external_opp_id", "name", "external_account_id", "account", "amount", "close_date",
        "stage", "forecast", "stage_system", "forecast_system", "activity_index", "relationship_index",
        "type", "website",
    }  # fmt: skip
    assert o["active"] == "1" and o["amount"] == 80000 and o["type"] == "New Business"
    assert o["close_date"] == {
        "date": "2017-02-15 00:00:00.000000",
        "timezone_type": 3,
        "timezone": "Europe/Paris",
    }
    assert (o["stage"], o["stage_system"], o["forecast"], o["forecast_system"]) == (
        "Develop",
        "Develop",
        "pipeline",
        "pipeline",
    )
    assert o["activity_index"] == 0 and o["relationship_index"] == 0
    everything = ok(await client.get("/api/v1/opportunities/my", headers=t.headers))
    assert [x["external_opp_id"] for x in everything] == ["M1", "M2"]
    assert everything[1]["active"] == "0" and everything[1]["forecast"] == "omitted"
    page = ok(
        await client.get("/api/v1/opportunities/my", params={"limit": 1, "offset": 1}, headers=t.headers)
    )
    assert [x["external_opp_id"] for x in page] == ["M2"]

    # activity: notes of the last 30 days count 10 points each
    async with services.sessionmaker() as session:
        from sqlalchemy import select

        from dealbench.models import Deal

        deal_id = (
            await session.execute(
                select(Deal.id).where(Deal.organization_id == t.org.id, Deal.vendor_entity_id == "M1")
            )
        ).scalar_one()
        for days in (1, 2, 40):
            session.add(
                DealNote(
                    organization_id=t.org.id,
                    deal_id=deal_id,
                    title="n",
                    created_at=utcnow() - timedelta(days=days),
                )
            )
        await session.commit()
    mine = ok(await client.get("/api/v1/opportunities/my", headers={"Authorization": rep_token}))
    assert mine[0]["activity_index"] == 20


class _Inbox:
    def __init__(self) -> None:
        self.messages: list[Any] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append((list(envelope.rcpt_tos), envelope.content))
        return "250 OK"


async def test_error_file_is_emailed(settings: Any, services: Any, factory: Any) -> None:
    inbox = _Inbox()
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    await asyncio.to_thread(controller.start)
    try:
        mail_settings = settings.model_copy(update={"smtp_url": f"smtp://127.0.0.1:{port}"})
        app = create_app(mail_settings, Services.build(mail_settings))
        import httpx

        t = await factory.tenant()
        admin2 = await factory.user(t, role=Role.ADMIN)
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://testserver"
        ) as c:
            bad = "opp_id,opp_name,amount\nE1,ok,1\nE2,bad,lots\n"
            data = ok(await upload(c, "opportunities", bad, t.headers, params={"send_error_email": "true"}))
            assert data["warnings"] == []
            assert len(inbox.messages) == 1
            rcpts, raw = inbox.messages[0]
            assert sorted(rcpts) == sorted([t.admin.email, admin2.email])
            msg = message_from_bytes(raw)
            assert "1 row(s) rejected" in msg["Subject"]
            attachment = next(p for p in msg.walk() if p.get_filename())
            assert b"Amount 'lots' is not a number" in attachment.get_payload(decode=True)
            # a personal admin token: mailed to its user only; no errors: no mail
            user, token = await factory.personal(t, Role.ADMIN)
            ok(
                await upload(
                    c, "opportunities", bad, {"Authorization": token}, params={"send_error_email": "1"}
                )
            )
            assert inbox.messages[1][0] == [user.email]
            ok(
                await upload(
                    c,
                    "opportunities",
                    "opp_id,opp_name\nE3,x\n",
                    t.headers,
                    params={"send_error_email": "true"},
                )
            )
            assert len(inbox.messages) == 2
            # default: no mail
            ok(await upload(c, "opportunities", bad, t.headers))
            assert len(inbox.messages) == 2
    finally:
        await asyncio.to_thread(controller.stop)
    # SMTP unreachable: the import stands, a warning says the mail failed
    broken = settings.model_copy(update={"smtp_url": "smtp://127.0.0.1:9"})
    app = create_app(broken, Services.build(broken))
    import httpx

    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as c:
        data = ok(
            await upload(
                c, "opportunities", "opp_id,opp_name\n,x\n", t.headers, params={"send_error_email": "true"}
            )
        )
        assert data["total_error_rows"] == 1 and "not emailed" in data["warnings"][0]


async def test_my_opportunities_statement_count_does_not_grow(
    client: Any, factory: Any, count_statements: Any
) -> None:
    t = await factory.tenant()
    rows = "".join(f"N{i},n{i}\n" for i in range(40))
    ok(await upload(client, "opportunities", "opp_id,opp_name\n" + rows, t.headers))
    contacts = "".join(f"c{i}@n.example,N{i}\n" for i in range(40))
    ok(await upload(client, "contacts", "email,opp_id\n" + contacts, t.headers))
    count_statements.reset()
    items = ok(await client.get("/api/v1/opportunities/my", headers=t.headers))
    assert len(items) == 40 and all(i["relationship_index"] == 20 for i in items)
    # authentication (token lookup) + deals + notes + plan changes + ticket links + contacts
    assert count_statements.count <= 7, count_statements.statements
