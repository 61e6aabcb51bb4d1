"""Projects, templates, deal links, the apiDownloadEnabled setting, and access rules."""

from __future__ import annotations

from typing import Any

from dealbench.models import Deal, Role, Team, TeamMember
from tests.documents.conftest import Docs


async def _deal(factory: Any, tenant: Any, **kw: Any) -> Deal:
    async with factory.services.sessionmaker() as s:
        deal = Deal(organization_id=tenant.org.id, name="Acme", **kw)
        s.add(deal)
        await s.commit()
    return deal


async def test_project_crud(docs: Docs) -> None:
    project = await docs.project(name="Acme", description="Deal room")
    assert project["name"] == "Acme"
    assert project["apiDownloadEnabled"] is True
    assert project["capability"] == "READ_WRITE"
    pid = project["id"]
    r = await docs.client.get(f"/v1/projects/{pid}", headers=docs.headers)
    assert r.json()["description"] == "Deal room"
    for method in ("PATCH", "PUT", "POST"):
        r = await docs.client.request(
            method, f"/v1/projects/{pid}", json={"name": method}, headers=docs.headers
        )
        assert r.status_code == 200, r.text
        assert r.json()["name"] == method
        assert r.json()["description"] == "Deal room"  # partial
    r = await docs.client.patch(f"/v1/projects/{pid}", json={"description": None}, headers=docs.headers)
    assert r.json()["description"] is None
    r = await docs.client.patch(f"/v1/projects/{pid}", json={"name": None}, headers=docs.headers)
    assert r.status_code == 400
    r = await docs.client.patch(f"/v1/projects/{pid}", json={"nmae": "x"}, headers=docs.headers)
    assert r.status_code == 400
    assert r.json()["issues"][0]["code"] == "unrecognized_keys"
    r = await docs.client.get("/v1/projects", headers=docs.headers)
    assert [p["id"] for p in r.json()["items"]] == [pid]
    await docs.upload(pid)
    r = await docs.client.delete(f"/v1/projects/{pid}", headers=docs.headers)
    assert r.status_code == 409
    empty = await docs.project()
    await docs.folder(empty["id"], "Contracts")
    r = await docs.client.delete(f"/v1/projects/{empty['id']}", headers=docs.headers)
    assert r.status_code == 200
    r = await docs.client.get(f"/v1/projects/{empty['id']}", headers=docs.headers)
    assert r.status_code == 404


async def test_bad_project_input_is_400(docs: Docs) -> None:
    for body in ({}, {"name": ""}, {"name": "x" * 256}, {"name": 5}, {"name": "x", "templateId": "abc"}):
        r = await docs.client.post("/v1/projects", json=body, headers=docs.headers)
        assert r.status_code == 400, body
        assert r.json()["error"] == "Validation error."
    r = await docs.client.post("/v1/projects", json={"name": "x", "templateId": 999999}, headers=docs.headers)
    assert r.status_code == 400  # an id in the body that names nothing: bad input at that path
    assert r.json()["issues"][0]["path"] == ["templateId"]
    r = await docs.client.post("/v1/projects", json={"name": "x", "dealId": "nonsense"}, headers=docs.headers)
    assert r.status_code == 400
    r = await docs.client.get("/v1/projects/abc", headers=docs.headers)
    assert r.status_code == 400


async def test_project_linked_to_a_deal(docs: Docs, factory: Any) -> None:
    tenant = docs.tenant  # type: ignore[attr-defined]
    deal = await _deal(factory, tenant, vendor_entity_id="006ACME")
    project = await docs.project(dealId=deal.id)
    assert project["dealId"] == deal.id
    async with factory.services.sessionmaker() as s:
        assert (await s.get(Deal, deal.id)).project_id == project["id"]  # type: ignore[union-attr]
    r = await docs.client.post(
        "/v1/projects", json={"name": "again", "dealId": "eid:006ACME"}, headers=docs.headers
    )
    assert r.status_code == 409
    r = await docs.client.patch(f"/v1/projects/{project['id']}", json={"dealId": None}, headers=docs.headers)
    assert r.json()["dealId"] is None
    by_eid = await docs.project(dealId="eid:006ACME")
    assert by_eid["dealId"] == deal.id
    other = await factory.tenant()
    foreign = await _deal(factory, other)
    r = await docs.client.post("/v1/projects", json={"name": "x", "dealId": foreign.id}, headers=docs.headers)
    assert r.status_code == 400  # another tenant's deal does not exist here: bad input at dealId
    assert r.json()["issues"][0]["path"] == ["dealId"]


async def test_templates_make_folders_and_fields(docs: Docs) -> None:
    body = {
        "name": "Evaluation",
        "folders": [
            {"name": "Contracts", "children": [{"name": "Signed"}, {"name": "Drafts"}]},
            {"name": "Security"},
        ],
        "fields": [
            {"name": "Status", "type": "CHOICE", "options": ["Draft", "Final"]},
            {"name": "Pages", "type": "NUMBER"},
        ],
    }
    r = await docs.client.post("/v1/templates", json=body, headers=docs.headers)
    assert r.status_code == 201, r.text
    template = r.json()
    assert template["folders"][0]["children"][1]["name"] == "Drafts"
    r = await docs.client.get("/v1/templates", headers=docs.headers)
    assert r.json()["totalCount"] == 1
    project = await docs.project(templateId=template["id"])
    assert project["templateId"] == template["id"]
    r = await docs.client.get(f"/v1/projects/{project['id']}/folders", headers=docs.headers)
    assert sorted(f["path"] for f in r.json()["items"]) == [
        "Contracts",
        "Contracts/Drafts",
        "Contracts/Signed",
        "Security",
    ]
    r = await docs.client.get(f"/v1/projects/{project['id']}/fields", headers=docs.headers)
    names = [f["name"] for f in r.json()["items"]]
    assert names[:6] == ["Name", "Date", "Description", "File name", "Added by", "Date added"]
    assert names[6:] == ["Status", "Pages"]
    r = await docs.client.put(
        f"/v1/templates/{template['id']}", json={"name": "Renamed"}, headers=docs.headers
    )
    assert r.json()["name"] == "Renamed"
    assert r.json()["fields"][0]["name"] == "Status"
    r = await docs.client.delete(f"/v1/templates/{template['id']}", headers=docs.headers)
    assert r.status_code == 200
    assert (await docs.client.get(f"/v1/templates/{template['id']}", headers=docs.headers)).status_code == 404
    r = await docs.client.get(f"/v1/projects/{project['id']}", headers=docs.headers)
    assert r.json()["templateId"] is None


async def test_bad_templates_are_400(docs: Docs) -> None:
    bad = [
        {"name": "t", "folders": [{"name": "a/b"}]},
        {"name": "t", "folders": [{"name": "a"}, {"name": "a"}]},
        {"name": "t", "folders": [{"name": "x", "children": [{"name": "bad\u0007"}]}]},
        {"name": "t", "fields": [{"name": "s", "type": "CHOICE"}]},
        {"name": "t", "fields": [{"name": "s", "type": "NUMBER", "options": ["a"]}]},
        {"name": "t", "fields": [{"name": "s", "type": "COLOR"}]},
        {"name": "t", "fields": [{"name": "s", "type": "NUMBER"}, {"name": "S", "type": "DATE"}]},
    ]
    for body in bad:
        r = await docs.client.post("/v1/templates", json=body, headers=docs.headers)
        assert r.status_code == 400, body
        assert r.json()["issues"], body


async def test_api_download_setting(docs: Docs, factory: Any) -> None:
    project = await docs.project()
    doc = await docs.upload(project["id"], b"secret")
    url = f"/v1/projects/{project['id']}/documents/{doc['id']}/content"
    r = await docs.client.patch(
        f"/v1/projects/{project['id']}", json={"apiDownloadEnabled": False}, headers=docs.headers
    )
    assert r.json()["apiDownloadEnabled"] is False
    r = await docs.client.get(url, headers=docs.headers)
    assert r.status_code == 403
    assert "apiDownloadEnabled" in r.json()["error"]
    r = await docs.client.get(f"/v1/projects/{project['id']}/documents/{doc['id']}", headers=docs.headers)
    assert r.status_code == 200  # metadata stays readable
    # a member (not an admin) cannot switch it back
    tenant = docs.tenant  # type: ignore[attr-defined]
    user, token = await factory.personal(tenant, Role.MEMBER)
    await docs.client.put(f"/v1/projects/{project['id']}/users/{user.email}", headers=docs.headers)
    r = await docs.client.patch(
        f"/v1/projects/{project['id']}", json={"apiDownloadEnabled": True}, headers={"X-API-Key": token}
    )
    assert r.status_code == 403
    # the organization's default
    r = await docs.client.patch(
        "/v1/organization", json={"settings": {"apiDownloadEnabledDefault": False}}, headers=docs.headers
    )
    assert r.status_code == 200, r.text
    fresh = await docs.project()
    assert fresh["apiDownloadEnabled"] is False


async def test_access_rules(docs: Docs, factory: Any) -> None:
    tenant = docs.tenant  # type: ignore[attr-defined]
    project = await docs.project()
    pid = project["id"]
    doc = await docs.upload(pid, b"content")
    reader, reader_token = await factory.personal(tenant, Role.MEMBER)
    writer, writer_token = await factory.personal(tenant, Role.MEMBER)
    _, outsider_token = await factory.personal(tenant, Role.MEMBER)
    _, admin_token = await factory.personal(tenant, Role.ADMIN)
    r = await docs.client.put(
        f"/v1/projects/{pid}/users/{reader.email}", json={"capability": "READ"}, headers=docs.headers
    )
    assert r.status_code == 200, r.text
    assert r.json()["capability"] == "READ"
    r = await docs.client.put(f"/v1/projects/{pid}/users/{writer.email}", headers=docs.headers)
    assert r.json()["capability"] == "READ_WRITE"
    r = await docs.client.get(f"/v1/projects/{pid}/users", headers=docs.headers)
    assert {u["email"]: u["capability"] for u in r.json()["items"]} == {
        reader.email: "READ",
        writer.email: "READ_WRITE",
    }

    def h(token: str) -> dict[str, str]:
        return {"X-API-Token": token}

    doc_url = f"/v1/projects/{pid}/documents/{doc['id']}"
    # no access: 404 for the project and everything in it, and not listed
    for url in (f"/v1/projects/{pid}", f"/v1/projects/{pid}/documents", doc_url, f"{doc_url}/content"):
        r = await docs.client.get(url, headers=h(outsider_token))
        assert r.status_code == 404, url
    r = await docs.client.get("/v1/projects", headers=h(outsider_token))
    assert r.json()["totalCount"] == 0
    r = await docs.client.delete(doc_url, headers=h(outsider_token))
    assert r.status_code == 404
    # READ: reads work, writes are 403
    r = await docs.client.get("/v1/projects", headers=h(reader_token))
    assert [(p["id"], p["capability"]) for p in r.json()["items"]] == [(pid, "READ")]
    r = await docs.client.get(f"{doc_url}/content", headers=h(reader_token))
    assert r.content == b"content"
    r = await docs.client.delete(doc_url, headers=h(reader_token))
    assert r.status_code == 403
    r = await docs.client.post(
        f"/v1/projects/{pid}/documents", files={"file": ("x.txt", b"x")}, headers=h(reader_token)
    )
    assert r.status_code == 403
    r = await docs.client.post(f"/v1/projects/{pid}/folders", json={"name": "F"}, headers=h(reader_token))
    assert r.status_code == 403
    # READ_WRITE: writes work
    r = await docs.client.post(
        f"/v1/projects/{pid}/documents", files={"file": ("w.txt", b"w")}, headers=h(writer_token)
    )
    assert r.status_code == 201
    assert r.json()["createdByUserId"] == writer.id
    # an admin's personal token sees every project
    r = await docs.client.get(f"/v1/projects/{pid}", headers=h(admin_token))
    assert r.status_code == 200
    # through a team
    async with factory.services.sessionmaker() as s:
        team = Team(organization_id=tenant.org.id, name="Sales engineers")
        s.add(team)
        await s.flush()
        await s.commit()
    member, member_token = await factory.personal(tenant, Role.MEMBER)
    async with factory.services.sessionmaker() as s:
        s.add(TeamMember(team_id=team.id, user_id=member.id))
        await s.commit()
    r = await docs.client.get(f"/v1/projects/{pid}", headers=h(member_token))
    assert r.status_code == 404
    r = await docs.client.put(
        f"/v1/projects/{pid}/teams/{team.id}", json={"capability": "READ"}, headers=docs.headers
    )
    assert r.status_code == 200
    r = await docs.client.get(f"/v1/projects/{pid}", headers=h(member_token))
    assert r.json()["capability"] == "READ"
    r = await docs.client.get(f"/v1/projects/{pid}/teams", headers=docs.headers)
    assert [(t["id"], t["capability"]) for t in r.json()["items"]] == [(team.id, "READ")]
    r = await docs.client.delete(f"/v1/projects/{pid}/teams/{team.id}", headers=docs.headers)
    assert r.status_code == 200
    r = await docs.client.get(f"/v1/projects/{pid}", headers=h(member_token))
    assert r.status_code == 404
    # removing a user
    r = await docs.client.delete(f"/v1/projects/{pid}/users/{reader.email}", headers=docs.headers)
    assert r.status_code == 200
    r = await docs.client.get(f"/v1/projects/{pid}", headers=h(reader_token))
    assert r.status_code == 404
    r = await docs.client.delete(f"/v1/projects/{pid}/users/{reader.email}", headers=docs.headers)
    assert r.status_code == 404
    # a project a member creates is theirs
    r = await docs.client.post("/v1/projects", json={"name": "Mine"}, headers=h(outsider_token))
    assert r.status_code == 201
    r = await docs.client.get(f"/v1/projects/{r.json()['id']}", headers=h(outsider_token))
    assert r.status_code == 200


async def test_other_tenants_team_and_user_are_404(docs: Docs, factory: Any) -> None:
    project = await docs.project()
    other = await factory.tenant()
    stranger = await factory.user(other)
    async with factory.services.sessionmaker() as s:
        team = Team(organization_id=other.org.id, name="theirs")
        s.add(team)
        await s.commit()
    r = await docs.client.put(f"/v1/projects/{project['id']}/teams/{team.id}", headers=docs.headers)
    assert r.status_code == 404
    r = await docs.client.put(f"/v1/projects/{project['id']}/users/{stranger.email}", headers=docs.headers)
    assert r.status_code == 404
    r = await docs.client.put(
        f"/v1/projects/{project['id']}/users/{stranger.email}",
        json={"capability": "ALL"},
        headers=docs.headers,
    )
    assert r.status_code == 400


async def test_project_list_statement_count(docs: Docs, factory: Any, count_statements: Any) -> None:
    tenant = docs.tenant  # type: ignore[attr-defined]
    user, token = await factory.personal(tenant, Role.MEMBER)
    for _ in range(5):
        p = await docs.project()
        await docs.client.put(f"/v1/projects/{p['id']}/users/{user.email}", headers=docs.headers)
    count_statements.reset()
    r = await docs.client.get("/v1/projects", headers={"X-API-Key": token})
    assert r.json()["totalCount"] == 5
    assert count_statements.count <= 5, count_statements.statements
