"""Documents and invitations in a real browser (Debian's chromium, driven by Playwright) against a
real server: upload a document through htmx with its progress bar and see it listed; invite a
person, open the link shown (no SMTP here) in another browser and join. Every request stays on
the server, and no page logs an error (a script the Content-Security-Policy refused would)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.browser import ARGS, CHROMIUM, bootstrapped, needs_chromium, serving, sign_in, watch

pytestmark = needs_chromium
ADMIN_PASSWORD = "admin password 1"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    assert Path(CHROMIUM).exists(), f"{CHROMIUM} is missing: apt-get install chromium (scripts/services does)"
    env, created = bootstrapped(
        tmp_path_factory.mktemp("web-settings-browser"),
        secret_key="web-settings-browser-test",
        slug="files",
        admin_email="ada@example.com",
        env={"DEALBENCH_ADMIN_PASSWORD": ADMIN_PASSWORD, "DEALBENCH_SMTP_URL": ""},
    )
    with serving(env, timeout=120) as base:
        yield {"base": base, "token": created["token"]}


async def test_upload_a_document_and_see_it_listed(server: dict[str, Any], tmp_path: Path) -> None:
    from playwright.async_api import async_playwright

    base = server["base"]
    file = tmp_path / "security-questionnaire.txt"
    file.write_bytes(b"Do you encrypt data at rest? Yes.\n" * 20_000)
    requests: list[str] = []
    errors: list[str] = []
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            context = await browser.new_context(viewport={"width": 1280, "height": 800})
            page = await context.new_page()
            watch(page, requests, errors)
            await sign_in(page, base, "ada@example.com", ADMIN_PASSWORD, "/projects")
            await page.get_by_text("No document projects yet").wait_for()
            await page.get_by_label("Name", exact=True).fill("Initech RFP")
            await page.get_by_role("button", name="Create project").click()
            await page.get_by_role("heading", name="Initech RFP").wait_for()
            await page.get_by_text("This folder is empty").wait_for()

            await page.get_by_label("File", exact=True).set_input_files(str(file))
            await page.get_by_role("button", name="Upload").click()
            await page.locator("#documents").get_by_role("link", name="security-questionnaire.txt").wait_for()
            assert "/projects/" in page.url

            await page.locator("#documents").get_by_role("link", name="security-questionnaire.txt").click()
            await page.get_by_role("heading", name="Versions").wait_for()
            assert await page.get_by_role("link", name="Download version 1").count() == 1
            await context.close()
        finally:
            await browser.close()
    assert not errors, errors
    outside = [u for u in requests if not u.startswith((base + "/", "data:"))]
    assert not outside, outside
    assert any(u.endswith("/static/web/upload.js") for u in requests)


async def test_invite_a_person_who_opens_the_link_and_joins(server: dict[str, Any]) -> None:
    from playwright.async_api import async_playwright

    base = server["base"]
    requests: list[str] = []
    errors: list[str] = []
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            admin = await browser.new_context(viewport={"width": 1280, "height": 800})
            page = await admin.new_page()
            watch(page, requests, errors)
            await sign_in(page, base, "ada@example.com", ADMIN_PASSWORD, "/settings/invitations")
            await page.get_by_label("Email").fill("grace@example.com")
            await page.get_by_label("Role").select_option("MEMBER")
            await page.get_by_role("button", name="Invite").click()
            link = (await page.locator("#invitation-link").inner_text()).strip()
            assert link.startswith(f"{base}/invitations/")
            await page.get_by_role("cell", name="grace@example.com", exact=True).wait_for()
            await admin.close()

            invitee = await browser.new_context(viewport={"width": 390, "height": 844})  # a phone
            page = await invitee.new_page()
            watch(page, requests, errors)
            await page.goto(link)
            await page.get_by_label("First name").fill("Grace")
            await page.get_by_label("Last name").fill("Hopper")
            await page.get_by_label("Password").fill("grace password 1")
            await page.get_by_role("button", name="Join").click()
            await page.wait_for_url(f"{base}/")
            await page.get_by_text("Grace Hopper").first.wait_for()
            await invitee.close()
        finally:
            await browser.close()
    assert not errors, errors
    outside = [u for u in requests if not u.startswith((base + "/", "data:"))]
    assert not outside, outside
