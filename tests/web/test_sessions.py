"""Signing in and out of the web app: cookies, CSRF, expiry, throttling, redirects, headers."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import update

from dealbench.app import create_app
from dealbench.kit.db import utcnow
from dealbench.kit.services import Services
from dealbench.models import Role, WebSession
from dealbench.settings import Settings
from tests.factories import Factory, Tenant
from tests.web.helpers import csrf_of, sign_in

PASSWORD = "correct horse battery"


async def _person(factory: Factory, role: Role = Role.MEMBER) -> tuple[Tenant, str]:
    tenant = await factory.tenant()
    user = await factory.user(tenant, role=role)
    await factory.set_password(user, PASSWORD)
    return tenant, user.email


async def test_signed_out_page_redirects_to_login_and_back(web: httpx.AsyncClient, factory: Factory) -> None:
    response = await web.get("/?q=acme")
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=%2F%3Fq%3Dacme"
    home = await web.get("/")
    assert home.status_code == 303 and home.headers["location"] == "/login?next=%2F"

    _, email = await _person(factory)
    signed = await sign_in(web, email, PASSWORD, next="/?q=acme")
    assert signed.status_code == 303, signed.text
    assert signed.headers["location"] == "/?q=acme"


@pytest.mark.parametrize(
    "target", ["//evil.example/x", "https://evil.example/", "/\\evil.example", "deals", "/\tx"]
)
async def test_sign_in_never_returns_to_another_host(
    web: httpx.AsyncClient, factory: Factory, target: str
) -> None:
    _, email = await _person(factory)
    signed = await sign_in(web, email, PASSWORD, next=target)
    assert signed.status_code == 303
    assert signed.headers["location"] == "/"


async def test_login_page_has_labelled_fields_and_strict_headers(web: httpx.AsyncClient) -> None:
    page = await web.get("/login")
    assert page.status_code == 200
    html = page.text
    for text in (
        '<label for="email">Email</label>',
        '<label for="password">Password</label>',
        ">Sign in</button>",
    ):
        assert text in html
    csp = page.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in csp and "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert page.headers["referrer-policy"] == "same-origin"
    assert "<script>" not in html and " on" + "click=" not in html


async def test_cookie_flags_and_a_new_session_id_at_sign_in(web: httpx.AsyncClient, factory: Factory) -> None:
    _, email = await _person(factory)
    web.cookies.set("dealbench_session", "planted-by-someone-else")
    signed = await sign_in(web, email, PASSWORD)
    cookie = signed.headers["set-cookie"]
    assert "dealbench_session=" in cookie and "planted-by-someone-else" not in cookie
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Secure" not in cookie
    first = signed.cookies["dealbench_session"]
    web.cookies.delete("dealbench_session")
    again = await sign_in(web, email, PASSWORD)
    assert again.cookies["dealbench_session"] != first
    assert (await web.get("/")).status_code == 200


async def test_the_cookie_is_secure_over_https(app: FastAPI, factory: Factory) -> None:
    _, email = await _person(factory)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="https://testserver") as c:
        signed = await sign_in(c, email, PASSWORD)
    assert "Secure" in signed.headers["set-cookie"]


async def test_wrong_password_and_unknown_email_answer_alike(
    web: httpx.AsyncClient, factory: Factory
) -> None:
    _, email = await _person(factory)
    wrong = await sign_in(web, email, "not the password")
    unknown = await sign_in(web, "nobody-" + email, PASSWORD)
    assert wrong.status_code == unknown.status_code == 401
    assert "Wrong email or password." in wrong.text and "Wrong email or password." in unknown.text
    assert "dealbench_session" not in wrong.headers.get("set-cookie", "")


async def test_unsafe_requests_without_the_csrf_token_are_403(
    web: httpx.AsyncClient, factory: Factory
) -> None:
    _, email = await _person(factory)
    await web.get("/login")
    refused = await web.post("/login", data={"email": email, "password": PASSWORD})
    assert refused.status_code == 403
    forged = await web.post("/login", data={"email": email, "password": PASSWORD, "csrf_token": "guess"})
    assert forged.status_code == 403

    tenant = await factory.tenant()
    browser = await factory.browser(tenant)
    web.cookies.set("dealbench_session", browser.cookie)
    assert (await web.post("/logout", data={})).status_code == 403
    assert (await web.post("/logout", data={"csrf_token": "x" * 43})).status_code == 403
    assert (await web.get("/")).status_code == 200  # still signed in
    page = await web.get("/")
    out = await web.post("/logout", data={"csrf_token": csrf_of(page.text)})
    assert out.status_code == 303 and out.headers["location"] == "/login"
    web.cookies.set("dealbench_session", browser.cookie)
    assert (await web.get("/")).status_code == 303  # the session is gone, not only the cookie


async def test_sign_out_everywhere_ends_every_session(web: httpx.AsyncClient, factory: Factory) -> None:
    tenant = await factory.tenant()
    one = await factory.browser(tenant)
    two = await factory.browser(tenant, user=one.user)
    web.cookies.set("dealbench_session", one.cookie)
    out = await web.post("/logout", data={"csrf_token": one.csrf, "everywhere": "true"})
    assert out.status_code == 303
    web.cookies.set("dealbench_session", two.cookie)
    assert (await web.get("/")).status_code == 303


@pytest.mark.parametrize("column", ["last_seen_at", "expires_at"])
async def test_idle_and_absolute_expiry(
    web: httpx.AsyncClient, factory: Factory, services: Services, column: str
) -> None:
    tenant = await factory.tenant()
    browser = await factory.browser(tenant)
    web.cookies.set("dealbench_session", browser.cookie)
    assert (await web.get("/")).status_code == 200
    past = utcnow() - timedelta(seconds=services.settings.session_idle_seconds + 1)
    async with services.sessionmaker() as session:
        await session.execute(
            update(WebSession).where(WebSession.user_id == browser.user.id).values({column: past})
        )
        await session.commit()
    gone = await web.get("/")
    assert gone.status_code == 303 and gone.headers["location"].startswith("/login")


async def test_a_new_password_ends_the_sessions(web: httpx.AsyncClient, factory: Factory) -> None:
    tenant = await factory.tenant()
    browser = await factory.browser(tenant)
    web.cookies.set("dealbench_session", browser.cookie)
    assert (await web.get("/")).status_code == 200
    await factory.set_password(browser.user, "another password")
    assert (await web.get("/")).status_code == 303


async def test_sign_in_is_throttled_per_account(
    web: httpx.AsyncClient, factory: Factory, settings: Settings
) -> None:
    _, email = await _person(factory)
    for _ in range(settings.signin_attempts_per_account):
        assert (await sign_in(web, email, "wrong password")).status_code == 401
    refused = await sign_in(web, email, PASSWORD)  # even the right password waits
    assert refused.status_code == 429
    assert int(refused.headers["retry-after"]) >= 1
    assert "Too many sign-in attempts" in refused.text


async def test_sign_in_is_throttled_per_client_address_through_trusted_proxies(
    factory: Factory, settings: Settings
) -> None:
    limited = settings.model_copy(
        update={
            "signin_attempts_per_address": 3,
            "trusted_proxies": "127.0.0.1",
            "redis_key_prefix": "signin-test",
        }
    )
    services = Services.build(limited)
    try:
        app = create_app(limited, services)
        transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 5000))
        _, email = await _person(factory)

        def client(forwarded: str) -> httpx.AsyncClient:
            return httpx.AsyncClient(
                transport=transport, base_url="http://testserver", headers={"X-Forwarded-For": forwarded}
            )

        async with client("203.0.113.5") as one:
            for i in range(3):
                assert (await sign_in(one, f"x{i}-{email}", "wrong password")).status_code == 401
            assert (await sign_in(one, email, PASSWORD)).status_code == 429
        async with client("203.0.113.6") as other:  # another client behind the same proxy
            assert (await sign_in(other, email, PASSWORD)).status_code == 303
    finally:
        await services.close()
