"""The reference for bench/reads.py: bare Starlette routes doing the work of Dealbench's hot reads
with asyncpg, answering the same JSON with orjson — the token lookup by keyed hash, the
tenant-scoped statements, nothing else (no framework, no validation, no middleware, no rate limit,
no ETag). It is the floor, not a competitor.

Single objects: ``/v1/deals/{id | eid:...}``, ``/v1/tickets/{id}``, ``/v1/evaluations/{id}``,
``/v1/projects/{projectId}/documents/{documentId}``; lists: ``/v1/tickets``, ``/v1/deals`` (from
bench/bare_sales.py) and ``/v1/organization/users`` (from bench/bare_users.py).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import asyncpg
import orjson
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from bench import bare_sales, bare_users
from bench.bare_sales import (
    DEAL_COLUMNS,
    DEAL_STAMPS,
    LABELS_SQL,
    LINKS_SQL,
    TICKET_COLUMNS,
    TICKET_STAMPS,
    TOKEN_SQL,
    _digest,
    _items,
    _unauthorized,
)

DSN = bare_sales.DSN
pool: asyncpg.Pool | None = None

DEAL_ONE_COLUMNS = [
    (k, "summary" if k == "summary" else "summary_updated_at" if k == "summaryUpdatedAt" else c)
    for k, c in DEAL_COLUMNS
]
DEAL_ONE_STAMPS = (*DEAL_STAMPS, "summaryUpdatedAt")
_DEAL_SELECT = (
    "SELECT " + ", ".join(c for _, c in DEAL_ONE_COLUMNS) + " FROM deals WHERE organization_id = $1 "
)
DEAL_BY_ID_SQL = _DEAL_SELECT + "AND id = $2"
DEAL_BY_EID_SQL = _DEAL_SELECT + "AND vendor_entity_id = $2"
TICKET_ONE_SQL = (
    "SELECT "
    + ", ".join(c for _, c in TICKET_COLUMNS)
    + " FROM tickets WHERE organization_id = $1 AND id = $2"
)

EVALUATION_COLUMNS = [
    ("id", "id"),
    ("createdAt", "created_at"),
    ("updatedAt", "updated_at"),
    ("title", "title"),
    ("description", "description"),
    ("mode", "mode"),
    ("active", "active"),
    ("organizationId", "organization_id"),
    ("createdByUserId", "created_by_user_id"),
    ("accessCode", "access_code"),
    ("buyerAccessLevel", "buyer_access_level"),
    ("brandingColorHex", "branding_color_hex"),
    ("startDate", "start_date"),
    ("targetEndDate", "target_end_date"),
    ("buyerNotificationsEnabled", "buyer_notifications_enabled"),
    ("currentStageId", "current_stage_id"),
    ("currentProcessPositionRank", "current_process_position_rank"),
    ("allProcessesPositionRank", "all_processes_position_rank"),
    ("derivedFromTemplateId", "derived_from_template_id"),
    ("salesProcessId", "sales_process_id"),
    ("defaultAssigneeUserId", "default_assignee_user_id"),
]
EVALUATION_STAMPS = ("createdAt", "updatedAt", "startDate", "targetEndDate")
EVALUATION_SQL = (
    "SELECT "
    + ", ".join(c for _, c in EVALUATION_COLUMNS)
    + " FROM evaluations WHERE organization_id = $1 AND id = $2"
)
OUTCOMES = ("EXCEEDS", "MEETS", "PARTIALLY_MEETS", "DOES_NOT_MEET", "UNSET")

DOCUMENT_COLUMNS = [
    ("id", "id"),
    ("projectId", "project_id"),
    ("folderId", "folder_id"),
    ("name", "name"),
    ("fileName", "file_name"),
    ("contentType", "content_type"),
    ("size", "size"),
    ("sha256", "sha256"),
    ("md5", "md5"),
    ("versionCount", "version_count"),
    ("currentVersionId", "current_version_id"),
    ("duplicateOfDocumentId", "duplicate_of_document_id"),
    ("sharedWithBuyer", "shared_with_buyer"),
    ("createdAt", "created_at"),
    ("updatedAt", "updated_at"),
    ("createdByUserId", "created_by_user_id"),
]
DOCUMENT_SQL = (
    "SELECT "
    + ", ".join(c for _, c in DOCUMENT_COLUMNS)
    + ", description, document_date, field_values FROM documents "
    "WHERE organization_id = $1 AND project_id = $2 AND id = $3"
)


@asynccontextmanager
async def lifespan(_app: Starlette) -> AsyncIterator[None]:
    global pool

    async def init(conn: asyncpg.Connection) -> None:
        await bare_sales.json_codecs(conn, ("jsonb", "json"))

    pool = await asyncpg.create_pool(DSN, min_size=2, max_size=10, init=init)
    bare_sales.pool = bare_users.pool = pool
    yield
    await pool.close()


def _json(body: Any) -> Response:
    return Response(orjson.dumps(body), media_type="application/json")


def _not_found(what: str) -> Response:
    return Response(orjson.dumps({"error": f"{what} not found."}), 404, media_type="application/json")


async def _org(conn: asyncpg.Connection, request: Request) -> int | None:
    tok = await conn.fetchrow(TOKEN_SQL, _digest(request))
    return None if tok is None else int(tok["organization_id"])


async def deal(request: Request) -> Response:
    assert pool is not None
    ref: str = request.path_params["ref"]
    async with pool.acquire() as conn:
        org = await _org(conn, request)
        if org is None:
            return _unauthorized()
        if ref.startswith("eid:"):
            row = await conn.fetchrow(DEAL_BY_EID_SQL, org, ref[4:])
        else:
            row = await conn.fetchrow(DEAL_BY_ID_SQL, org, int(ref))
    if row is None:
        return _not_found("Deal")
    item = _items([row], DEAL_ONE_COLUMNS, DEAL_ONE_STAMPS)[0]
    item["uuid"] = str(item["uuid"])
    return _json(item)


async def ticket(request: Request) -> Response:
    assert pool is not None
    ticket_id = int(request.path_params["id"])
    async with pool.acquire() as conn:
        org = await _org(conn, request)
        if org is None:
            return _unauthorized()
        row = await conn.fetchrow(TICKET_ONE_SQL, org, ticket_id)
        if row is None:
            return _not_found("Ticket")
        links = await conn.fetch(LINKS_SQL, [ticket_id])
        labels = await conn.fetch(LABELS_SQL, [ticket_id])
    item = _items([row], TICKET_COLUMNS, TICKET_STAMPS)[0]
    item["linkedDeals"] = [
        {"id": did, "evaluationId": eid, "name": name, "priority": priority, "sharedWithBuyer": shared}
        for _, did, eid, name, priority, shared, _amount in links
    ]
    item["dealAmountSum"] = sum(a for *_, a in links if a is not None) + 0.0
    item["labels"] = [name for _, name in labels]
    return _json(item)


async def evaluation(request: Request) -> Response:
    assert pool is not None
    evaluation_id = int(request.path_params["id"])
    async with pool.acquire() as conn:
        org = await _org(conn, request)
        if org is None:
            return _unauthorized()
        row = await conn.fetchrow(EVALUATION_SQL, org, evaluation_id)
        if row is None:
            return _not_found("Evaluation")
        deal_id = await conn.fetchval("SELECT id FROM deals WHERE evaluation_id = $1", evaluation_id)
        criteria = await conn.fetch(
            "SELECT outcome, count(*) FROM success_criteria WHERE evaluation_id = $1 GROUP BY outcome",
            evaluation_id,
        )
        tasks = await conn.fetch(
            "SELECT completed, count(*) FROM evaluation_tasks WHERE evaluation_id = $1 GROUP BY completed",
            evaluation_id,
        )
    item = _items([row], EVALUATION_COLUMNS, EVALUATION_STAMPS)[0]
    by_outcome = dict.fromkeys(OUTCOMES, 0)
    for outcome, n in criteria:
        by_outcome[outcome or "UNSET"] += n
    item["dealId"] = deal_id
    item["progress"] = {
        "criteriaTotal": sum(by_outcome.values()),
        "criteriaByOutcome": by_outcome,
        "tasksTotal": sum(n for _, n in tasks),
        "tasksDone": sum(n for done, n in tasks if done),
    }
    return _json(item)


async def document(request: Request) -> Response:
    assert pool is not None
    project_id = int(request.path_params["project"])
    document_id = int(request.path_params["document"])
    async with pool.acquire() as conn:
        org = await _org(conn, request)
        if org is None:
            return _unauthorized()
        project = await conn.fetchval(
            "SELECT id FROM projects WHERE organization_id = $1 AND id = $2", org, project_id
        )
        if project is None:
            return _not_found("Project")
        row = await conn.fetchrow(DOCUMENT_SQL, org, project_id, document_id)
    if row is None:
        return _not_found("Document")
    item = _items([tuple(row)[: len(DOCUMENT_COLUMNS)]], DOCUMENT_COLUMNS, ("createdAt", "updatedAt"))[0]
    item["fields"] = {
        "name": item["name"],
        "date": row["document_date"],
        "description": row["description"],
        "fileName": item["fileName"],
        "addedBy": item["createdByUserId"],
        "dateAdded": item["createdAt"],
        **(row["field_values"] or {}),
    }
    return _json(item)


async def healthz(_: Request) -> Response:
    return Response(b'{"status":"ok"}', media_type="application/json")


app = Starlette(
    routes=[
        Route("/v1/deals/{ref}", deal),
        Route("/v1/tickets/{id:int}", ticket),
        Route("/v1/evaluations/{id:int}", evaluation),
        Route("/v1/projects/{project:int}/documents/{document:int}", document),
        Route("/v1/tickets", bare_sales.tickets),
        Route("/v1/deals", bare_sales.deals),
        Route("/v1/organization/users", bare_users.users),
        Route("/healthz", healthz),
    ],
    lifespan=lifespan,
)
