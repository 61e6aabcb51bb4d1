"""The plan and requests pages in a real browser (Debian's chromium, driven by Playwright) against a
real server: a plan created from a template on its deal's page, a criterion's outcome set and a
task completed on the plan's page; a request recorded with a label and a deal link, then found by
filtering the requests list; a viewer sees these pages without write controls on a phone-sized
screen. Every request stays on the server and no page logs an error."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.browser import ARGS, CHROMIUM, bootstrapped, cli, needs_chromium, serving, sign_in, watch

pytestmark = needs_chromium
ADMIN_PASSWORD = "admin password 1"
VIEWER_PASSWORD = "viewer password 1"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    assert Path(CHROMIUM).exists(), f"{CHROMIUM} is missing: apt-get install chromium (scripts/services does)"
    env, created = bootstrapped(
        tmp_path_factory.mktemp("web-plans-browser"),
        secret_key="web-plans-browser-test",
        slug="plans",
        admin_email="ada@example.com",
        env={"DEALBENCH_ADMIN_PASSWORD": ADMIN_PASSWORD},
    )
    with serving(env, timeout=120) as base:
        headers = {"X-API-Key": created["token"]}
        viewer = httpx.post(
            f"{base}/v1/users",
            json={"email": "vic@example.com", "firstName": "Vic", "role": "VIEWER"},
            headers=headers,
        )
        assert viewer.status_code == 201, viewer.text
        template = httpx.post(
            f"{base}/v1/plan-templates",
            json={
                "title": "Security review",
                "phases": [
                    {"title": "Pilot", "criteria": [{"title": "SSO works"}], "tasks": [{"title": "Kickoff"}]}
                ],
            },
            headers=headers,
        )
        assert template.status_code == 201, template.text
        for name, amount in (("Globex expansion", 90000), ("Initech pilot", 12000)):
            deal = httpx.post(f"{base}/v1/deals", json={"name": name, "amount": amount}, headers=headers)
            assert deal.status_code == 201, deal.text
        cli(env, "users", "set-password", "--org", "plans", "vic@example.com", stdin=VIEWER_PASSWORD + "\n")
        yield {"base": base, "headers": headers}


async def test_a_plan_from_a_template_an_outcome_a_task_done_and_a_request_found(
    server: dict[str, Any],
) -> None:
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
            await sign_in(page, base, "ada@example.com", ADMIN_PASSWORD, "/deals")

            # A plan from the template, on the deal's page (the plan fragment).
            await page.get_by_role("link", name="Globex expansion").click()
            plan = page.locator("#plan")
            await plan.get_by_label("Plan title").fill("Globex security evaluation")
            await plan.get_by_label("Template").select_option(label="Security review")
            await plan.get_by_role("button", name="Create plan").click()
            await page.get_by_role("link", name="Open the full plan").click()
            await page.get_by_role("heading", name="Globex security evaluation").wait_for()

            # A criterion's outcome and a task completed, on the plan's page.
            await page.get_by_label("Outcome of SSO works").select_option("MEETS")
            await page.get_by_label("Note on SSO works").fill("Okta in a day")
            await page.get_by_role("button", name="Set outcome").click()
            await page.locator("#criteria").get_by_text("meets").first.wait_for()
            await page.get_by_role("button", name="Complete Kickoff").click()
            await page.get_by_role("button", name="Reopen Kickoff").wait_for()
            assert "Tasks: 1 of 1 done" in await page.locator("main").inner_text()
            assert "1 of 1 decided" in await page.locator("main").inner_text()

            # A request with a label and a deal link, then found by filtering.
            await page.get_by_role("navigation", name="Main").get_by_role("link", name="Requests").click()
            await page.get_by_role("link", name="New request").click()
            await page.get_by_label("Title", exact=True).fill("SSO with Okta")
            await page.get_by_label("Type", exact=True).select_option("FEATURE")
            await page.get_by_label("Labels (comma-separated)").fill("security")
            await page.get_by_label("Deal", exact=True).select_option(label="Globex expansion")
            await page.get_by_label("Priority for this deal").select_option("BLOCKER")
            await page.get_by_role("button", name="Create request").click()
            await page.get_by_role("heading", name="SSO with Okta").wait_for()
            await page.get_by_role("link", name="← Requests").click()
            await page.get_by_label("Label", exact=True).fill("security")
            await page.get_by_label("Deal", exact=True).select_option(label="Globex expansion")
            await page.get_by_role("button", name="Apply").click()
            row = page.locator("tbody tr")
            await row.get_by_role("link", name="SSO with Okta").wait_for()
            assert await row.count() == 1
            assert "90,000" in await row.inner_text()
            await page.get_by_label("Label", exact=True).fill("nothing-here")
            await page.get_by_role("button", name="Apply").click()
            await page.get_by_text("No requests match.").wait_for()
            await admin.close()

            # A viewer reads the plan and the requests on a phone, with no write control.
            viewer = await browser.new_context(viewport={"width": 390, "height": 844})
            page = await viewer.new_page()
            watch(page, requests, errors)
            await sign_in(page, base, "vic@example.com", VIEWER_PASSWORD, "/plans")
            await page.get_by_role("link", name="Globex security evaluation").click()
            await page.get_by_role("heading", name="Globex security evaluation").wait_for()
            assert await page.locator("main form").count() == 0
            await page.goto(f"{base}/requests")
            await page.get_by_role("link", name="SSO with Okta").wait_for()
            assert await page.get_by_role("link", name="New request").count() == 0
            await viewer.close()
        finally:
            await browser.close()
    assert not errors, errors
    outside = [u for u in requests if not u.startswith((base + "/", "data:"))]
    assert not outside, outside
