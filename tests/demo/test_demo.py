"""The demo organization of ``dealbench serve --demo``: its keys (an organization key and a personal
key of its administrator), what they may do, and their rate limit."""

from __future__ import annotations

from typing import Any

import pytest

from dealbench.demo import (
    DEMO_RATE_LIMIT_PER_MINUTE,
    DEMO_USERS,
    ensure_demo,
    ensure_demo_personal_key,
)
from dealbench.models import Role

ME = "{ me { user { email is_admin } organization { name subdomain } } }"


@pytest.fixture
async def tenant(factory: Any) -> Any:
    return await factory.tenant()


async def _start(services: Any) -> tuple[str, str, str]:
    """What one ``serve --demo`` start mints: ``(organization key, personal key, its user's email)``."""
    async with services.sessionmaker() as session:
        org, key, _, _ = await ensure_demo(session, services.secret_key)
        personal = await ensure_demo_personal_key(session, org, services.secret_key)
        await session.commit()
    assert personal is not None
    user, token = personal
    return key, token, user.email


async def test_the_personal_key_is_the_administrators_and_answers_me(client: Any, services: Any) -> None:
    _, token, email = await _start(services)
    admin_email = next(e for e, _, _, role in DEMO_USERS if role == Role.ADMIN)
    assert email == admin_email and token.endswith("p")
    answer = await client.post("/graphql", headers={"Authorization": f"Bearer {token}"}, json={"query": ME})
    assert answer.status_code == 200, answer.text
    assert answer.json() == {
        "data": {
            "me": {
                "user": {"email": admin_email, "is_admin": True},
                "organization": {"name": "Demo", "subdomain": "demo"},
            }
        }
    }


async def test_demo_keys_get_600_requests_a_minute_other_tokens_the_server_default(
    client: Any, services: Any, tenant: Any
) -> None:
    key, token, _ = await _start(services)
    assert DEMO_RATE_LIMIT_PER_MINUTE == 600
    for headers in ({"X-API-Key": key}, {"Authorization": f"Bearer {token}"}):
        answer = await client.get("/v1/organization", headers=headers)
        assert answer.status_code == 200, answer.text
        assert answer.headers["x-ratelimit-limit"] == "600"
    listed = await client.get("/v1/tokens", headers={"X-API-Key": key})
    demo_limits = {
        t["name"]: t["rateLimitPerMinute"] for t in listed.json()["items"] if t["revokedAt"] is None
    }
    assert demo_limits["demo key (dealbench serve --demo)"] == 600
    assert demo_limits["demo personal key (dealbench serve --demo)"] == 600
    other = await client.get("/v1/organization", headers=tenant.headers)
    assert other.headers["x-ratelimit-limit"] == str(services.settings.rate_limit_per_minute)


async def test_each_start_revokes_the_previous_demo_keys(client: Any, services: Any) -> None:
    old_key, old_token, _ = await _start(services)
    new_key, new_token, _ = await _start(services)
    statuses = [
        (await client.get("/v1/organization", headers={"X-API-Key": k})).status_code
        for k in (old_key, old_token, new_key, new_token)
    ]
    assert statuses == [401, 401, 200, 200]
