"""The OpenAPI document says what the server answers."""

from __future__ import annotations

from typing import Any

import pytest

from dealbench.app import create_app
from dealbench.settings import Settings

SPEC = create_app(Settings(secret_key="contract", database_url="sqlite:///:memory:")).openapi()
API = ("/v1/", "/api/v1/")


def _operations() -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method, path, op)
        for path, item in SPEC["paths"].items()
        if path.startswith(API) or path == "/graphql"
        for method, op in item.items()
        if isinstance(op, dict) and "responses" in op
    ]


def test_no_operation_documents_a_422_but_the_reused_idempotency_key() -> None:
    for method, path, op in _operations():
        if "422" in op["responses"]:
            assert (
                method in {"post", "patch"} and "Idempotency-Key" in op["responses"]["422"]["description"]
            ), (
                method,
                path,
            )
    assert "HTTPValidationError" not in SPEC["components"]["schemas"]


@pytest.mark.parametrize(
    ("method", "path", "op"), _operations(), ids=lambda v: v if isinstance(v, str) else ""
)
def test_every_operation_lists_the_errors_it_can_answer(method: str, path: str, op: dict[str, Any]) -> None:
    statuses = set(op["responses"])
    expected = {"400", "500", "503"}
    if op.get("security"):
        expected |= {"401", "403", "429"}
    if "{" in path:
        expected.add("404")
    if "requestBody" in op:
        expected |= {"413", "415"}
    assert expected <= statuses, (method, path, expected - statuses)
    for status in expected:
        content = op["responses"][status].get("content", {}).get("application/json", {})
        assert content.get("schema", {}).get("$ref", "").startswith("#/components/schemas/"), (path, status)
        assert "example" in content, (path, status)
    if "429" in statuses:
        assert {"Retry-After", "RateLimit", "RateLimit-Policy"} <= set(op["responses"]["429"]["headers"])


def test_error_bodies_are_named_per_dialect() -> None:
    deals = SPEC["paths"]["/v1/deals"]["post"]["responses"]
    upload = SPEC["paths"]["/api/v1/admin/opportunities/upload"]["post"]["responses"]
    assert deals["400"]["content"]["application/json"]["schema"]["$ref"].endswith("/ValidationError")
    assert deals["404" if "404" in deals else "401"]["content"]["application/json"]["schema"][
        "$ref"
    ].endswith("/Error")
    assert upload["400"]["content"]["application/json"]["schema"]["$ref"].endswith("/JSendFail")
    assert upload["500"]["content"]["application/json"]["schema"]["$ref"].endswith("/JSendError")


def test_answer_timestamps_are_date_times() -> None:
    deal = SPEC["components"]["schemas"]["DealOut"]["properties"]
    assert deal["createdAt"] == {"type": "string", "format": "date-time", "title": "Createdat"} or (
        deal["createdAt"].get("format") == "date-time"
    )


def test_optional_update_fields_that_refuse_null_are_not_nullable() -> None:
    update = SPEC["components"]["schemas"]["DealUpdate"]["properties"]
    for name in ("name", "closed", "won"):
        assert "anyOf" not in update[name] and update[name].get("type") != "null", update[name]
        assert "default" not in update[name]


def test_post_and_patch_take_an_idempotency_key() -> None:
    params = SPEC["paths"]["/v1/deals"]["post"].get("parameters", [])
    assert any(p["name"] == "Idempotency-Key" and p["in"] == "header" for p in params)
