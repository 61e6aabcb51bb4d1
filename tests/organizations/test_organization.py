"""The organization of the token: reading it, changing its settings."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from tests.races import no_server_error


@pytest.fixture
async def tenant(factory: Any) -> Any:
    return await factory.tenant()


async def test_get_organization(client: Any, tenant: Any) -> None:
    body = (await client.get("/v1/organization", headers=tenant.headers)).json()
    assert {"id", "name", "slug", "timezone", "currency", "createdAt", "updatedAt", "settings"} <= set(body)
    assert body["settings"]["apiAccessEnabled"] is True and body["slug"] == tenant.org.slug


async def test_concurrent_organization_setting_changes_lose_none(client: Any, factory: Any) -> None:
    tenant = await factory.tenant()
    # Settings are merged into what is stored: a request restating one setting must not undo
    # another request's change of the other (fewer requests than pooled connections: all read first).
    bodies = [
        {"settings": {"apiDownloadEnabledDefault": False}},
        {"settings": {"apiAccessEnabled": True}, "name": "Renamed"},
    ] * 4
    responses = await asyncio.gather(
        *(client.patch("/v1/organization", headers=tenant.headers, json=b) for b in bodies)
    )
    no_server_error(responses)
    org = (await client.get("/v1/organization", headers=tenant.headers)).json()
    assert (
        org["settings"]["apiDownloadEnabledDefault"] is False and org["settings"]["apiAccessEnabled"] is True
    )
    assert org["name"] == "Renamed"
