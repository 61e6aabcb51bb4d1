"""The reference for bench/sales.py: bare Starlette routes running the same SQL as
GET /v1/tickets?limit=100 (token lookup, count, page, links, labels) and GET /v1/deals?limit=100
(token lookup, count, page) with asyncpg, answering the same JSON with orjson. No framework, no
validation, no middleware, no rate limit."""

from __future__ import annotations

import hashlib
import hmac
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any

import asyncpg
import orjson
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

DSN = os.environ["BARE_DATABASE_URL"]
SECRET = os.environ.get("DEALBENCH_SECRET_KEY", "bench-secret")
pool: asyncpg.Pool | None = None

TOKEN_SQL = (
    "SELECT t.id, t.organization_id FROM api_tokens t JOIN organizations o ON o.id = t.organization_id "
    "LEFT JOIN users u ON u.id = t.user_id WHERE t.token_hash = $1"
)
TICKET_COLUMNS = [
    ("type", "type"),
    ("state", "state"),
    ("id", "id"),
    ("createdAt", "created_at"),
    ("updatedAt", "updated_at"),
    ("closedAt", "closed_at"),
    ("organizationId", "organization_id"),
    ("createdByUserId", "created_by_user_id"),
    ("title", "title"),
    ("description", "description"),
    ("vendorEntityId", "vendor_entity_id"),
    ("vendorEntityKey", "vendor_entity_key"),
    ("integrationInstallationId", "integration_installation_id"),
    ("targetDueDate", "target_due_date"),
    ("vendorEntityUrl", "vendor_entity_url"),
]
TICKET_STAMPS = ("createdAt", "updatedAt", "closedAt", "targetDueDate")
DEAL_COLUMNS = [
    ("id", "id"),
    ("uuid", "uuid"),
    ("createdAt", "created_at"),
    ("updatedAt", "updated_at"),
    ("organizationId", "organization_id"),
    ("createdByUserId", "created_by_user_id"),
    ("ownerUserId", "owner_user_id"),
    ("integrationInstallationId", "integration_installation_id"),
    ("vendorEntityId", "vendor_entity_id"),
    ("vendorEntityUrl", "vendor_entity_url"),
    ("companyVendorEntityId", "company_vendor_entity_id"),
    ("companyDomain", "company_domain"),
    ("accountName", "account_name"),
    ("accountWebsite", "account_website"),
    ("evaluationId", "evaluation_id"),
    ("createdDate", "created_date"),
    ("updatedDate", "updated_date"),
    ("deleted", "deleted"),
    ("deletedDate", "deleted_date"),
    ("name", "name"),
    ("pipeline", "pipeline"),
    ("stage", "stage"),
    ("forecastCategory", "forecast_category"),
    ("opportunityType", "opportunity_type"),
    ("amount", "amount::float8"),
    ("expectedRevenue", "expected_revenue::float8"),
    ("probability", "probability"),
    ("description", "description"),
    ("closed", "closed"),
    ("won", "won"),
    ("closeDate", "close_date"),
    ("closedLostReason", "closed_lost_reason"),
    ("closedWonReason", "closed_won_reason"),
    ("nextStep", "next_step"),
    ("stageHistory", "stage_history"),
    ("pilotEndDate", "pilot_end_date"),
    ("pilotDurationSeconds", "pilot_duration_seconds"),
    ("latestStageVendorEntityIdBeforeClosedLost", "latest_stage_vendor_entity_id_before_closed_lost"),
    ("logoUrl", "logo_url"),
    ("summary", "NULL"),
    ("summaryUpdatedAt", "NULL"),
    ("salesProcessId", "sales_process_id"),
    ("salesProcessStageId", "sales_process_stage_id"),
    ("pilotResult", "pilot_result"),
]
DEAL_STAMPS = (
    "createdAt",
    "updatedAt",
    "createdDate",
    "updatedDate",
    "deletedDate",
    "closeDate",
    "pilotEndDate",
)
TICKET_SQL = (
    "SELECT "
    + ", ".join(c for _, c in TICKET_COLUMNS)
    + " FROM tickets WHERE organization_id = $1 ORDER BY id LIMIT $2 OFFSET $3"
)
DEAL_SQL = (
    "SELECT "
    + ", ".join(c for _, c in DEAL_COLUMNS)
    + " FROM deals WHERE organization_id = $1 AND deleted = false ORDER BY id LIMIT $2 OFFSET $3"
)
LINKS_SQL = (
    "SELECT td.ticket_id, d.id, d.evaluation_id, d.name, td.priority, td.shared_with_buyer, d.amount::float8 "
    "FROM ticket_deals td JOIN deals d ON d.id = td.deal_id "
    "WHERE td.ticket_id = ANY($1::int[]) AND d.deleted = false ORDER BY td.ticket_id, d.id"
)
LABELS_SQL = (
    "SELECT tl.ticket_id, l.name FROM ticket_labels tl JOIN labels l ON l.id = tl.label_id "
    "WHERE tl.ticket_id = ANY($1::int[]) ORDER BY tl.ticket_id, l.name"
)


def iso(value: datetime) -> str:
    value = value.astimezone(UTC)
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


async def json_codecs(conn: asyncpg.Connection, kinds: tuple[str, ...] = ("jsonb",)) -> None:
    """Decode and encode `kinds` (PostgreSQL JSON types) with orjson on `conn`."""
    for kind in kinds:
        await conn.set_type_codec(
            kind, encoder=orjson.dumps, decoder=orjson.loads, schema="pg_catalog", format="text"
        )


@asynccontextmanager
async def lifespan(_app: Starlette) -> AsyncIterator[None]:
    global pool
    pool = await asyncpg.create_pool(DSN, min_size=2, max_size=10, init=json_codecs)
    yield
    await pool.close()


def _unauthorized() -> Response:
    return Response(b'{"error":"The provided API token is invalid."}', 401, media_type="application/json")


def _digest(request: Request) -> str:
    token = request.headers.get("x-api-key", "")
    return hmac.new(SECRET.encode(), token.encode(), hashlib.sha256).hexdigest()


def _items(rows: list[Any], columns: list[tuple[str, str]], stamps: tuple[str, ...]) -> list[dict[str, Any]]:
    keys = [k for k, _ in columns]
    items = [dict(zip(keys, r, strict=True)) for r in rows]
    for item in items:
        for key in stamps:
            if item[key] is not None:
                item[key] = iso(item[key])
    return items


async def tickets(request: Request) -> Response:
    assert pool is not None
    limit = int(request.query_params.get("limit", 100))
    offset = int(request.query_params.get("offset", 0))
    async with pool.acquire() as conn:
        tok = await conn.fetchrow(TOKEN_SQL, _digest(request))
        if tok is None:
            return _unauthorized()
        org = tok["organization_id"]
        total = await conn.fetchval("SELECT count(id) FROM tickets WHERE organization_id = $1", org)
        rows = await conn.fetch(TICKET_SQL, org, limit, offset)
        items = _items(rows, TICKET_COLUMNS, TICKET_STAMPS)
        ids = [i["id"] for i in items]
        links = await conn.fetch(LINKS_SQL, ids)
        labels = await conn.fetch(LABELS_SQL, ids)
    by_ticket: dict[int, list[dict[str, Any]]] = {i: [] for i in ids}
    sums: dict[int, float] = dict.fromkeys(ids, 0.0)
    for tid, did, eid, name, priority, shared, amount in links:
        by_ticket[tid].append(
            {"id": did, "evaluationId": eid, "name": name, "priority": priority, "sharedWithBuyer": shared}
        )
        if amount is not None:
            sums[tid] += amount
    names: dict[int, list[str]] = {i: [] for i in ids}
    for tid, name in labels:
        names[tid].append(name)
    for item in items:
        item["linkedDeals"] = by_ticket[item["id"]]
        item["dealAmountSum"] = sums[item["id"]]
        item["labels"] = names[item["id"]]
    body = {"items": items, "limit": limit, "offset": offset, "totalCount": total}
    return Response(orjson.dumps(body), media_type="application/json")


async def deals(request: Request) -> Response:
    assert pool is not None
    limit = int(request.query_params.get("limit", 100))
    offset = int(request.query_params.get("offset", 0))
    async with pool.acquire() as conn:
        tok = await conn.fetchrow(TOKEN_SQL, _digest(request))
        if tok is None:
            return _unauthorized()
        org = tok["organization_id"]
        total = await conn.fetchval(
            "SELECT count(id) FROM deals WHERE organization_id = $1 AND deleted = false", org
        )
        rows = await conn.fetch(DEAL_SQL, org, limit, offset)
    items = _items(rows, DEAL_COLUMNS, DEAL_STAMPS)
    for item in items:
        item["uuid"] = str(item["uuid"])
    body = {"items": items, "limit": limit, "offset": offset, "totalCount": total}
    return Response(orjson.dumps(body), media_type="application/json")


async def healthz(_: Request) -> Response:
    return Response(b'{"status":"ok"}', media_type="application/json")


app = Starlette(
    routes=[Route("/v1/tickets", tickets), Route("/v1/deals", deals), Route("/healthz", healthz)],
    lifespan=lifespan,
)
