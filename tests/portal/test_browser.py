"""The buyer's journey in a real browser (Debian's chromium, driven by Playwright) against a real
server that mails through a local SMTP server: open a restricted plan's link, enter the email, take
the sign-in link from the mail, sign in, check off a task, comment, download a shared document and
a meeting's `.ics`. No page logs an error (the Content-Security-Policy refuses inline script and
style) and every request stays on the server."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.browser import ARGS, CHROMIUM, bootstrapped, needs_chromium, serving
from tests.portal.smtp import body_of, smtp_server

pytestmark = needs_chromium
BUYER = "bea@buyer.example"


def _world(base: str, token: str) -> dict[str, Any]:
    with httpx.Client(base_url=base, headers={"X-API-Key": token}) as api:

        def post(path: str, **kwargs: Any) -> Any:
            answer = api.post(path, **kwargs)
            assert answer.status_code in (200, 201), answer.text
            return answer.json()

        deal = post("/v1/deals", json={"name": "Initech pilot", "amount": 4200000})
        plan = post(
            "/v1/evaluations",
            json={"title": "Initech evaluation", "dealId": deal["id"], "brandingColorHex": "#7a1fa2"},
        )
        pid = plan["id"]
        criterion = post(f"/v1/evaluations/{pid}/criteria", json={"title": "Imports 1M rows"})
        buyer = post(f"/v1/evaluations/{pid}/buyers", json={"email": BUYER, "name": "Bea"})
        post(
            f"/v1/evaluations/{pid}/tasks",
            json={"title": "Send sample data", "side": "BUYER", "assigneeBuyerId": buyer["id"]},
        )
        post(
            f"/v1/evaluations/{pid}/meetings", json={"title": "Kick-off", "startsAt": "2030-01-02T15:00:00Z"}
        )
        project = post("/v1/projects", json={"name": "Initech files", "dealId": deal["id"]})
        doc = post(
            f"/v1/projects/{project['id']}/documents",
            files={"file": ("security-whitepaper.txt", b"Our security, in short.", "text/plain")},
        )
        post(f"/v1/projects/{project['id']}/documents/{doc['id']}/share", json={"sharedWithBuyer": True})
        return {"code": plan["accessCode"], "criterion": criterion["id"]}


async def test_the_buyers_journey(tmp_path_factory: pytest.TempPathFactory, tmp_path: Path) -> None:
    from playwright.async_api import async_playwright

    async with smtp_server() as inbox:
        env, created = bootstrapped(
            tmp_path_factory.mktemp("portal-browser"),
            secret_key="portal-browser-test",
            slug="portal",
            admin_email="ada@example.com",
            env={
                "DEALBENCH_SMTP_URL": inbox.url,
                "DEALBENCH_ALLOWED_HOSTS": "127.0.0.1",
                "DEALBENCH_WEBHOOK_POLL_INTERVAL": "0.2",
            },
        )
        with serving(env, timeout=120) as base:
            world = await asyncio.to_thread(_world, base, created["token"])
            requests: list[str] = []
            errors: list[str] = []
            async with async_playwright() as pw:
                browser = await pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
                try:
                    context = await browser.new_context(accept_downloads=True)
                    page = await context.new_page()
                    page.on("request", lambda r: requests.append(r.url))
                    page.on("pageerror", lambda e: errors.append(str(e)))
                    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)

                    # The link opens a restricted plan: only the organization and an email form.
                    await page.goto(f"{base}/p/{world['code']}")
                    await page.get_by_role(
                        "heading", name="Browser shared an evaluation plan with you"
                    ).wait_for()
                    assert await page.get_by_text("Initech evaluation").count() == 0
                    await page.get_by_label("Your email").fill(BUYER)
                    await page.get_by_role("button", name="Email me a sign-in link").click()
                    await page.get_by_role("heading", name="Check your mail").wait_for()

                    # The sign-in link arrives by mail (the mail pass runs beside the server).
                    for _ in range(600):  # a guard against a hang, not a timing threshold
                        if inbox.to(BUYER):
                            break
                        await asyncio.sleep(0.1)
                    [mail] = inbox.to(BUYER)
                    link = re.search(r"https?://\S+/signin/\S+", body_of(mail))
                    assert link is not None, body_of(mail)
                    await page.goto(link.group(0))
                    await page.get_by_role("button", name="Sign in and open the plan").click()
                    await page.get_by_role("heading", name="Initech evaluation").wait_for()

                    # Check off the buyer's task.
                    await page.get_by_role("button", name="Mark done: Send sample data").click()
                    await page.get_by_role("button", name="Reopen: Send sample data").wait_for()

                    # Comment on a criterion.
                    await page.get_by_label("Comment on Imports 1M rows").fill("Does it take gzip files?")
                    await (
                        page.locator(f"#criterion-{world['criterion']}")
                        .get_by_role("button", name="Comment")
                        .click()
                    )
                    await page.get_by_text("Does it take gzip files?").wait_for()

                    # Download the shared document and the meeting's calendar file.
                    async with page.expect_download() as document:
                        await page.get_by_role("link", name="security-whitepaper.txt").click()
                    saved = tmp_path / "doc.txt"
                    await (await document.value).save_as(saved)
                    assert saved.read_text() == "Our security, in short."
                    async with page.expect_download() as calendar:
                        await page.get_by_role("link", name="Add to calendar (.ics)").click()
                    ics = tmp_path / "meeting.ics"
                    await (await calendar.value).save_as(ics)
                    assert "BEGIN:VCALENDAR" in ics.read_text() and "SUMMARY:Kick-off" in ics.read_text()
                    await context.close()
                finally:
                    await browser.close()
            # What the seller learns: the buyer's visit and actions, with the buyer's email.
            async with httpx.AsyncClient(base_url=base, headers={"X-API-Key": created["token"]}) as api:
                plans = (await api.get("/v1/evaluations")).json()["items"]
                activity = (await api.get(f"/v1/evaluations/{plans[0]['id']}/activity")).json()["items"]
            done = {(a["action"], (a["changes"] or {}).get("email")) for a in activity}
            for action in ("buyer.viewed", "buyer.task_completed", "buyer.commented"):
                assert (action, BUYER) in done, done
    assert not errors, errors
    outside = [u for u in requests if not u.startswith((base + "/", "data:"))]
    assert not outside, outside
