""" "Forgot password": the same answer for an address with or without an account, a link emailed
through a local SMTP server that works once and briefly, and ends the person's other sessions."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import httpx

from dealbench.auth import recovery
from dealbench.auth.sessions import start_session
from tests.factories import Factory
from tests.web.helpers import csrf_of, sign_in
from tests.web.mail import mailing_app

PASSWORD = "correct horse battery"


async def _ask(web: httpx.AsyncClient, email: str) -> httpx.Response:
    form = await web.get("/login/forgot")
    assert form.status_code == 200
    return await web.post("/login/forgot", data={"email": email, "csrf_token": csrf_of(form.text)})


def _link(text: str) -> str:
    found = re.search(r"http://testserver(/login/reset/\S+)", text)
    assert found, text
    return found.group(1)


async def test_the_answer_is_the_same_and_the_link_works_once(settings: Any, factory: Factory) -> None:
    async with mailing_app(settings) as (web, inbox, services):
        tenant = await factory.tenant()
        user = await factory.user(tenant)
        await factory.set_password(user, PASSWORD)
        # a session elsewhere, which the new password ends
        async with services.sessionmaker() as session:
            elsewhere, _ = await start_session(session, services.secret_key, services.settings, user)
            await session.commit()
        assert (await web.get("/login")).status_code == 200
        unknown = await _ask(web, "nobody-here@example.com")
        known = await _ask(web, user.email.upper())
        assert unknown.status_code == known.status_code == 200
        strip = re.compile(r'value="[^"]*"')  # the forms' tokens aside, the very same page
        assert strip.sub("", unknown.text) == strip.sub("", known.text)
        assert "If an account uses this address" in known.text
        assert len(inbox.messages) == 1 and inbox.messages[0]["To"] == user.email
        link = _link(inbox.text())

        page = await web.get(link)
        assert page.status_code == 200 and 'for="f-password"' in page.text
        short = await web.post(
            link, data={"password": "short", "confirm": "short", "csrf_token": csrf_of(page.text)}
        )
        assert short.status_code == 400 and 'id="e-password"' in short.text
        differ = await web.post(
            link,
            data={
                "password": "new password 1",
                "confirm": "new password 2",
                "csrf_token": csrf_of(page.text),
            },
        )
        assert differ.status_code == 400 and 'id="e-confirm"' in differ.text
        done = await web.post(
            link,
            data={
                "password": "a brand new secret",
                "confirm": "a brand new secret",
                "csrf_token": csrf_of(page.text),
            },
        )
        assert done.status_code == 303 and done.headers["location"] == "/"
        assert (await web.get("/")).status_code == 200  # this browser is signed in

        again = await web.get(link)
        assert again.status_code == 400 and "already been used" in again.text
        reused = await web.post(
            link, data={"password": "x" * 12, "confirm": "x" * 12, "csrf_token": csrf_of(page.text)}
        )
        assert reused.status_code == 400

        async with httpx.AsyncClient(
            transport=web._transport, base_url="http://testserver", headers={"Accept": "text/html"}
        ) as other:
            other.cookies.set("dealbench_session", elsewhere)
            assert (await other.get("/")).status_code == 303  # the other session has ended
            assert (await sign_in(other, user.email, PASSWORD)).status_code == 401
            assert (await sign_in(other, user.email, "a brand new secret")).status_code == 303


async def test_an_expired_or_forged_link_is_refused(settings: Any, factory: Factory) -> None:
    async with mailing_app(settings) as (web, _, services):
        tenant = await factory.tenant()
        user = await factory.user(tenant)
        await factory.set_password(user, PASSWORD)
        async with services.sessionmaker() as session:
            fresh = await session.get(type(user), user.id)
            assert fresh is not None
            expired = recovery.reset_token(services.secret_key, fresh, lifetime=timedelta(seconds=-1))
            live = recovery.reset_token(services.secret_key, fresh)
        assert (await web.get(f"/login/reset/{expired}")).status_code == 400
        uid, expires, signature = live.split(".")
        other = await factory.user(tenant)
        await factory.set_password(other, PASSWORD)
        assert (await web.get(f"/login/reset/{other.id}.{expires}.{signature}")).status_code == 400
        assert (await web.get(f"/login/reset/{uid}.{int(expires) + 60}.{signature}")).status_code == 400
        assert (await web.get("/login/reset/not-a-token-at-all")).status_code == 400
        assert (await web.get(f"/login/reset/{live}")).status_code == 200


async def test_without_smtp_the_page_says_so(client: httpx.AsyncClient, factory: Factory) -> None:
    page = await client.get("/login/forgot", headers={"Accept": "text/html"})
    assert page.status_code == 200 and "does not send email" in page.text
    assert 'href="/login/forgot"' in (await client.get("/login", headers={"Accept": "text/html"})).text
    refused = await client.post("/login/forgot", data={"email": "x@example.com"})
    assert refused.status_code == 403  # no CSRF token
