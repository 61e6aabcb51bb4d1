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


async def test_the_presenter_answers_what_the_response_model_documents(
    client: Any, services: Any, tenant: Any
) -> None:
    from dealbench.models import Organization
    from dealbench.organizations import presenter
    from dealbench.organizations.schemas import OrganizationOut

    changed = await client.patch(
        "/v1/organization",
        headers=tenant.headers,
        json={"timezone": "Europe/Paris", "settings": {"apiDownloadEnabledDefault": False}},
    )
    async with services.sessionmaker() as session:
        org = await session.get(Organization, tenant.org.id)
    wire = presenter.organization(org)
    assert wire == OrganizationOut.model_validate(wire).model_dump(mode="json", by_alias=True)
    assert list(wire) == list(OrganizationOut.model_json_schema(by_alias=True)["properties"])
    assert changed.json() == wire == (await client.get("/v1/organization", headers=tenant.headers)).json()
    assert wire["settings"] == {"apiAccessEnabled": True, "apiDownloadEnabledDefault": False}


async def test_a_settings_change_from_the_command_line_waits_for_the_apis_and_keeps_it(
    services: Any, tenant: Any, is_postgres: bool
) -> None:
    """``dealbench org set`` merges into the settings stored once the organization's lock is its
    own: a change the API is committing meanwhile is kept (the organization read before it is stale)."""
    if not is_postgres:
        pytest.skip("SQLite runs one writing transaction at a time (BEGIN IMMEDIATE): nothing interleaves")
    from dealbench.kit.locks import lock_organization
    from dealbench.models import Organization
    from dealbench.organizations.service import change_settings, get_by_slug

    async with services.sessionmaker() as cli, services.sessionmaker() as api:
        stale = await get_by_slug(cli, tenant.org.slug)
        assert stale is not None
        held = await api.get(Organization, tenant.org.id)
        await lock_organization(api, held)
        held.settings = {**held.settings, "apiDownloadEnabledDefault": False}
        await api.flush()
        waiting = asyncio.create_task(change_settings(cli, stale, {"apiAccessEnabled": False}))
        await asyncio.sleep(0.2)
        assert not waiting.done()  # it waits for the organization's lock
        await api.commit()
        settings = await waiting
        await cli.commit()
    assert settings == {"apiAccessEnabled": False, "apiDownloadEnabledDefault": False}
