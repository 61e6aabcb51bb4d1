"""Shared helpers of the GraphQL tests."""

from __future__ import annotations

from typing import Any

import httpx


async def gql(
    client: httpx.AsyncClient,
    query: str,
    token: str | None = None,
    variables: dict[str, Any] | None = None,
    *,
    status: int | None = 200,
    headers: dict[str, str] | None = None,
) -> dict[str, Any]:
    """POST a query with ``Authorization: Bearer`` and answer the JSON body (checking the status)."""
    sent = dict(headers or {})
    if token:
        sent["Authorization"] = f"Bearer {token}"
    body: dict[str, Any] = {"query": query}
    if variables is not None:
        body["variables"] = variables
    response = await client.post("/graphql", json=body, headers=sent)
    if status is not None:
        assert response.status_code == status, response.text
    data: dict[str, Any] = response.json()
    return data


def codes(body: dict[str, Any]) -> list[str]:
    return [e["extensions"]["code"] for e in body.get("errors", [])]


class CallCounter:
    """Counts the Python function calls made in this thread while it is active: the work a request
    did, measured without a clock."""

    def __init__(self) -> None:
        self.calls = 0

    def _profile(self, _frame: Any, event: str, _arg: Any) -> None:
        if event == "call":
            self.calls += 1

    def __enter__(self) -> CallCounter:
        import sys

        sys.setprofile(self._profile)
        return self

    def __exit__(self, *_exc: object) -> None:
        import sys

        sys.setprofile(None)
