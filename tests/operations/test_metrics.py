"""/metrics: the counters move with the requests, by route template; pool use, rate-limit refusals
and imports are counted; DEALBENCH_METRICS_TOKEN guards it when set."""

from __future__ import annotations

from typing import Any

import httpx
from prometheus_client.parser import text_string_to_metric_families

from dealbench.kit import metrics
from dealbench.kit.services import Services
from dealbench.settings import Settings
from tests.factories import Factory
from tests.operations.conftest import app_with
from tests.pipeline.helpers import ok, upload


async def scrape(client: httpx.AsyncClient, **headers: str) -> dict[tuple[str, frozenset[Any]], float]:
    r = await client.get("/metrics", headers=headers)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("text/plain")
    return {
        (s.name, frozenset(s.labels.items())): s.value
        for family in text_string_to_metric_families(r.text)
        for s in family.samples
    }


def value(samples: dict[tuple[str, frozenset[Any]], float], name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


async def test_requests_are_counted_by_route_template_method_and_status(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    tenant = await factory.tenant()
    created = await client.post("/v1/deals", json={"name": "Counted"}, headers=tenant.headers)
    deal_id = created.json()["id"]
    route = "/v1/deals/{id}"
    before = await scrape(client)

    for _ in range(3):
        assert (await client.get(f"/v1/deals/{deal_id}", headers=tenant.headers)).status_code == 200
    assert (await client.get("/v1/deals/999999999", headers=tenant.headers)).status_code == 404
    assert (await client.head(f"/v1/deals/{deal_id}", headers=tenant.headers)).status_code == 200
    assert (await client.get("/no/such/route")).status_code == 404
    after = await scrape(client)

    def requests(**labels: str) -> float:
        name = "dealbench_http_requests_total"
        return value(after, name, **labels) - value(before, name, **labels)

    assert requests(route=route, method="GET", status="200") == 3
    assert requests(route=route, method="GET", status="404") == 1
    assert requests(route=route, method="HEAD", status="200") == 1
    assert requests(route="unmatched", method="GET", status="404") == 1
    hist = "dealbench_http_request_duration_seconds_count"
    assert value(after, hist, route=route, method="GET") - value(before, hist, route=route, method="GET") == 4
    # the raw path never becomes a label
    text = (await client.get("/metrics")).text
    assert f"/v1/deals/{deal_id}" not in text and "/no/such/route" not in text


async def test_an_unknown_method_does_not_make_a_series_of_its_own(client: httpx.AsyncClient) -> None:
    await client.request("BREW", "/healthz")
    text = (await client.get("/metrics")).text
    assert "BREW" not in text and 'method="other"' in text


async def test_rate_limit_refusals_are_counted(client: httpx.AsyncClient, factory: Factory) -> None:
    tenant = await factory.tenant()
    token = await factory.token(tenant, scopes=["*"], rate_limit_per_minute=1)
    before = await scrape(client)
    assert (await client.get("/v1/organization", headers={"X-API-Key": token})).status_code == 200
    assert (await client.get("/v1/organization", headers={"X-API-Key": token})).status_code == 429
    after = await scrape(client)
    name = "dealbench_rate_limit_refusals_total"
    assert value(after, name, limit="token") - value(before, name, limit="token") == 1


async def test_imports_count_rows_imported_and_rejected_and_failed_files(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    tenant = await factory.tenant()
    before = await scrape(client)
    data = ok(
        await upload(client, "opportunities", "opp_id,opp_name\nM1,One\nM2,Two\n,No id\n", tenant.headers)
    )
    assert (data["total_imported_rows"], data["total_error_rows"]) == (2, 1)
    refused = await upload(client, "opportunities", "colour,flavour\nred,sweet\n", tenant.headers)
    assert refused.status_code == 400
    after = await scrape(client)

    def delta(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    assert delta("dealbench_imports_total", kind="opportunities", outcome="completed") == 1
    assert delta("dealbench_imports_total", kind="opportunities", outcome="failed") == 1
    assert delta("dealbench_import_rows_total", kind="opportunities", result="imported") == 2
    assert delta("dealbench_import_rows_total", kind="opportunities", result="rejected") == 1


async def test_pool_use_follows_checked_out_connections(
    client: httpx.AsyncClient, services: Services, is_postgres: bool
) -> None:
    before = await scrape(client)
    async with services.engine.connect() as conn:
        await conn.exec_driver_sql("SELECT 1")
        during = await scrape(client)
    after = await scrape(client)
    name = "dealbench_db_pool_checked_out"
    assert value(during, name) - value(before, name) == 1
    assert value(after, name) == value(before, name)
    if is_postgres:
        assert value(after, "dealbench_db_pool_size") >= services.engine.pool.size()  # type: ignore[attr-defined]


async def test_webhook_delivery_counter_is_exposed_for_the_delivery_worker(client: httpx.AsyncClient) -> None:
    before = await scrape(client)
    metrics.webhook_delivered()
    metrics.webhook_failed()
    after = await scrape(client)
    for outcome in ("delivered", "failed"):
        name = "dealbench_webhook_deliveries_total"
        assert value(after, name, outcome=outcome) - value(before, name, outcome=outcome) == 1


async def test_metrics_is_open_without_a_token_setting(client: httpx.AsyncClient) -> None:
    assert (await client.get("/metrics")).status_code == 200


async def test_the_metrics_token_is_required_when_set(settings: Settings) -> None:
    async with app_with(settings, metrics_token="m3trics-t0ken") as (_, c):
        missing = await c.get("/metrics")
        wrong = await c.get("/metrics", headers={"Authorization": "Bearer nope"})
        api_key = await c.get("/metrics", headers={"X-API-Key": "m3trics-t0ken"})
        right = await c.get("/metrics", headers={"Authorization": "Bearer m3trics-t0ken"})
        probes = [(await c.get(p)).status_code for p in ("/healthz", "/readyz")]
    assert missing.status_code == wrong.status_code == api_key.status_code == 401
    assert missing.headers["www-authenticate"] == "Bearer"
    assert "m3trics-t0ken" not in missing.text
    assert right.status_code == 200 and "dealbench_http_requests_total" in right.text
    assert probes == [200, 200]  # the probes stay open
