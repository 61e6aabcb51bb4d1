"""The playground and the schema map in a real browser (Debian's chromium, driven by Playwright).

A real server (uvicorn in a subprocess, its own SQLite database) serves the pages; the test checks
that GraphiQL runs a query with the token from ``?access_token=``, that Voyager draws the schema's
types, and that no request leaves 127.0.0.1.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.browser import ARGS, CHROMIUM, bootstrapped, cli, needs_chromium, serving

pytestmark = needs_chromium


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    assert Path(CHROMIUM).exists(), f"{CHROMIUM} is missing: apt-get install chromium (scripts/services does)"
    env, created = bootstrapped(
        tmp_path_factory.mktemp("browser"),
        secret_key="browser-test",
        slug="browser",
        admin_email="pat@example.com",
    )
    token = cli(
        env,
        "tokens",
        "create",
        "--org",
        "browser",
        "--user",
        "pat@example.com",
        "--name",
        "b",
        "--scopes",
        "*",
    ).strip()
    with serving(env, timeout=60) as base:
        yield {"base": base, "token": token, "email": created["user"]["email"]}


async def test_playground_runs_me_and_voyager_draws_the_schema(server: dict[str, Any]) -> None:
    from playwright.async_api import async_playwright

    base, token = server["base"], server["token"]
    requests: list[str] = []
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            page = await browser.new_page()
            page.on("request", lambda r: requests.append(r.url))
            errors: list[str] = []
            page.on("pageerror", lambda e: errors.append(str(e)))

            await page.goto(f"{base}/graphql?access_token={token}")
            await page.wait_for_selector(".graphiql-query-editor .CodeMirror", timeout=30_000)
            await page.evaluate(
                "document.querySelector('.graphiql-query-editor .CodeMirror')"
                ".CodeMirror.setValue('{ me { user { email } } }')"
            )
            await page.click(".graphiql-execute-button")
            result = page.locator(".result-window")
            await result.get_by_text(server["email"]).wait_for(timeout=30_000)
            assert '"email"' in await result.inner_text()

            await page.goto(f"{base}/graphql/voyager?access_token={token}")
            await (
                page.locator("#voyager svg")
                .get_by_text("AuthUser", exact=True)
                .first.wait_for(timeout=60_000)
            )
            assert not errors, errors
        finally:
            await browser.close()
    outside = [u for u in requests if not u.startswith((base + "/", "data:", "blob:"))]
    assert not outside, outside
    assert any("/graphql/static/graphiql.min.js" in u for u in requests)
