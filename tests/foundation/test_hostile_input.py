"""Hostile input every route shares: the NUL character, ids that are not integers, oversized bodies
without a length, and the security headers of the answers. Each is refused with a 4xx in the route's
dialect, the same on SQLite and PostgreSQL, and nothing is stored."""

from __future__ import annotations

import importlib
import json
import pkgutil
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from pydantic import ValidationError

import dealbench
from dealbench.kit.schemas import InModel
from dealbench.models import Deal


@pytest.fixture
async def tenant(factory: Any) -> Any:
    return await factory.tenant()


async def _deal_count(factory: Any, organization_id: int) -> int:
    from sqlalchemy import func, select

    async with factory.services.sessionmaker() as session:
        stmt = select(func.count()).select_from(Deal).where(Deal.organization_id == organization_id)
        return int((await session.execute(stmt)).scalar_one())


# --- NUL --------------------------------------------------------------------------------------


async def test_nul_in_json_bodies_is_a_zod_issue_at_its_path(client: Any, tenant: Any, factory: Any) -> None:
    r = await client.post("/v1/deals", json={"name": "a\u0000b"}, headers=tenant.headers)
    assert r.status_code == 400, r.text
    assert r.json()["issues"][0]["path"] == ["name"] and "NUL" in r.json()["issues"][0]["message"]
    nested = {"title": "T", "phases": [{"title": "ok"}, {"title": "P", "criteria": [{"title": "x\u0000"}]}]}
    r = await client.post("/v1/plan-templates", json=nested, headers=tenant.headers)
    assert r.status_code == 400, r.text
    assert r.json()["issues"][0]["path"] == ["phases", 1, "criteria", 0, "title"]
    r = await client.post(
        "/v1/deals", json={"name": "n", "stageHistory": {"k\u0000": 1}}, headers=tenant.headers
    )
    assert r.status_code == 400 and r.json()["issues"][0]["path"] == ["stageHistory", "k"]
    untyped = await client.post("/v1/deals", content=b'{"name": "a\\u0000"}', headers=tenant.headers)
    assert untyped.status_code == 400 and untyped.json()["issues"][0]["path"] == ["name"], untyped.text
    # an escaped backslash before u0000 is text, not a NUL
    r = await client.post("/v1/deals", json={"name": "a\\u0000b"}, headers=tenant.headers)
    assert r.status_code == 201 and r.json()["name"] == "a\\u0000b"
    assert await _deal_count(factory, tenant.org.id) == 1


async def test_nul_in_query_path_and_form_values(client: Any, tenant: Any) -> None:
    r = await client.get("/v1/deals?q=%00", headers=tenant.headers)
    assert r.status_code == 400 and r.json()["issues"][0]["path"] == ["q"], r.text
    r = await client.get("/v1/deals/eid:%00", headers=tenant.headers)
    assert r.status_code == 400 and "NUL" in r.json()["error"], r.text
    r = await client.get("/api/v1/opportunities/my?limit=1%00", headers=tenant.headers)
    assert r.status_code == 400 and r.json() == {
        "status": "fail",
        "data": {"limit": "Text may not contain the NUL character (\\u0000)."},
    }
    form = await client.post(
        "/graphql", data={"query": "{ apiVersion }", "operationName": "\u0000"}, headers=tenant.headers
    )
    assert form.status_code == 400
    assert form.json()["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    variables = await client.post(
        "/graphql",
        json={"query": "query ($q: String) { deals(q: $q) { total } }", "variables": {"q": "\u0000"}},
        headers=tenant.headers,
    )
    assert variables.status_code == 400
    assert variables.json()["errors"][0]["extensions"]["issues"][0]["path"] == ["variables", "q"]
    as_text = await client.post(
        "/graphql",
        data={"query": "query ($q: String) { deals(q: $q) { total } }", "variables": '{"q": "\\u0000"}'},
        headers=tenant.headers,
    )
    assert as_text.status_code == 400, as_text.text
    assert as_text.json()["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


async def test_nul_in_a_mutation_argument_stores_nothing(client: Any, tenant: Any, factory: Any) -> None:
    r = await client.post(
        "/graphql",
        json={"query": 'mutation { createDeal(input: {name: "a\\u0000"}) { id } }'},
        headers=tenant.headers,
    )
    assert r.status_code == 400 and r.json()["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert await _deal_count(factory, tenant.org.id) == 0


# --- ids ----------------------------------------------------------------------------------------


def _body_models() -> Iterator[type[InModel]]:
    for module in pkgutil.walk_packages(dealbench.__path__, "dealbench."):
        if module.name.endswith(".schemas"):
            importlib.import_module(module.name)
    pending: list[type[InModel]] = [InModel]
    while pending:
        cls = pending.pop()
        pending.extend(cls.__subclasses__())
        if cls is not InModel:
            yield cls


def _refused(model: type[InModel], alias: str, value: Any) -> bool:
    """Whether ``{alias: value}`` is refused at ``alias`` (other fields may be missing: ignored)."""
    try:
        model.model_validate_json(json.dumps({alias: value}))
    except ValidationError as exc:
        return any(err["loc"][:1] == (alias,) for err in exc.errors())
    return False


def test_every_id_field_of_every_body_schema_is_a_strict_integer() -> None:
    checked = []
    for model in _body_models():
        for name, field in model.model_fields.items():
            if not (name in {"id", "ids"} or name.endswith(("_id", "_ids"))):
                continue
            alias = field.alias or name
            if _refused(model, alias, 1) and _refused(model, alias, [1]):
                continue  # not a number at all: an external id (`vendorEntityId`, `accountId`)
            references = not _refused(model, alias, "eid:x")  # a deal reference also takes text
            for bad in (True, False, 1.5, *([] if references else ["1"])):
                value = [bad] if name.endswith("ids") else bad
                assert _refused(model, alias, value), (model.__name__, alias, bad)
            checked.append(f"{model.__name__}.{name}")
    assert {
        "DealCreate.owner_user_id",
        "Reorder.ids",
        "TicketDealIn.id",
        "StageCreate.sales_process_id",
    } <= set(checked)
    assert len(checked) > 30


async def test_an_id_sent_as_a_boolean_or_a_string_is_refused(client: Any, tenant: Any, factory: Any) -> None:
    for owner in (True, "1", 1.0):
        r = await client.post("/v1/deals", json={"name": "d", "ownerUserId": owner}, headers=tenant.headers)
        assert r.status_code == 400, (owner, r.text)
        assert r.json()["issues"][0]["path"] == ["ownerUserId"]
    r = await client.post("/v1/projects", json={"name": "p", "dealId": True}, headers=tenant.headers)
    assert r.status_code == 400 and r.json()["issues"][0]["path"] == ["dealId"], r.text
    assert await _deal_count(factory, tenant.org.id) == 0
    r = await client.post(
        "/v1/deals", json={"name": "d", "ownerUserId": tenant.admin.id}, headers=tenant.headers
    )
    assert r.status_code == 201 and r.json()["ownerUserId"] == tenant.admin.id


# --- bodies without a length ------------------------------------------------------------------


async def _chunks(total: int, size: int = 1024 * 1024) -> AsyncIterator[bytes]:
    yield b'{"name": "'
    sent = 0
    while sent < total:
        yield b"x" * size
        sent += size
    yield b'"}'


@pytest.mark.parametrize(
    ("path", "shape"),
    [("/v1/deals", "opine"), ("/api/v1/opportunities/my", "jsend"), ("/graphql", "graphql")],
)
async def test_a_chunked_body_over_the_limit_is_413_in_every_dialect(
    client: Any, tenant: Any, path: str, shape: str
) -> None:
    r = await client.post(
        path,
        content=_chunks(11 * 1024 * 1024),
        headers={**tenant.headers, "Content-Type": "application/json"},
    )
    assert r.status_code == 413, r.text
    body = r.json()
    if shape == "opine":
        assert "too large" in body["error"]
    elif shape == "jsend":
        assert body["status"] == "fail" and "too large" in body["data"]["message"]
    else:
        assert body["errors"][0]["extensions"]["code"] == "PAYLOAD_TOO_LARGE"


async def test_a_chunked_body_within_the_limit_is_read_whole(client: Any, tenant: Any) -> None:
    async def small() -> AsyncIterator[bytes]:
        yield b'{"name": "chun'
        yield b'ked"}'

    r = await client.post(
        "/v1/deals", content=small(), headers={**tenant.headers, "Content-Type": "application/json"}
    )
    assert r.status_code == 201 and r.json()["name"] == "chunked"


# --- security headers -------------------------------------------------------------------------


async def test_answers_carry_security_headers(client: Any, tenant: Any) -> None:
    for response in (
        await client.get("/v1/organization", headers=tenant.headers),
        await client.get("/v1/deals/999999", headers=tenant.headers),
        await client.get("/api/v1/opportunities/my", headers=tenant.headers),
        await client.post("/graphql", json={"query": "{ apiVersion }"}),
    ):
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["referrer-policy"] == "no-referrer"


async def test_pages_cannot_be_framed_and_still_load(client: Any) -> None:
    docs = await client.get("/docs")
    assert docs.status_code == 200 and "swagger-ui-bundle.js" in docs.text
    assert docs.headers["x-frame-options"] == "DENY"
    assert docs.headers["content-security-policy"] == "frame-ancestors 'none'"
    assert docs.headers["x-content-type-options"] == "nosniff"
    for url in ("/graphql", "/graphql/voyager"):
        page = await client.get(url, headers={"Accept": "text/html"})
        assert page.status_code == 200 and "/graphql/static/" in page.text
        assert page.headers["x-frame-options"] == "DENY"
        csp = page.headers["content-security-policy"]
        assert "frame-ancestors 'none'" in csp and "script-src 'self'" in csp
    asset = await client.get("/docs-static/swagger-ui-bundle.js")
    assert asset.status_code == 200 and asset.headers["x-content-type-options"] == "nosniff"
