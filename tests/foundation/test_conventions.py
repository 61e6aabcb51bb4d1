"""The /v1 conventions every route shares: Zod issues, HEAD, PUT/PATCH/POST, limits, errors, ids."""

from __future__ import annotations

import logging
from typing import Any

import httpx
import pytest
from fastapi import APIRouter

from dealbench.app import create_app
from dealbench.kit.ratelimit import RateLimiter


@pytest.fixture
async def tenant(factory: Any) -> Any:
    return await factory.tenant()


async def test_invalid_enum_query_value_is_a_zod_issue(client: Any, tenant: Any) -> None:
    response = await client.get("/v1/organization/invitations?status=PENDIN", headers=tenant.headers)
    assert response.status_code == 400
    body = response.json()
    assert body["error"] == "Validation error."
    assert body["issues"] == [
        {
            "received": "PENDIN",
            "code": "invalid_enum_value",
            "options": ["PENDING", "ACCEPTED", "REJECTED", "REVOKED"],
            "path": ["status"],
            "message": "Invalid enum value. Expected 'PENDING' | 'ACCEPTED' | 'REJECTED' | 'REVOKED', received 'PENDIN'",
        }
    ]


@pytest.mark.parametrize(
    ("query", "code", "extra"),
    [
        ("limit=0", "too_small", {"minimum": 1, "type": "number"}),
        ("limit=1001", "too_big", {"maximum": 1000, "type": "number"}),
        ("limit=abc", "invalid_type", {"expected": "number", "received": "nan"}),
        ("offset=-1", "too_small", {"minimum": 0}),
        ("skip=-5", "too_small", {"minimum": 0}),
    ],
)
async def test_list_parameters_are_validated(
    client: Any, tenant: Any, query: str, code: str, extra: dict[str, Any]
) -> None:
    response = await client.get(f"/v1/organization/users?{query}", headers=tenant.headers)
    assert response.status_code == 400
    issue = response.json()["issues"][0]
    assert issue["code"] == code
    assert issue["path"] == [query.split("=")[0]]
    for key, value in extra.items():
        assert issue[key] == value


async def test_skip_is_a_synonym_of_offset(client: Any, factory: Any, tenant: Any) -> None:
    for _ in range(3):
        await factory.user(tenant)
    by_offset = (await client.get("/v1/organization/users?limit=2&offset=1", headers=tenant.headers)).json()
    by_skip = (await client.get("/v1/organization/users?limit=2&skip=1", headers=tenant.headers)).json()
    assert by_offset == by_skip
    assert by_offset["limit"] == 2 and by_offset["offset"] == 1 and by_offset["totalCount"] == 4
    assert [u["id"] for u in by_offset["items"]] == sorted(u["id"] for u in by_offset["items"])


async def test_body_issues_have_codes_and_paths(client: Any, tenant: Any) -> None:
    response = await client.post(
        "/v1/tokens",
        headers=tenant.headers,
        json={"name": "", "scopes": "deals:read", "rateLimitPerMinute": "fast", "nmae": 1, "other": 2},
    )
    assert response.status_code == 400
    issues = {tuple(i["path"]): i for i in response.json()["issues"]}
    assert issues[("name",)]["code"] == "too_small" and issues[("name",)]["minimum"] == 1
    assert issues[("scopes",)]["code"] == "invalid_type" and issues[("scopes",)]["expected"] == "array"
    assert issues[("rateLimitPerMinute",)]["code"] == "invalid_type"
    assert issues[()]["code"] == "unrecognized_keys" and sorted(issues[()]["keys"]) == ["nmae", "other"]


async def test_missing_required_field_and_bad_email(client: Any, tenant: Any) -> None:
    response = await client.post(
        "/v1/organization/invitations", headers=tenant.headers, json={"inviteeEmail": "not-an-email"}
    )
    issues = {tuple(i["path"]): i for i in response.json()["issues"]}
    assert (
        issues[("inviteeEmail",)]["code"] == "invalid_string"
        and issues[("inviteeEmail",)]["validation"] == "email"
    )
    assert issues[("role",)]["code"] == "invalid_type" and issues[("role",)]["message"] == "Required"


async def test_bad_datetime_in_body_is_invalid_string(client: Any, tenant: Any) -> None:
    response = await client.post(
        "/v1/tokens", headers=tenant.headers, json={"name": "t", "expiresAt": "tomorrow"}
    )
    issue = response.json()["issues"][0]
    assert (
        issue["code"] == "invalid_string"
        and issue["validation"] == "datetime"
        and issue["path"] == ["expiresAt"]
    )


async def test_malformed_json_is_400(client: Any, tenant: Any) -> None:
    response = await client.post(
        "/v1/teams", headers={**tenant.headers, "Content-Type": "application/json"}, content=b'{"name": '
    )
    assert response.status_code == 400
    assert response.json()["error"] == "Validation error."
    assert response.json()["issues"][0]["code"] == "custom"


async def test_unsupported_content_type_is_415(client: Any, tenant: Any) -> None:
    response = await client.post(
        "/v1/teams", headers={**tenant.headers, "Content-Type": "text/plain"}, content=b"name=x"
    )
    assert response.status_code == 415
    assert "application/json" in response.json()["error"]


async def test_body_too_large_is_413(client: Any, tenant: Any) -> None:
    big = b'{"name": "' + b"x" * (11 * 1024 * 1024) + b'"}'
    response = await client.post(
        "/v1/teams", headers={**tenant.headers, "Content-Type": "application/json"}, content=big
    )
    assert response.status_code == 413
    assert response.json()["error"]


async def test_unknown_route_and_method(client: Any, tenant: Any) -> None:
    missing = await client.get("/v1/nothing-here", headers=tenant.headers)
    assert missing.status_code == 404 and missing.json() == {"error": "No such route."}
    wrong = await client.delete("/v1/organization", headers=tenant.headers)
    assert wrong.status_code == 405 and "DELETE" in wrong.json()["error"]


async def test_head_answers_every_get_route_without_body(client: Any, tenant: Any) -> None:
    get = await client.get("/v1/organization/users", headers=tenant.headers)
    head = await client.head("/v1/organization/users", headers=tenant.headers)
    assert head.status_code == 200 and head.content == b""
    assert head.headers["content-length"] == get.headers["content-length"]
    assert head.headers["content-type"] == get.headers["content-type"]
    assert "x-ratelimit-limit" in head.headers
    assert (await client.head("/v1/organization")).status_code == 401


@pytest.mark.parametrize("method", ["PUT", "PATCH", "POST"])
async def test_update_accepts_put_patch_and_post_with_partial_semantics(
    client: Any, tenant: Any, method: str
) -> None:
    response = await client.request(
        method, "/v1/organization", headers=tenant.headers, json={"timezone": "Europe/Paris"}
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["timezone"] == "Europe/Paris"
    assert body["name"] == tenant.org.name  # omitted: unchanged
    assert body["currency"] == "USD"


async def test_bad_timezone_is_a_custom_issue(client: Any, tenant: Any) -> None:
    response = await client.patch(
        "/v1/organization", headers=tenant.headers, json={"timezone": "Mars/Olympus"}
    )
    assert response.status_code == 400
    assert response.json()["issues"][0]["path"] == ["timezone"]


async def test_timestamps_are_iso_ms_z(client: Any, tenant: Any) -> None:
    body = (await client.get("/v1/organization", headers=tenant.headers)).json()
    import re

    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", body["createdAt"])


async def test_every_answer_has_a_request_id(client: Any, tenant: Any) -> None:
    ok = await client.get("/v1/organization", headers=tenant.headers)
    bad = await client.get("/v1/organization")
    assert ok.headers["x-request-id"] and bad.headers["x-request-id"]
    # An incoming id is kept only from a trusted proxy (tests/operations/test_proxies.py); the test
    # client is no proxy, so it gets a fresh one.
    sent = await client.get("/v1/organization", headers={**tenant.headers, "X-Request-Id": "abc-123"})
    assert sent.headers["x-request-id"] not in {"", "abc-123"}


async def test_a_500_carries_no_stack_trace_and_is_logged_with_the_request_id(
    settings: Any, services: Any, caplog: Any
) -> None:
    app = create_app(settings, services)
    boom = APIRouter()

    @boom.get("/v1/boom")
    async def explode() -> None:
        raise RuntimeError("secret internals")

    app.include_router(boom)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app, raise_app_exceptions=False), base_url="http://t"
    ) as c:
        with caplog.at_level(logging.ERROR, logger="dealbench.error"):
            response = await c.get("/v1/boom")
    assert response.status_code == 500
    assert "secret internals" not in response.text and "Traceback" not in response.text
    request_id = response.headers["x-request-id"]
    assert request_id in response.json()["error"]
    assert any(request_id in r.getMessage() for r in caplog.records)


async def test_query_string_token_never_reaches_the_logs(client: Any, tenant: Any, caplog: Any) -> None:
    with caplog.at_level(logging.INFO, logger="dealbench.access"):
        await client.get(f"/v1/organization?access_token={tenant.token}&x=1")
    text = "\n".join(r.getMessage() for r in caplog.records)
    assert "/v1/organization" in text
    assert tenant.token not in text and "[redacted]" in text


async def test_maintenance_mode_answers_503(settings: Any, services: Any, tenant: Any) -> None:
    app = create_app(settings.model_copy(update={"maintenance": True}), services)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
        response = await c.get("/v1/organization", headers=tenant.headers)
    assert response.status_code == 503 and response.headers["retry-after"]
    assert response.json()["error"]


async def test_rate_limit_headers_and_429(client: Any, factory: Any, tenant: Any) -> None:
    token = await factory.token(tenant, rate_limit_per_minute=3)
    headers = {"X-API-Key": token}
    seen = [await client.get("/v1/organization", headers=headers) for _ in range(4)]
    assert [r.status_code for r in seen[:3]] == [200, 200, 200]
    assert seen[0].headers["x-ratelimit-limit"] == "3"
    assert [int(r.headers["x-ratelimit-remaining"]) for r in seen[:3]] == [2, 1, 0]
    assert int(seen[0].headers["x-ratelimit-reset"]) > 0
    assert seen[3].status_code == 429
    assert int(seen[3].headers["retry-after"]) >= 1
    assert "Rate limit" in seen[3].json()["error"]


async def test_rate_limit_default_comes_from_settings(
    settings: Any, services: Any, factory: Any, tenant: Any
) -> None:
    from dealbench.kit.services import Services

    own = Services.build(settings.model_copy(update={"rate_limit_per_minute": 50}))
    app = create_app(own.settings, own)
    try:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
            response = await c.get("/v1/organization", headers={"X-API-Key": await factory.token(tenant)})
    finally:
        await own.close()
    assert response.headers["x-ratelimit-limit"] == "50"


async def test_redis_rate_limit_is_shared_between_processes() -> None:
    import os
    import uuid

    url = os.environ.get("DEALBENCH_TEST_REDIS_URL")
    if not url:
        pytest.skip("DEALBENCH_TEST_REDIS_URL not set (make test sets it)")
    first, second = RateLimiter(url), RateLimiter(url)  # two processes, one Redis
    key = f"test:{uuid.uuid4().hex}"
    verdicts = [await (first if i % 2 else second).hit(key, 5) for i in range(6)]
    assert [v.allowed for v in verdicts] == [True] * 5 + [False]
    assert [v.remaining for v in verdicts[:5]] == [4, 3, 2, 1, 0]
    assert first.backend == "redis"


async def test_openapi_declares_the_scope_of_every_operation(client: Any) -> None:
    spec = (await client.get("/openapi.json")).json()
    assert spec["openapi"].startswith("3.1")
    assert spec["paths"]["/v1/tokens"]["post"]["security"] == [{"APIKeyHeader": ["tokens:write"]}]
    assert spec["paths"]["/v1/organization/users"]["get"]["security"] == [{"APIKeyHeader": ["users:read"]}]


async def test_docs_are_served_from_the_package(client: Any) -> None:
    page = await client.get("/docs")
    assert page.status_code == 200
    import re

    urls = re.findall(r"""(?:src|href)=["']([^"']+)["']""", page.text)
    assert urls and all(u.startswith("/") for u in urls), urls
    assert (await client.get("/docs-static/swagger-ui-bundle.js")).status_code == 200


@pytest.mark.parametrize("big", [2**31, 2**63 + 5])
async def test_an_id_past_the_database_range_is_400_not_500(client: Any, tenant: Any, big: int) -> None:
    response = await client.get(f"/v1/user/id/{big}", headers=tenant.headers)
    assert response.status_code == 400, response.text  # the same on SQLite (64-bit) and PostgreSQL
    assert response.json()["error"]
    assert response.json()["issues"][0]["code"] == "too_big"
