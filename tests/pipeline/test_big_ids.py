"""Out-of-range ids are a 4xx in the route's dialect, never a database overflow (500)."""

from __future__ import annotations

from typing import Any

BIG = 99_999_999_999


async def test_out_of_range_ids_are_4xx(client: Any, factory: Any) -> None:
    t = await factory.tenant()
    for method, path, body, status in [
        ("GET", f"/v1/contacts/{BIG}", None, 400),
        ("PATCH", f"/v1/contacts/{BIG}", {"title": "x"}, 400),
        ("DELETE", f"/v1/sales-targets/{BIG}", None, 400),
        # a deal is named by id or eid:<Opportunity ID>: a number past the id range names no deal
        ("GET", f"/v1/deals/{BIG}/contacts", None, 404),
        ("GET", f"/v1/contacts?dealId={BIG}", None, 400),
        ("GET", f"/v1/sales-targets?userId={BIG}", None, 400),
        ("POST", "/v1/contacts", {"email": "big@example.com", "dealId": BIG}, 400),
        ("POST", "/v1/sales-targets", {"userId": BIG, "month": "2025-01", "amount": 1}, 400),
        # imports are named by their UUID: a number names none
        ("GET", f"/api/v1/admin/imports/{BIG}/error-file", None, 404),
        ("GET", f"/v1/imports/{BIG}/errors", None, 404),
    ]:
        r = await client.request(method, path, json=body, headers=t.headers)
        assert r.status_code == status, (path, r.status_code, r.text)


async def test_out_of_range_paging_is_400_jsend(client: Any, factory: Any) -> None:
    t = await factory.tenant()
    for params in ({"limit": 10**20}, {"offset": 10**20}, {"limit": 0}, {"offset": -1}):
        r = await client.get("/api/v1/opportunities/my", params=params, headers=t.headers)
        assert r.status_code == 400 and r.json()["status"] == "fail", (params, r.text)
