from __future__ import annotations

from typing import Any

from tests.factories import unique


async def make_deal(client: Any, headers: dict[str, str], **fields: Any) -> dict[str, Any]:
    body = {"name": unique("Deal "), **fields}
    response = await client.post("/v1/deals", json=body, headers=headers)
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


async def make_ticket(client: Any, headers: dict[str, str], **fields: Any) -> dict[str, Any]:
    body = {"title": unique("Ticket "), "type": "BUG", "state": "OPEN", **fields}
    response = await client.post("/v1/tickets", json=body, headers=headers)
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]
