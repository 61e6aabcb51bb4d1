"""Helpers of the pipeline tests: CSV bodies and uploads."""

from __future__ import annotations

from datetime import datetime
from types import SimpleNamespace
from typing import Any

import httpx

OPP_HEADER = "Opportunity ID*,Opportunity Name*,Amount,Close Date,Stage,Opportunity Owner Email,Account ID,Account Name,Account URL/Website,Opportunity Type,Next Step"

UPLOAD = {
    "opportunities": "/api/v1/admin/opportunities/upload",
    "contacts": "/api/v1/admin/contacts/upload",
    "salestargets": "/api/v1/admin/salestargets/upload",
}


async def upload(
    client: httpx.AsyncClient,
    kind: str,
    content: bytes | str,
    headers: dict[str, str],
    *,
    params: dict[str, Any] | None = None,
    filename: str = "upload.csv",
    path: str | None = None,
) -> httpx.Response:
    data = content.encode() if isinstance(content, str) else content
    return await client.post(
        path or UPLOAD[kind],
        files={"file": (filename, data, "text/csv")},
        headers=headers,
        params=params,
    )


def ok(response: httpx.Response) -> Any:
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] == "success", body
    return body["data"]


def _snake(name: str) -> str:
    return "".join(f"_{c.lower()}" if c.isupper() else c for c in name)


def _value(key: str, value: Any) -> Any:
    if isinstance(value, str) and key.endswith(("At", "Date")) and value.endswith("Z"):
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    return value


async def deals_by_eid(client: httpx.AsyncClient, headers: dict[str, str]) -> dict[str, SimpleNamespace]:
    """What ``GET /v1/deals`` answers (deleted ones included), by Opportunity ID, with snake_case
    attributes and timestamps as datetimes: imports are checked through the API, not the rows."""
    response = await client.get("/v1/deals", params={"limit": 1000, "includeDeleted": True}, headers=headers)
    assert response.status_code == 200, response.text
    return {
        d["vendorEntityId"]: SimpleNamespace(**{_snake(k): _value(k, v) for k, v in d.items()})
        for d in response.json()["items"]
    }


async def counts(client: httpx.AsyncClient, headers: dict[str, str]) -> tuple[int, int]:
    """How many deals (deleted included) and imports ``/v1`` shows."""
    deals = await client.get("/v1/deals", params={"limit": 1, "includeDeleted": True}, headers=headers)
    imports = await client.get("/v1/imports", params={"limit": 1}, headers=headers)
    return deals.json()["totalCount"], imports.json()["totalCount"]
