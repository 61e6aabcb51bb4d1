"""Helpers of the web app's HTTP tests (the ``web`` client fixture is in ``tests/conftest.py``)."""

from __future__ import annotations

import re
from typing import Any

import httpx

from tests.factories import Browser, Tenant

_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_of(html: str) -> str:
    found = _CSRF.search(html)
    assert found, "the page has no form with a CSRF token"
    return found.group(1)


async def sign_in(client: httpx.AsyncClient, email: str, password: str, next: str = "") -> httpx.Response:
    """Sign in as a browser does: the form (and its cookie), then the POST."""
    page = await client.get("/login")
    assert page.status_code == 200, page.text
    data: dict[str, Any] = {"email": email, "password": password, "csrf_token": csrf_of(page.text)}
    if next:
        data["next"] = next
    return await client.post("/login", data=data)


def use(web: httpx.AsyncClient, browser: Browser) -> None:
    """Browse as ``browser``'s signed-in person."""
    web.cookies.set("dealbench_session", browser.cookie)


async def api_post(
    client: httpx.AsyncClient, tenant: Tenant, path: str, body: dict[str, Any]
) -> dict[str, Any]:
    """Make an object through ``/v1`` as the tenant's token (201 expected)."""
    made = await client.post(path, json=body, headers=tenant.headers)
    assert made.status_code == 201, made.text
    return made.json()  # type: ignore[no-any-return]
