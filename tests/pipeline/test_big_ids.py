"""Out-of-range ids are a 4xx in the route's dialect, never a database overflow (500)."""

from __future__ import annotations

from typing import Any

BIG = 99_999_999_999


async def test_out_of_range_ids_are_4xx(client: Any, factory: Any) -> None:
    t = await factory.tenant()
    for method, path, body in [
        ("GET", f"/v1/contacts/{BIG}", None),
        ("PATCH", f"/v1/contacts/{BIG}", {"title": "x"}),
        ("DELETE", f"/v1/sales-targets/{BIG}", None),
        ("GET", f"/v1/deals/{BIG}/contacts", None),
        ("GET", f"/v1/contacts?dealId={BIG}", None),
        ("GET", f"/v1/sales-targets?userId={BIG}", None),
        ("POST", "/v1/contacts", {"email": "big@example.com", "dealId": BIG}),
        ("POST", "/v1/sales-targets", {"userId": BIG, "month": "2025-01", "amount": 1}),
        ("GET", f"/api/v1/admin/imports/{BIG}/error-file", None),
        ("GET", f"/v1/imports/{BIG}/errors", None),
    ]:
        r = await client.request(method, path, json=body, headers=t.headers)
        assert r.status_code in (400, 404), (path, r.status_code, r.text)


async def test_out_of_range_paging_is_400_jsend(client: Any, factory: Any) -> None:
    t = await factory.tenant()
    for params in ({"limit": 10**20}, {"offset": 10**20}, {"limit": 0}, {"offset": -1}):
        r = await client.get("/api/v1/opportunities/my", params=params, headers=t.headers)
        assert r.status_code == 400 and r.json()["status"] == "fail", (params, r.text)
