"""An organization with something in every table that travels, built through the API only."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx


class Api:
    def __init__(self, client: httpx.AsyncClient, token: str) -> None:
        self.client = client
        self.headers = {"X-API-Key": token}

    async def call(self, method: str, path: str, expect: int = 200, **kw: Any) -> Any:
        r = await self.client.request(method, path, headers={**self.headers, **kw.pop("headers", {})}, **kw)
        assert r.status_code == expect, f"{method} {path}: {r.status_code} {r.text}"
        return (
            r.json() if r.content and r.headers.get("content-type", "").startswith("application/json") else r
        )

    async def post(self, path: str, body: Any = None, expect: int = 201, **kw: Any) -> Any:
        return await self.call("POST", path, expect, json=body, **kw)

    async def put(self, path: str, body: Any = None, expect: int = 200) -> Any:
        return await self.call("PUT", path, expect, json=body)

    async def delete(self, path: str, expect: int = 200) -> Any:
        return await self.call("DELETE", path, expect)

    async def upload(self, path: str, content: bytes, name: str, expect: int = 201, **data: str) -> Any:
        return await self.call("POST", path, expect, files={"file": (name, content, "text/plain")}, data=data)


async def build(client: httpx.AsyncClient, token: str) -> dict[str, Any]:
    """Users, teams, tokens, invitations, deals and notes, processes and stages, tickets with
    labels and links, plans with every kind of item and their activity, templates, the criteria
    library, projects with folders, documents with versions and fields, contacts, sales targets
    and an import. Some things are deleted on the way, so that history names rows that are gone."""
    api = Api(client, token)
    soon = (datetime.now(UTC) + timedelta(days=30)).isoformat()

    # people
    member = await api.post("/v1/users", {"email": "mia@rich.example", "firstName": "Mia", "role": "MEMBER"})
    viewer = await api.post("/v1/users", {"email": "vic@rich.example", "role": "VIEWER"})
    gone = await api.post("/v1/users", {"email": "gus@rich.example", "role": "MEMBER"})
    team = await api.post("/v1/teams", {"name": "Solutions", "description": "SEs"})
    await api.put(f"/v1/teams/{team['id']}/users/mia@rich.example")
    await api.put(f"/v1/teams/{team['id']}/users/vic@rich.example")
    personal = await api.post(
        "/v1/tokens", {"name": "mia's", "userId": member["id"], "scopes": ["deals:read", "tickets:write"]}
    )
    revoked = await api.post("/v1/tokens", {"name": "old", "scopes": ["*:read"], "rateLimitPerMinute": 30})
    await api.delete(f"/v1/tokens/{revoked['id']}")
    await api.post("/v1/organization/invitations", {"inviteeEmail": "ivy@rich.example", "role": "MEMBER"})
    invited = await api.post(
        "/v1/organization/invitations", {"inviteeEmail": "ian@rich.example", "role": "VIEWER"}
    )
    r = await client.post("/v1/invitations/accept", json={"code": invited["code"], "firstName": "Ian"})
    assert r.status_code in (200, 201), r.text
    await api.call("DELETE", f"/v1/organization/users/{gone['id']}")
    await api.call("PATCH", "/v1/organization", json={"name": "Rich Org", "timezone": "Europe/Paris"})

    # sales processes
    process = await api.post(
        "/v1/sales-processes",
        {
            "name": "Enterprise",
            "isDefault": True,
            "stages": [{"title": "Discovery"}, {"title": "POC"}, {"title": "Close"}],
        },
    )
    stages = (await api.call("GET", f"/v1/sales-process-stages?salesProcessId={process['id']}"))["items"]
    other = await api.post("/v1/sales-processes", {"name": "Old", "stages": [{"title": "X"}]})
    await api.delete(f"/v1/sales-processes/{other['id']}")

    # criteria library and plan templates
    lib = [await api.post("/v1/criteria", {"title": f"SSO {i}", "category": "Security"}) for i in range(3)]
    template = await api.post(
        "/v1/plan-templates",
        {
            "title": "Standard POC",
            "phases": [
                {
                    "title": "Setup",
                    "criteria": [{"title": "Installs", "libraryCriterionId": lib[0]["id"]}],
                    "tasks": [{"title": "Kickoff"}],
                }
            ],
            "criteria": [{"title": "Scales", "libraryCriterionId": lib[1]["id"]}, {"title": "Cheap"}],
            "tasks": [{"title": "Report"}],
        },
    )
    await api.delete(f"/v1/criteria/{lib[2]['id']}")

    # deals and notes
    deals = [
        await api.post(
            "/v1/deals",
            {
                "name": f"Deal {i}",
                "vendorEntityId": f"OPP-{i}",
                "amount": 1000.5 * (i + 1),
                "ownerUserId": member["id"],
                "salesProcessStageId": stages[i % 3]["id"],
                "stageHistory": [{"stage": "Discovery", "at": "2024-01-01"}],
            },
        )
        for i in range(4)
    ]
    for deal in deals[:2]:
        await api.post(f"/v1/deals/{deal['id']}/notes", {"title": "Call", "body": "**Went well**"})
    await api.delete(f"/v1/deals/{deals[3]['id']}")

    # plans
    plan = await api.post(
        "/v1/evaluations",
        {
            "title": "Acme POC",
            "templateId": template["id"],
            "dealId": deals[0]["id"],
            "currentStageId": stages[1]["id"],
        },
    )
    blank = await api.post(
        "/v1/evaluations", {"title": "Blank", "dealId": deals[1]["id"], "defaultAssigneeUserId": member["id"]}
    )
    e = f"/v1/evaluations/{plan['id']}"
    phase = await api.post(f"{e}/phases", {"title": "Pilot"})
    dropped = await api.post(f"{e}/phases", {"title": "Dropped"})
    crit = await api.post(f"{e}/criteria", {"title": "Latency", "phaseId": phase["id"]})
    await api.post(f"{e}/criteria", {"libraryCriterionId": lib[1]["id"]})
    await api.put(f"{e}/criteria/{crit['id']}", {"outcome": "MEETS", "outcomeNote": "p99 ok"})
    task = await api.post(
        f"{e}/tasks",
        {"title": "Install", "phaseId": phase["id"], "assigneeUserId": member["id"], "dueDate": soon},
    )
    await api.put(f"{e}/tasks/{task['id']}", {"completed": True, "phaseId": dropped["id"]})
    await api.post(
        f"{e}/meetings",
        {
            "title": "Readout",
            "startsAt": soon,
            "phaseId": phase["id"],
            "attendeeEmails": ["Buyer@Acme.example"],
        },
    )
    await api.delete(f"{e}/phases/{dropped['id']}")
    phases = (await api.call("GET", f"{e}/phases"))["items"]
    await api.post(f"{e}/phases/reorder", {"ids": [p["id"] for p in reversed(phases)]}, expect=200)
    await api.put(e, {"currentStageId": stages[2]["id"], "brandingColorHex": "#112233"})
    await api.post(f"/v1/criteria/{lib[0]['id']}/add-to-plan", {"evaluationId": blank["id"]}, expect=201)

    # tickets and labels
    ticket = await api.post(
        "/v1/tickets",
        {
            "title": "SAML bug",
            "type": "BUG",
            "state": "OPEN",
            "labels": ["sso", "p1"],
            "deals": [
                {"id": deals[0]["id"], "priority": "BLOCKER"},
                {"id": deals[1]["id"], "sharedWithBuyer": True},
            ],
            "description": "Fails with *Okta*",
        },
    )
    await api.post(
        "/v1/tickets", {"title": "Dark mode", "type": "FEATURE", "state": "ROADMAP", "labels": ["ui"]}
    )
    await api.put(f"/v1/tickets/{ticket['id']}", {"state": "CLOSED", "labels": ["sso"]})

    # documents
    doc_template = await api.post(
        "/v1/templates",
        {
            "name": "Deal room",
            "folders": [{"name": "Contracts", "children": [{"name": "Signed"}]}, {"name": "Security"}],
            "fields": [{"name": "Status", "type": "CHOICE", "options": ["Draft", "Final"]}],
        },
    )
    project = await api.post(
        "/v1/projects", {"name": "Acme room", "templateId": doc_template["id"], "dealId": deals[0]["id"]}
    )
    p = f"/v1/projects/{project['id']}"
    await api.put(f"{p}/users/vic@rich.example", {"capability": "READ"})
    await api.put(f"{p}/teams/{team['id']}")
    pages = await api.post(f"{p}/fields", {"name": "Pages", "type": "NUMBER"})
    fields = (await api.call("GET", f"{p}/fields"))["items"]
    status = next(f for f in fields if f["name"] == "Status")
    folders = (await api.call("GET", f"{p}/folders"))["items"]
    signed = next(f for f in folders if f["path"] == "Contracts/Signed")
    extra = await api.post(f"{p}/folders", {"name": "Notes", "parentId": signed["id"]})
    contract = await api.upload(
        f"{p}/documents",
        b"contract v1\n",
        "contract.txt",
        folderId=str(signed["id"]),
        fields='{"Status": "Draft"}',
    )
    await api.upload(f"{p}/documents/{contract['id']}/replace", b"contract v2\n", "contract.txt", expect=200)
    await api.upload(
        f"{p}/documents/{contract['id']}/replace", b"contract v3\n", "contract-final.txt", expect=200
    )
    versions = (await api.call("GET", f"{p}/documents/{contract['id']}/versions"))["items"]
    await api.delete(f"{p}/documents/{contract['id']}/versions/{versions[1]['id']}")
    await api.put(f"{p}/documents/{contract['id']}/fields/{status['id']}", {"value": "Final"})
    await api.put(f"{p}/documents/{contract['id']}/fields/{pages['id']}", {"value": 12})
    await api.put(f"{p}/documents/{contract['id']}/fields/description", {"value": "Master agreement"})
    copy = await api.upload(f"{p}/documents", b"contract v1\n", "copy.txt", folderId=str(extra["id"]))
    assert copy["duplicateOfDocumentId"] == contract["id"]
    moved = await api.upload(f"{p}/documents", b"security answers\n", "sec.txt")
    security = next(f for f in folders if f["path"] == "Security")
    await api.put(f"{p}/documents/{moved['id']}/{security['id']}")
    doomed = await api.upload(f"{p}/documents", b"temporary\n", "tmp.txt")
    await api.delete(f"{p}/documents/{doomed['id']}")
    await api.post("/v1/projects", {"name": "Empty room"})

    # pipeline: contacts, sales targets, an import with rejected rows
    await api.post(
        "/v1/contacts",
        {"email": "cto@acme.example", "dealId": deals[0]["id"], "title": "CTO", "phone": "+1 555"},
    )
    await api.post("/v1/contacts", {"email": "nobody@acme.example"})
    await api.post("/v1/sales-targets", {"userId": member["id"], "month": "2025-01", "amount": 50000})
    imported = await api.call(
        "POST",
        "/v1/imports/opportunities",
        files={
            "file": (
                "crm.csv",
                b"opp_id,opp_name,Amount,Opportunity Owner Email\nC1,From CRM,10,mia@rich.example\n,missing\n",
                "text/csv",
            )
        },
    )
    return {
        "member": member,
        "viewer": viewer,
        "personal_token": personal["token"],
        "plan": plan,
        "project": project,
        "import": imported,
    }


async def buyer_side(services: Any, client: httpx.AsyncClient, token: str, plan: dict[str, Any]) -> None:
    """The plan shared with a buyer: invited, a task on their side assigned to them, their comment
    on a criterion (written through the portal's service, as a signed-in buyer writes it) and the
    seller's answer, and a document shared."""
    from dealbench.evaluations import portal
    from dealbench.kit.uow import transaction

    api = Api(client, token)
    e = f"/v1/evaluations/{plan['id']}"
    buyer = await api.post(f"{e}/buyers", {"email": "bea@acme.example", "name": "Bea"})
    await api.post(f"{e}/tasks", {"title": "Send logs", "side": "BUYER", "assigneeBuyerId": buyer["id"]})
    criterion = (await api.call("GET", f"{e}/criteria"))["items"][0]
    code = (await api.call("GET", e))["accessCode"]
    async with transaction(services.sessionmaker) as session:
        opened = await portal.open_plan(session, code)
        who = portal.Buyer(opened.organization_id, plan["id"], buyer["email"], "Bea", "", 0)
        comment = await portal.comment(
            session, opened, who, criterion_id=criterion["id"], task_id=None, body="Which p99?"
        )
    await api.post(f"{e}/comments", {"body": "Under load, 200 rps.", "parentId": comment.id})
    projects = (await api.call("GET", "/v1/projects"))["items"]
    documents = (await api.call("GET", f"/v1/projects/{projects[0]['id']}/documents"))["items"]
    await api.post(
        f"/v1/projects/{projects[0]['id']}/documents/{documents[0]['id']}/share",
        {"sharedWithBuyer": True},
        expect=200,
    )
