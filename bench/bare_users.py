"""The reference for bench/foundation.py: a bare Starlette route running the same SQL as
GET /v1/organization/users?limit=100 (token lookup, count, page) with asyncpg, answering the
same JSON with orjson. No framework, no validation, no middleware."""

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


def iso(value: datetime) -> str:
    value = value.astimezone(UTC)
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


@asynccontextmanager
async def lifespan(_app: Starlette) -> AsyncIterator[None]:
    global pool
    pool = await asyncpg.create_pool(DSN, min_size=2, max_size=10)
    yield
    await pool.close()


async def users(request: Request) -> Response:
    assert pool is not None
    token = request.headers.get("x-api-key", "")
    digest = hmac.new(SECRET.encode(), token.encode(), hashlib.sha256).hexdigest()
    limit = int(request.query_params.get("limit", 100))
    offset = int(request.query_params.get("offset", 0))
    async with pool.acquire() as conn:
        tok = await conn.fetchrow(
            "SELECT t.id, t.organization_id FROM api_tokens t JOIN organizations o ON o.id = t.organization_id "
            "LEFT JOIN users u ON u.id = t.user_id WHERE t.token_hash = $1",
            digest,
        )
        if tok is None:
            return Response(
                b'{"error":"The provided API token is invalid."}', 401, media_type="application/json"
            )
        org = tok["organization_id"]
        total = await conn.fetchval(
            "SELECT count(*) FROM users WHERE organization_id = $1 AND deleted_at IS NULL", org
        )
        rows = await conn.fetch(
            "SELECT id, email, first_name, last_name, role, created_at, updated_at FROM users "
            "WHERE organization_id = $1 AND deleted_at IS NULL ORDER BY id LIMIT $2 OFFSET $3",
            org,
            limit,
            offset,
        )
    items: list[dict[str, Any]] = [
        {
            "id": r["id"],
            "email": r["email"],
            "firstName": r["first_name"],
            "lastName": r["last_name"],
            "role": r["role"],
            "createdAt": iso(r["created_at"]),
            "updatedAt": iso(r["updated_at"]),
        }
        for r in rows
    ]
    body = {"items": items, "limit": limit, "offset": offset, "totalCount": total}
    return Response(orjson.dumps(body), media_type="application/json")


async def healthz(_: Request) -> Response:
    return Response(b'{"status":"ok"}', media_type="application/json")


app = Starlette(
    routes=[Route("/v1/organization/users", users), Route("/healthz", healthz)], lifespan=lifespan
)
