"""The pages over real data: deals (list, create, edit, notes), the deal's fragments, API keys,
Develop, invitations; a VIEWER's pages have no write controls and a forged write is 403; another
organization's object is a 404 page."""

from __future__ import annotations

import re

import httpx

from dealbench.models import Role
from tests.factories import Factory, Tenant
from tests.web.helpers import csrf_of, sign_in, use


async def _deal(client: httpx.AsyncClient, tenant: Tenant, **body: object) -> dict[str, object]:
    created = await client.post("/v1/deals", json={"name": "Acme renewal", **body}, headers=tenant.headers)
    assert created.status_code == 201, created.text
    return created.json()  # type: ignore[no-any-return]


async def test_create_a_deal_edit_it_and_add_a_note(web: httpx.AsyncClient, factory: Factory) -> None:
    tenant = await factory.tenant()
    browser = await factory.browser(tenant)
    use(web, browser)
    form = await web.get("/deals/new")
    assert form.status_code == 200 and '<label for="f-name">Name</label>' in form.text
    bad = await web.post("/deals/new", data={"csrf_token": browser.csrf, "amount": "12"})
    assert bad.status_code == 400
    assert 'id="e-name"' in bad.text  # the error beside the field, in the API's words
    made = await web.post(
        "/deals/new",
        data={
            "csrf_token": browser.csrf,
            "name": "Globex pilot",
            "amount": "125000",
            "closeDate": "2027-03-31",
        },
    )
    assert made.status_code == 303, made.text
    url = made.headers["location"]
    deal_id = int(url.rsplit("/", 1)[1])
    page = await web.get(url)
    assert page.status_code == 200 and "Globex pilot" in page.text
    edited = await web.post(
        url, data={"csrf_token": browser.csrf, "name": "Globex pilot", "stage": "Technical win", "amount": ""}
    )
    assert edited.status_code == 303
    api = await web.get(f"/v1/deals/{deal_id}", headers=tenant.headers)
    assert api.json()["stage"] == "Technical win" and api.json()["amount"] is None
    assert api.json()["ownerUserId"] == browser.user.id  # made by the signed-in person
    note = await web.post(
        f"{url}/notes",
        data={
            "csrf_token": browser.csrf,
            "title": "Kickoff",
            "body": "**Bold** <script>alert(1)</script> [x](javascript:alert(1))",
        },
    )
    assert note.status_code == 303
    page = await web.get(url)
    assert "<strong>Bold</strong>" in page.text
    assert "<script>alert(1)</script>" not in page.text and "&lt;script&gt;" in page.text
    assert 'href="javascript:' not in page.text


async def test_deal_list_searches_filters_sorts_and_pages(
    web: httpx.AsyncClient, client: httpx.AsyncClient, factory: Factory
) -> None:
    tenant = await factory.tenant()
    for i in range(30):
        await _deal(client, tenant, name=f"Deal {i:02d}", amount=i * 1000)
    await _deal(client, tenant, name="Zeta closed", closed=True, won=True)
    use(web, await factory.browser(tenant, Role.VIEWER))
    first = await web.get("/deals", params={"sort": "-amount"})
    names = re.findall(r'href="/deals/\d+">([^<]+)</a>', first.text)
    assert names[:2] == ["Deal 29", "Deal 28"] and len(names) == 25
    assert "30 deals · page 1 of 2" in first.text
    second = await web.get("/deals", params={"sort": "-amount", "page": 2})
    assert re.findall(r'href="/deals/\d+">([^<]+)</a>', second.text)[-1] == "Deal 00"
    found = await web.get("/deals", params={"q": "deal 1", "status": "all", "sort": "name"})
    assert re.findall(r'href="/deals/\d+">([^<]+)</a>', found.text) == [f"Deal {i}" for i in range(10, 20)]
    won = await web.get("/deals", params={"status": "won"})
    assert re.findall(r'href="/deals/\d+">([^<]+)</a>', won.text) == ["Zeta closed"]
    fragment = await web.get("/deals", params={"q": "zzz"}, headers={"HX-Request": "true"})
    assert "<html" not in fragment.text and "No deals match." in fragment.text


async def test_the_deal_page_fragments(
    web: httpx.AsyncClient, client: httpx.AsyncClient, factory: Factory
) -> None:
    tenant = await factory.tenant()
    deal = await _deal(client, tenant, amount=50000)
    other = await _deal(client, tenant, name="Other", amount=25000)
    ticket = await client.post(
        "/v1/tickets",
        json={
            "title": "SSO with Okta",
            "type": "FEATURE",
            "state": "OPEN",
            "deals": [{"id": deal["id"], "priority": "BLOCKER"}, {"id": other["id"]}],
        },
        headers=tenant.headers,
    )
    assert ticket.status_code == 201, ticket.text
    contact = await client.post(
        "/v1/contacts",
        json={"email": "buyer@acme.example", "dealId": deal["id"], "title": "CTO"},
        headers=tenant.headers,
    )
    assert contact.status_code == 201, contact.text
    use(web, await factory.browser(tenant))
    requests = await web.get(f"/deals/{deal['id']}/requests")
    assert "SSO with Okta" in requests.text and "BLOCKER" in requests.text and "75,000" in requests.text
    contacts = await web.get(f"/deals/{deal['id']}/contacts")
    assert "buyer@acme.example" in contacts.text
    plan = await web.get(f"/deals/{deal['id']}/plan")
    assert "no evaluation plan yet" in plan.text


async def test_another_organizations_objects_are_404_pages(
    web: httpx.AsyncClient, client: httpx.AsyncClient, factory: Factory
) -> None:
    theirs = await factory.tenant()
    deal = await _deal(client, theirs)
    mine = await factory.tenant()
    browser = await factory.browser(mine, Role.ADMIN)
    use(web, browser)
    for path in (
        f"/deals/{deal['id']}",
        f"/deals/{deal['id']}/plan",
        f"/deals/{deal['id']}/requests",
        f"/deals/{deal['id']}/contacts",
    ):
        response = await web.get(path)
        assert response.status_code == 404, path
        assert "Not found" in response.text and "<html" in response.text
    edit = await web.post(f"/deals/{deal['id']}", data={"csrf_token": browser.csrf, "name": "mine now"})
    assert edit.status_code == 404
    revoke = await web.post(
        f"/settings/api-keys/{theirs.token_row.id}/revoke", data={"csrf_token": browser.csrf}
    )
    assert revoke.status_code == 404
    assert (await client.get("/v1/organization", headers=theirs.headers)).status_code == 200


async def test_a_viewer_sees_no_write_controls_and_a_forged_post_is_403(
    web: httpx.AsyncClient, client: httpx.AsyncClient, factory: Factory
) -> None:
    tenant = await factory.tenant()
    deal = await _deal(client, tenant)
    viewer = await factory.browser(tenant, Role.VIEWER)
    use(web, viewer)
    for path in ("/", "/deals", f"/deals/{deal['id']}", "/settings/api-keys"):
        page = await web.get(path)
        assert page.status_code == 200, path
        forms = re.findall(r'<form[^>]*method="post"[^>]*action="([^"]+)"', page.text)
        assert forms == ["/logout"], (path, forms)
        assert "New deal" not in page.text and ">Create<" not in page.text
    for path, data in (
        ("/deals/new", {"name": "x"}),
        (f"/deals/{deal['id']}", {"name": "x"}),
        (f"/deals/{deal['id']}/notes", {"title": "x"}),
        ("/settings/api-keys", {"name": "x", "scopes": "deals:read"}),
    ):
        forged = await web.post(path, data={"csrf_token": viewer.csrf, **data})
        assert forged.status_code == 403, path
        assert "VIEWER" in forged.text
    assert (await web.get("/deals/new")).status_code == 403


async def test_api_keys_page_creates_a_key_with_one_scope(web: httpx.AsyncClient, factory: Factory) -> None:
    tenant = await factory.tenant()
    browser = await factory.browser(tenant)
    use(web, browser)
    page = await web.get("/settings/api-keys")
    assert '<label for="f-name">Name</label>' in page.text and ">deals:read</label>" in page.text
    assert "Organization token" not in page.text  # members make personal keys only
    none = await web.post("/settings/api-keys", data={"csrf_token": browser.csrf, "name": "ci"})
    assert none.status_code == 400 and "Choose at least one scope." in none.text
    made = await web.post(
        "/settings/api-keys", data={"csrf_token": browser.csrf, "name": "ci", "scopes": ["deals:read"]}
    )
    assert made.status_code == 201
    key = re.search(r'id="new-key">([^<]+)<', made.text)
    assert key
    headers = {"X-API-Key": key.group(1)}
    assert (await web.get("/v1/deals", headers=headers)).status_code == 200
    assert (await web.get("/v1/tickets", headers=headers)).status_code == 403
    me = await web.get("/v1/tokens", headers={"X-API-Key": tenant.token})
    mine = [t for t in me.json()["items"] if t["name"] == "ci"]
    assert mine[0]["userId"] == browser.user.id and mine[0]["scopes"] == ["deals:read"]
    listed = await web.get("/settings/api-keys")
    assert key.group(1) not in listed.text  # shown once
    revoked = await web.post(f"/settings/api-keys/{mine[0]['id']}/revoke", data={"csrf_token": browser.csrf})
    assert revoked.status_code == 303
    assert (await web.get("/v1/deals", headers=headers)).status_code == 401


async def test_an_admin_may_make_an_organization_token(web: httpx.AsyncClient, factory: Factory) -> None:
    tenant = await factory.tenant()
    admin = await factory.browser(tenant, user=tenant.admin)
    use(web, admin)
    made = await web.post(
        "/settings/api-keys",
        data={"csrf_token": admin.csrf, "name": "org", "scopes": ["*:read"], "kind": "organization"},
    )
    assert made.status_code == 201 and "Organization token" in made.text
    assert "organization" in made.text


async def test_develop_opens_the_playground_with_a_short_lived_key(
    web: httpx.AsyncClient, factory: Factory
) -> None:
    tenant = await factory.tenant()
    browser = await factory.browser(tenant)
    use(web, browser)
    assert "Open the playground" in (await web.get("/settings/develop")).text
    opened = await web.post("/settings/develop/playground", data={"csrf_token": browser.csrf})
    assert opened.status_code == 303
    location = opened.headers["location"]
    assert location.startswith("/graphql?access_token=dbk_")
    token = location.split("=", 1)[1]
    me = await web.post("/graphql", json={"query": "{ me { user { email } } }"}, headers={"X-API-Key": token})
    assert me.json()["data"]["me"]["user"]["email"] == browser.user.email
    keys = await web.get("/v1/tokens", headers={"X-API-Key": tenant.token})
    develop = [t for t in keys.json()["items"] if t["name"] == "Develop page (playground)"]
    assert develop and develop[0]["expiresAt"] is not None


async def test_accepting_an_invitation_in_the_browser(
    web: httpx.AsyncClient, client: httpx.AsyncClient, factory: Factory
) -> None:
    tenant = await factory.tenant()
    invited = await client.post(
        "/v1/organization/invitations",
        json={"inviteeEmail": "new@example.com", "role": "MEMBER"},
        headers=tenant.headers,
    )
    assert invited.status_code == 201, invited.text
    code = invited.json()["code"]
    page = await web.get(f"/invitations/{code}")
    assert page.status_code == 200 and "new@example.com" in page.text
    weak = await web.post(
        f"/invitations/{code}",
        data={"csrf_token": csrf_of(page.text), "firstName": "Nia", "password": "short"},
    )
    assert weak.status_code == 400 and "at least 8 characters" in weak.text
    joined = await web.post(
        f"/invitations/{code}",
        data={"csrf_token": csrf_of(page.text), "firstName": "Nia", "password": "a good password"},
    )
    assert joined.status_code == 303 and joined.headers["location"] == "/"
    home = await web.get("/")
    assert home.status_code == 200 and "Nia" in home.text
    assert (await web.get(f"/invitations/{code}")).status_code == 409
    web.cookies.clear()
    assert (await sign_in(web, "new@example.com", "a good password")).status_code == 303
    assert (await web.get("/invitations/unknown-code-123")).status_code == 404


async def test_create_a_plan_from_a_template_and_set_a_criterions_outcome(
    web: httpx.AsyncClient, client: httpx.AsyncClient, factory: Factory
) -> None:
    tenant = await factory.tenant()
    template = await client.post(
        "/v1/plan-templates",
        json={
            "title": "Security review",
            "criteria": [{"title": "SSO works"}],
            "tasks": [{"title": "Kickoff"}],
        },
        headers=tenant.headers,
    )
    assert template.status_code == 201, template.text
    deal = await _deal(client, tenant)
    browser = await factory.browser(tenant)
    use(web, browser)
    fragment = await web.get(f"/deals/{deal['id']}/plan")
    assert "Create plan" in fragment.text and "Security review" in fragment.text
    made = await web.post(
        f"/deals/{deal['id']}/plan",
        data={
            "csrf_token": browser.csrf,
            "title": "Acme evaluation",
            "templateId": str(template.json()["id"]),
        },
    )
    assert made.status_code == 303, made.text
    fragment = await web.get(f"/deals/{deal['id']}/plan")
    assert "Acme evaluation" in fragment.text and "SSO works" in fragment.text and "Kickoff" in fragment.text
    criterion_id = int(re.search(r"/plan/criteria/(\d+)", fragment.text).group(1))  # type: ignore[union-attr]
    bad = await web.post(
        f"/deals/{deal['id']}/plan/criteria/{criterion_id}",
        data={"csrf_token": browser.csrf, "outcome": "GREAT"},
    )
    assert bad.status_code == 400
    done = await web.post(
        f"/deals/{deal['id']}/plan/criteria/{criterion_id}",
        data={"csrf_token": browser.csrf, "outcome": "MEETS", "outcomeNote": "Okta in a day"},
    )
    assert done.status_code == 303
    fragment = await web.get(f"/deals/{deal['id']}/plan")
    assert "<strong>MEETS</strong>: Okta in a day" in fragment.text
    viewer = await factory.browser(tenant, Role.VIEWER)
    use(web, viewer)
    assert "Set outcome" not in (await web.get(f"/deals/{deal['id']}/plan")).text
    forged = await web.post(
        f"/deals/{deal['id']}/plan/criteria/{criterion_id}",
        data={"csrf_token": viewer.csrf, "outcome": "EXCEEDS"},
    )
    assert forged.status_code == 403
