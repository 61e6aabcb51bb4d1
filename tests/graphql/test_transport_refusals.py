"""Requests refused before any document runs carry a fitting ``extensions.code`` and message."""

from __future__ import annotations

from typing import Any

from tests.graphql.helpers import codes


async def test_an_unsupported_content_type_is_415_with_its_own_code(client: Any) -> None:
    r = await client.post("/graphql", content=b"{ apiVersion }", headers={"Content-Type": "text/plain"})
    assert r.status_code == 415
    assert codes(r.json()) == ["UNSUPPORTED_MEDIA_TYPE"]
    r = await client.delete("/graphql")
    assert r.status_code == 405 and codes(r.json()) == ["BAD_REQUEST"]


async def test_a_subscription_is_said_to_be_unsupported(client: Any, factory: Any) -> None:
    tenant = await factory.tenant()
    for token in (None, tenant.token):
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        r = await client.post("/graphql", json={"query": "subscription { apiVersion }"}, headers=headers)
        assert r.status_code == 400 and codes(r.json()) == ["BAD_REQUEST"], r.text
        message = r.json()["errors"][0]["message"]
        assert "Subscriptions are not supported" in message and "GET" not in message
        r = await client.get("/graphql", params={"query": "subscription S { apiVersion }"}, headers=headers)
        assert r.status_code == 400 and "not supported" in r.json()["errors"][0]["message"]
