"""Projects, documents, contacts and sales targets over GraphQL: the same services and access rules."""

from __future__ import annotations

from typing import Any

from dealbench.models import Role
from tests.graphql.helpers import codes, gql


async def test_projects_documents_contacts_and_targets(client: Any, factory: Any) -> None:
    tenant = await factory.tenant()
    h = tenant.headers
    project = (await client.post("/v1/projects", headers=h, json={"name": "POC files"})).json()
    upload = await client.post(
        f"/v1/projects/{project['id']}/documents",
        headers=h,
        files={"file": ("plan.txt", b"hello", "text/plain")},
    )
    assert upload.status_code == 201, upload.text
    deal = (
        await client.post("/v1/deals", headers=h, json={"name": "Acme", "vendorEntityId": "OPP-1"})
    ).json()
    contact = await client.post(
        "/v1/contacts", headers=h, json={"email": "cto@acme.example", "dealId": deal["id"]}
    )
    assert contact.status_code == 201, contact.text

    body = await gql(
        client,
        f"""{{ projects {{ total data {{ id name }} }}
              documents(projectId: {project["id"]}) {{ total data {{ name size sha256 }} }}
              contacts(dealId: {deal["id"]}) {{ total data {{ email }} }}
              salesTargets {{ total }} }}""",
        tenant.token,
    )
    assert "errors" not in body, body
    data = body["data"]
    assert data["projects"]["data"] == [{"id": project["id"], "name": "POC files"}]
    assert data["documents"]["data"][0]["name"] == "plan.txt" and data["documents"]["data"][0]["size"] == 5
    assert data["contacts"]["data"] == [{"email": "cto@acme.example"}]
    assert data["salesTargets"]["total"] == 0


async def test_a_member_sees_only_projects_with_access_and_scopes_apply(client: Any, factory: Any) -> None:
    tenant = await factory.tenant()
    await client.post("/v1/projects", headers=tenant.headers, json={"name": "Private"})
    _, member = await factory.personal(tenant, Role.MEMBER)
    body = await gql(client, "{ projects { total } }", member)
    assert body["data"]["projects"]["total"] == 0
    limited = await factory.token(tenant, scopes=["deals:read"])
    body = await gql(client, "{ contacts { total } }", limited)
    assert codes(body) == ["FORBIDDEN"]
