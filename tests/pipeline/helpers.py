"""Helpers of the pipeline tests: CSV bodies and uploads."""

from __future__ import annotations

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
