"""The web app in a real browser (Debian's chromium, driven by Playwright) against a real server:
sign in, create a deal, create an API key with one scope and use it, and a viewer's pages without
write controls. Every request stays on the server (no CDN), and no page logs an error (a script
or style the Content-Security-Policy refused would)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.browser import ARGS, CHROMIUM, bootstrapped, cli, needs_chromium, serving, sign_in

pytestmark = needs_chromium
ADMIN_PASSWORD = "admin password 1"
VIEWER_PASSWORD = "viewer password 1"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    assert Path(CHROMIUM).exists(), f"{CHROMIUM} is missing: apt-get install chromium (scripts/services does)"
    env, created = bootstrapped(
        tmp_path_factory.mktemp("web-browser"),
        secret_key="web-browser-test",
        slug="web",
        admin_email="ada@example.com",
        env={"DEALBENCH_ADMIN_PASSWORD": ADMIN_PASSWORD},
    )
    with serving(env, timeout=120) as base:
        org_token = created["token"]
        viewer = httpx.post(
            f"{base}/v1/users",
            json={"email": "vic@example.com", "firstName": "Vic", "role": "VIEWER"},
            headers={"X-API-Key": org_token},
        )
        assert viewer.status_code == 201, viewer.text
        template = httpx.post(
            f"{base}/v1/plan-templates",
            json={"title": "Security review", "criteria": [{"title": "SSO works"}]},
            headers={"X-API-Key": org_token},
        )
        assert template.status_code == 201, template.text
        cli(env, "users", "set-password", "--org", "web", "vic@example.com", stdin=VIEWER_PASSWORD + "\n")
        yield {"base": base, "token": org_token}


async def test_sign_in_create_a_deal_and_an_api_key_then_a_viewer(server: dict[str, Any]) -> None:
    from playwright.async_api import async_playwright

    base = server["base"]
    requests: list[str] = []
    errors: list[str] = []
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            admin = await browser.new_context(viewport={"width": 1280, "height": 800})
            page = await admin.new_page()
            page.on("request", lambda r: requests.append(r.url))
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)

            await sign_in(page, base, "ada@example.com", ADMIN_PASSWORD)

            # Create a deal.
            await page.get_by_role("link", name="New deal").click()
            await page.get_by_label("Name", exact=True).fill("Initech pilot")
            await page.get_by_label("Amount").fill("42000")
            await page.get_by_role("button", name="Create deal").click()
            await page.get_by_role("heading", name="Initech pilot").wait_for()
            deal_url = page.url
            await (
                page.locator("#requests").get_by_text("No requests block this deal").wait_for()
            )  # htmx fragment
            await page.goto(f"{base}/deals")
            await page.get_by_label("Search").fill("initech")
            await page.locator("#deal-rows").get_by_role("link", name="Initech pilot").wait_for()

            # An API key with one scope, used on /v1.
            await page.goto(f"{base}/settings/api-keys")
            await page.get_by_label("Name", exact=True).fill("reporting")
            await page.get_by_label("deals:read", exact=True).check()
            await page.get_by_role("button", name="Create").click()
            key = (await page.locator("#new-key").inner_text()).strip()
            async with httpx.AsyncClient(base_url=base, headers={"X-API-Key": key}) as api:
                assert (await api.get("/v1/deals")).status_code == 200
                assert (await api.get("/v1/tickets")).status_code == 403
            await admin.close()

            # A viewer reads the same deal without any write control.
            viewer = await browser.new_context(viewport={"width": 390, "height": 844})  # a phone
            page = await viewer.new_page()
            page.on("pageerror", lambda e: errors.append(str(e)))
            await sign_in(page, base, "vic@example.com", VIEWER_PASSWORD)
            assert await page.get_by_role("link", name="New deal").count() == 0
            await page.goto(deal_url)
            await page.get_by_role("heading", name="Initech pilot").wait_for()
            assert await page.get_by_role("button", name="Save").count() == 0
            assert await page.get_by_role("button", name="Add note").count() == 0
            assert await page.locator("main form").count() == 0
            await page.goto(f"{base}/settings/api-keys")
            assert await page.get_by_role("button", name="Create").count() == 0
            await viewer.close()
        finally:
            await browser.close()
    assert not errors, errors
    outside = [u for u in requests if not u.startswith((base + "/", "data:"))]
    assert not outside, outside
    assert any(u.endswith("/static/web/htmx.min.js") for u in requests)
