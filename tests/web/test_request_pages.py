"""The requests pages: the list with its filters (state, type, label, deal) and its order by revenue
at stake, a new request with labels and a deal link, an edit, links added, re-prioritized and
removed; a VIEWER's pages have no write controls and a forged write is 403; another
organization's request is a 404 page."""

from __future__ import annotations

import re

import httpx

from dealbench.models import Role
from tests.factories import Factory, StatementCounter
from tests.web.helpers import api_post, use


def _titles(html: str) -> list[str]:
    return re.findall(r'href="/requests/\d+">([^<]+)</a>', html)


async def test_create_a_request_with_a_label_and_a_deal_then_find_and_edit_it(
    web: httpx.AsyncClient, client: httpx.AsyncClient, factory: Factory
) -> None:
    tenant = await factory.tenant()
    big = await api_post(client, tenant, "/v1/deals", {"name": "Globex expansion", "amount": 90000})
    small = await api_post(client, tenant, "/v1/deals", {"name": "Initech pilot", "amount": 10000})
    await api_post(
        client,
        tenant,
        "/v1/tickets",
        {"title": "Audit log export", "type": "FEATURE", "state": "OPEN", "deals": [{"id": small["id"]}]},
    )
    browser = await factory.browser(tenant)
    use(web, browser)
    form = await web.get("/requests/new", params={"deal": big["id"]})
    assert form.status_code == 200 and f'<option value="{big["id"]}" selected>Globex expansion' in form.text
    refused = await web.post(
        "/requests/new", data={"csrf_token": browser.csrf, "title": "SSO", "state": "OPEN"}
    )
    assert refused.status_code == 400 and 'id="e-r-type"' in refused.text
    made = await web.post(
        "/requests/new",
        data={
            "csrf_token": browser.csrf,
            "title": "SSO with Okta",
            "type": "FEATURE",
            "state": "OPEN",
            "labels": "security, identity",
            "dealId": str(big["id"]),
            "priority": "BLOCKER",
        },
    )
    assert made.status_code == 303, made.text
    url = made.headers["location"]
    ticket_id = int(url.rsplit("/", 1)[1])
    api = (await client.get(f"/v1/tickets/{ticket_id}", headers=tenant.headers)).json()
    assert api["labels"] == ["identity", "security"] and api["dealAmountSum"] == 90000
    assert api["linkedDeals"][0]["priority"] == "BLOCKER" and api["createdByUserId"] == browser.user.id

    # The largest revenue at stake first; by id on request; filters.
    listed = await web.get("/requests")
    assert _titles(listed.text) == ["SSO with Okta", "Audit log export"]
    assert "90,000" in listed.text and "blocker" in listed.text
    assert _titles((await web.get("/requests", params={"sort": "id"})).text) == [
        "Audit log export",
        "SSO with Okta",
    ]
    assert _titles((await web.get("/requests", params={"label": "security"})).text) == ["SSO with Okta"]
    assert _titles((await web.get("/requests", params={"deal": str(small["id"])})).text) == [
        "Audit log export"
    ]
    assert _titles((await web.get("/requests", params={"state": "CLOSED"})).text) == []
    assert _titles((await web.get("/requests", params={"type": "FEATURE", "state": "OPEN"})).text) == [
        "SSO with Okta",
        "Audit log export",
    ]

    # Edit: the labels replace the old ones; a link added, re-prioritized, removed.
    edited = await web.post(
        url,
        data={
            "csrf_token": browser.csrf,
            "title": "SSO with Okta and Entra",
            "type": "FEATURE",
            "state": "ROADMAP",
            "labels": "identity",
            "targetDueDate": "2027-06-30",
            "description": "**Soon**",
        },
    )
    assert edited.status_code == 303, edited.text
    bad = await web.post(
        url, data={"csrf_token": browser.csrf, "title": "", "type": "FEATURE", "state": "OPEN"}
    )
    assert bad.status_code == 400 and 'id="e-r-title"' in bad.text
    linked = await web.post(
        f"{url}/deals",
        data={"csrf_token": browser.csrf, "dealId": str(small["id"]), "priority": "NICE_TO_HAVE"},
    )
    assert linked.status_code == 303
    page = await web.get(url)
    assert (
        "SSO with Okta and Entra" in page.text
        and "100,000" in page.text
        and "<strong>Soon</strong>" in page.text
    )
    reprioritized = await web.post(
        f"{url}/deals", data={"csrf_token": browser.csrf, "dealId": str(small["id"]), "priority": "BLOCKER"}
    )
    assert reprioritized.status_code == 303
    unlinked = await web.post(f"{url}/deals/{big['id']}/delete", data={"csrf_token": browser.csrf})
    assert unlinked.status_code == 303
    api = (await client.get(f"/v1/tickets/{ticket_id}", headers=tenant.headers)).json()
    assert api["state"] == "ROADMAP" and api["labels"] == ["identity"]
    assert [(d["id"], d["priority"]) for d in api["linkedDeals"]] == [(small["id"], "BLOCKER")]
    assert (
        await web.post(f"{url}/deals/{big['id']}/delete", data={"csrf_token": browser.csrf})
    ).status_code == 404
    fragment = await web.get(f"/deals/{small['id']}/requests")
    assert f'href="/requests/{ticket_id}"' in fragment.text
    deleted = await web.post(f"{url}/delete", data={"csrf_token": browser.csrf})
    assert deleted.status_code == 303 and (await web.get(url)).status_code == 404


async def test_a_viewer_reads_requests_without_write_controls_and_a_forged_post_is_403(
    web: httpx.AsyncClient, client: httpx.AsyncClient, factory: Factory
) -> None:
    tenant = await factory.tenant()
    deal = await api_post(client, tenant, "/v1/deals", {"name": "Acme", "amount": 5})
    ticket = await api_post(
        client,
        tenant,
        "/v1/tickets",
        {"title": "Bug", "type": "BUG", "state": "OPEN", "deals": [{"id": deal["id"]}]},
    )
    viewer = await factory.browser(tenant, Role.VIEWER)
    use(web, viewer)
    for path in ("/requests", f"/requests/{ticket['id']}", f"/deals/{deal['id']}/requests"):
        page = await web.get(path)
        assert page.status_code == 200, path
        forms = re.findall(r'<form[^>]*method="post"[^>]*action="([^"]+)"', page.text)
        assert forms in ([], ["/logout"]), (path, forms)
        assert "New request" not in page.text and "Record a request" not in page.text
    assert (await web.get("/requests/new")).status_code == 403
    for path, data in (
        ("/requests/new", {"title": "x", "type": "BUG", "state": "OPEN"}),
        (f"/requests/{ticket['id']}", {"title": "x"}),
        (f"/requests/{ticket['id']}/deals", {"dealId": str(deal["id"])}),
        (f"/requests/{ticket['id']}/deals/{deal['id']}/delete", {}),
        (f"/requests/{ticket['id']}/delete", {}),
    ):
        forged = await web.post(path, data={"csrf_token": viewer.csrf, **data})
        assert forged.status_code == 403, path
    assert (await client.get(f"/v1/tickets/{ticket['id']}", headers=tenant.headers)).json()["title"] == "Bug"


async def test_another_organizations_request_is_a_404_page(
    web: httpx.AsyncClient, client: httpx.AsyncClient, factory: Factory
) -> None:
    theirs = await factory.tenant()
    deal = await api_post(client, theirs, "/v1/deals", {"name": "Theirs"})
    ticket = await api_post(
        client,
        theirs,
        "/v1/tickets",
        {"title": "Theirs", "type": "BUG", "state": "OPEN", "deals": [{"id": deal["id"]}]},
    )
    mine = await factory.tenant()
    my_deal = await api_post(client, mine, "/v1/deals", {"name": "Mine"})
    my_ticket = await api_post(client, mine, "/v1/tickets", {"title": "Mine", "type": "BUG", "state": "OPEN"})
    browser = await factory.browser(mine, Role.ADMIN)
    use(web, browser)
    assert (await web.get(f"/requests/{ticket['id']}")).status_code == 404
    for path in (
        f"/requests/{ticket['id']}",
        f"/requests/{ticket['id']}/deals",
        f"/requests/{ticket['id']}/delete",
        f"/requests/{ticket['id']}/deals/{deal['id']}/delete",
    ):
        response = await web.post(
            path, data={"csrf_token": browser.csrf, "title": "mine", "dealId": str(my_deal["id"])}
        )
        assert response.status_code == 404, path
    # Their deal is not a deal of mine to link: the error beside the field.
    refused = await web.post(
        f"/requests/{my_ticket['id']}/deals", data={"csrf_token": browser.csrf, "dealId": str(deal["id"])}
    )
    assert refused.status_code == 400 and f"Deal {deal['id']} not found." in refused.text
    listed = await web.get("/requests")
    assert "Theirs" not in listed.text and "Mine" in listed.text
    assert (await client.get(f"/v1/tickets/{ticket['id']}", headers=theirs.headers)).json()[
        "title"
    ] == "Theirs"


async def test_the_requests_list_runs_as_many_statements_for_one_request_as_for_many(
    web: httpx.AsyncClient, client: httpx.AsyncClient, factory: Factory, count_statements: StatementCounter
) -> None:
    counts = []
    for n in (1, 4):
        tenant = await factory.tenant()
        deals = [
            await api_post(client, tenant, "/v1/deals", {"name": f"deal {i}", "amount": i}) for i in range(n)
        ]
        for i in range(n):
            body = {
                "title": f"r {i}",
                "type": "BUG",
                "state": "OPEN",
                "labels": [f"l{k}" for k in range(n)],
                "deals": [{"id": d["id"]} for d in deals],
            }
            await api_post(client, tenant, "/v1/tickets", body)
        use(web, await factory.browser(tenant))
        for url in ("/requests", "/requests?sort=id&label=l0"):
            assert (await web.get(url)).status_code == 200  # once before: per-session work
            count_statements.reset()
            assert (await web.get(url)).status_code == 200
            counts.append(count_statements.count)
    assert counts[:2] == counts[2:], counts
