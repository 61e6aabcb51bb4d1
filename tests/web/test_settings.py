"""The administrators' settings pages: users (role, removal), invitations (invite, resend, revoke;
emailed with SMTP, the link shown without), teams and their members, the organization. A MEMBER or
a VIEWER gets 403 pages, a write without the CSRF token is 403, another organization's object 404."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest

from dealbench.models import Role
from tests.factories import Factory
from tests.web.helpers import use
from tests.web.mail import mailing_app

SETTINGS_PAGES = [
    "/settings/users",
    "/settings/invitations",
    "/settings/teams",
    "/settings/organization",
    "/settings/webhooks",
]


@pytest.mark.parametrize("role", [Role.MEMBER, Role.VIEWER])
async def test_settings_pages_are_403_to_non_admins(
    web: httpx.AsyncClient, factory: Factory, role: Role
) -> None:
    tenant = await factory.tenant()
    use(web, await factory.browser(tenant, role))
    for path in SETTINGS_PAGES:
        page = await web.get(path)
        assert page.status_code == 403, path
        assert "Not allowed" in page.text
    home = await web.get("/")
    assert 'href="/settings/users"' not in home.text  # no Settings entry in the navigation


async def test_admin_changes_a_role_and_removes_a_person(web: httpx.AsyncClient, factory: Factory) -> None:
    tenant = await factory.tenant()
    admin = await factory.browser(tenant, user=tenant.admin)  # the only ADMIN
    other = await factory.browser(tenant, Role.MEMBER)
    use(web, admin)
    page = await web.get("/settings/users")
    assert page.status_code == 200 and other.user.email in page.text
    assert f'<label class="visually-hidden" for="role-{other.user.id}">' in page.text
    forged = await web.post(f"/settings/users/{other.user.id}/role", data={"role": "ADMIN"})
    assert forged.status_code == 403
    made = await web.post(
        f"/settings/users/{other.user.id}/role", data={"role": "VIEWER", "csrf_token": admin.csrf}
    )
    assert made.status_code == 303
    api = await web.get(f"/v1/user/id/{other.user.id}", headers=tenant.headers)
    assert api.json()["role"] == "VIEWER"
    bad = await web.post(
        f"/settings/users/{other.user.id}/role", data={"role": "OWNER", "csrf_token": admin.csrf}
    )
    assert bad.status_code == 400
    # the last ADMIN keeps the role, in the service's words
    last = await web.post(
        f"/settings/users/{admin.user.id}/role", data={"role": "MEMBER", "csrf_token": admin.csrf}
    )
    assert last.status_code == 409 and "needs an ADMIN" in last.text
    removed = await web.post(f"/settings/users/{other.user.id}/remove", data={"csrf_token": admin.csrf})
    assert removed.status_code == 303
    assert other.user.email not in (await web.get("/settings/users")).text
    # the removed person's session has ended
    web.cookies.clear()
    use(web, other)
    assert (await web.get("/")).status_code == 303


async def test_another_organizations_person_is_a_404(web: httpx.AsyncClient, factory: Factory) -> None:
    tenant, other = await factory.tenant(), await factory.tenant()
    theirs = await factory.user(other)
    admin = await factory.browser(tenant, Role.ADMIN)
    use(web, admin)
    for action in ("role", "remove"):
        answer = await web.post(
            f"/settings/users/{theirs.id}/{action}", data={"role": "VIEWER", "csrf_token": admin.csrf}
        )
        assert answer.status_code == 404


_LINK = re.compile(r'<code class="secret" id="invitation-link">([^<]+)</code>')


async def test_invite_without_smtp_shows_the_link_which_works(
    web: httpx.AsyncClient, factory: Factory
) -> None:
    tenant = await factory.tenant()
    admin = await factory.browser(tenant, Role.ADMIN)
    use(web, admin)
    empty = await web.get("/settings/invitations")
    assert "No pending invitations" in empty.text
    bad = await web.post(
        "/settings/invitations", data={"inviteeEmail": "nope", "role": "MEMBER", "csrf_token": admin.csrf}
    )
    assert bad.status_code == 400 and 'id="e-inviteeEmail"' in bad.text
    made = await web.post(
        "/settings/invitations",
        data={"inviteeEmail": "Nina@Example.com", "role": "VIEWER", "csrf_token": admin.csrf},
    )
    assert made.status_code == 201 and "This server sends no email" in made.text
    link = _LINK.search(made.text)
    assert link and link.group(1).startswith("http://testserver/invitations/")
    again = await web.post(
        "/settings/invitations",
        data={"inviteeEmail": "nina@example.com", "role": "VIEWER", "csrf_token": admin.csrf},
    )
    assert again.status_code == 409 and 'id="e-inviteeEmail"' in again.text
    # resending makes a new link; the old one no longer opens
    invitation_id = re.search(r"/settings/invitations/(\d+)/resend", made.text)
    assert invitation_id
    resent = await web.post(
        f"/settings/invitations/{invitation_id.group(1)}/resend", data={"csrf_token": admin.csrf}
    )
    assert resent.status_code == 200
    new_link = _LINK.search(resent.text)
    assert new_link and new_link.group(1) != link.group(1)
    web.cookies.clear()
    assert (await web.get(link.group(1).removeprefix("http://testserver"))).status_code == 404
    assert (await web.get(new_link.group(1).removeprefix("http://testserver"))).status_code == 200
    use(web, admin)
    revoked = await web.post(
        f"/settings/invitations/{invitation_id.group(1)}/revoke", data={"csrf_token": admin.csrf}
    )
    assert revoked.status_code == 303
    web.cookies.clear()
    assert (await web.get(new_link.group(1).removeprefix("http://testserver"))).status_code == 409


async def test_invite_with_smtp_emails_the_link(settings: Any, factory: Factory) -> None:
    async with mailing_app(settings) as (web, inbox, _):
        tenant = await factory.tenant()
        admin = await factory.browser(tenant, Role.ADMIN)
        use(web, admin)
        made = await web.post(
            "/settings/invitations",
            data={"inviteeEmail": "omar@example.com", "role": "MEMBER", "csrf_token": admin.csrf},
        )
        assert made.status_code == 201, made.text
        assert "Invitation emailed to <strong>omar@example.com</strong>" in made.text
        assert "invitation-link" not in made.text  # the link goes to the invitee only
        assert len(inbox.messages) == 1 and inbox.messages[0]["To"] == "omar@example.com"
        link = re.search(r"http://testserver(/invitations/\S+)", inbox.text())
        assert link
        web.cookies.clear()
        assert (await web.get(link.group(1))).status_code == 200


async def test_teams_and_their_members(web: httpx.AsyncClient, factory: Factory) -> None:
    tenant = await factory.tenant()
    admin = await factory.browser(tenant, Role.ADMIN)
    member = await factory.user(tenant)
    use(web, admin)
    assert "No teams yet" in (await web.get("/settings/teams")).text
    bad = await web.post("/settings/teams", data={"name": "", "csrf_token": admin.csrf})
    assert bad.status_code == 400 and 'id="e-name"' in bad.text
    made = await web.post("/settings/teams", data={"name": "Solutions", "csrf_token": admin.csrf})
    assert made.status_code == 303
    url = made.headers["location"]
    twice = await web.post("/settings/teams", data={"name": "solutions", "csrf_token": admin.csrf})
    assert twice.status_code == 409 and 'id="e-name"' in twice.text
    page = await web.get(url)
    assert "No members yet" in page.text
    unknown = await web.post(f"{url}/members", data={"email": "ghost@example.com", "csrf_token": admin.csrf})
    assert unknown.status_code == 400 and 'id="e-email"' in unknown.text
    added = await web.post(f"{url}/members", data={"email": member.email, "csrf_token": admin.csrf})
    assert added.status_code == 303
    assert member.email in (await web.get(url)).text
    gone = await web.post(f"{url}/members/remove", data={"email": member.email, "csrf_token": admin.csrf})
    assert gone.status_code == 303
    assert "No members yet" in (await web.get(url)).text
    other = await factory.tenant()
    theirs = await web.post("/v1/teams", json={"name": "Theirs"}, headers=other.headers)
    assert (await web.get(f"/settings/teams/{theirs.json()['id']}")).status_code == 404


async def test_organization_settings(web: httpx.AsyncClient, factory: Factory) -> None:
    tenant = await factory.tenant()
    admin = await factory.browser(tenant, Role.ADMIN)
    use(web, admin)
    page = await web.get("/settings/organization")
    assert page.status_code == 200 and 'name="apiAccessEnabled"' in page.text
    blank = await web.post("/settings/organization", data={"name": "", "csrf_token": admin.csrf})
    assert blank.status_code == 400 and 'id="e-name"' in blank.text
    saved = await web.post(
        "/settings/organization",
        data={"name": "Renamed Co", "apiAccessEnabled": "on", "csrf_token": admin.csrf},
    )
    assert saved.status_code == 303
    api = await web.get("/v1/organization", headers=tenant.headers)
    assert api.json()["name"] == "Renamed Co"
    assert api.json()["settings"] == {"apiAccessEnabled": True, "apiDownloadEnabledDefault": False}
    assert "Saved." in (await web.get(saved.headers["location"])).text
