"""The imports page: a CSV of opportunities, contacts or sales targets (streamed as htmx sends it,
or as a plain form), the counts, the error file; a MEMBER reads the history without the uploads
and a forged upload is 403; another organization's error file is a 404."""

from __future__ import annotations

import re

import httpx

from dealbench.models import Role
from tests.factories import Factory
from tests.web.helpers import use

OPPORTUNITIES = "Opportunity ID,Opportunity Name,Amount\nO-1,Acme renewal,1000\nO-2,Globex,lots\n"


async def test_import_shows_the_counts_and_the_error_file(web: httpx.AsyncClient, factory: Factory) -> None:
    tenant = await factory.tenant()
    admin = await factory.browser(tenant, Role.ADMIN)
    use(web, admin)
    empty = await web.get("/imports")
    assert empty.status_code == 200 and "No imports yet" in empty.text
    assert 'for="f-opportunities"' in empty.text and "Opportunity ID" in empty.text
    streamed = await web.post(
        "/imports/opportunities",
        files={"file": ("pipeline.csv", OPPORTUNITIES.encode(), "text/csv")},
        headers={"X-CSRF-Token": admin.csrf, "HX-Request": "true"},
    )
    assert streamed.status_code == 200, streamed.text
    assert "<strong>1</strong> imported, <strong>1</strong> rejected" in streamed.text
    link = re.search(r'href="(/imports/[^"]+/errors)">Download the rejected rows', streamed.text)
    assert link
    errors = await web.get(link.group(1))
    assert errors.status_code == 200 and errors.headers["content-type"].startswith("text/csv")
    assert "Globex" in errors.text and "error" in errors.text.splitlines()[0]
    deals = await web.get("/v1/deals", headers=tenant.headers)
    assert [d["name"] for d in deals.json()["items"]] == ["Acme renewal"]

    plain = await web.post(
        "/imports/contacts",
        files={"file": ("people.csv", b"Email,Fullname\nana@example.com,Ana Lima\n", "text/csv")},
        data={"csrf_token": admin.csrf},
    )
    assert (
        plain.status_code == 200 and "<strong>1</strong> imported, <strong>0</strong> rejected" in plain.text
    )
    history = await web.get("/imports")
    assert history.text.index("people.csv") < history.text.index("pipeline.csv")  # newest first

    missing = await web.post("/imports/contacts", data={"csrf_token": admin.csrf})
    assert missing.status_code in (400, 415) and 'id="e-contacts"' in missing.text
    not_csv = await web.post(
        "/imports/salestargets",
        files={"file": ("x.csv", b"\x00\x01\x02binary", "text/csv")},
        headers={"X-CSRF-Token": admin.csrf},
    )
    assert not_csv.status_code == 400 and 'id="e-salestargets"' in not_csv.text


async def test_members_read_the_history_without_uploads(web: httpx.AsyncClient, factory: Factory) -> None:
    tenant = await factory.tenant()
    member = await factory.browser(tenant, Role.MEMBER)
    use(web, member)
    page = await web.get("/imports")
    assert page.status_code == 200 and 'name="file"' not in page.text
    forged = await web.post(
        "/imports/contacts",
        files={"file": ("people.csv", b"Email\nana@example.com\n", "text/csv")},
        headers={"X-CSRF-Token": member.csrf},
    )
    assert forged.status_code == 403
    no_csrf = await web.post(
        "/imports/contacts", files={"file": ("p.csv", b"Email\na@example.com\n", "text/csv")}
    )
    assert no_csrf.status_code == 403


async def test_another_organizations_error_file_is_a_404(web: httpx.AsyncClient, factory: Factory) -> None:
    tenant, other = await factory.tenant(), await factory.tenant()
    run = await web.post(
        "/v1/imports/opportunities",
        files={"file": ("p.csv", OPPORTUNITIES.encode(), "text/csv")},
        headers=other.headers,
    )
    use(web, await factory.browser(tenant, Role.ADMIN))
    assert (await web.get(f"/imports/{run.json()['id']}/errors")).status_code == 404
