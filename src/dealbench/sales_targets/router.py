"""``/v1/sales-targets`` (Opine dialect): monthly quotas per sales rep."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query
from starlette.responses import Response

from dealbench.auth.principal import Principal
from dealbench.auth.tokens import scoped
from dealbench.kit.etags import IfMatch, IfNoneMatch, require_current, tagged_response
from dealbench.kit.fastjson import json_response
from dealbench.kit.locks import Lock
from dealbench.kit.pagination import Paging
from dealbench.kit.routing import add_update_route
from dealbench.kit.schemas import Page
from dealbench.kit.session import DbSession
from dealbench.sales_targets import presenter, service
from dealbench.sales_targets.schemas import (
    MONTH_PATTERN,
    SalesTargetCreate,
    SalesTargetOut,
    SalesTargetUpdate,
)

router = APIRouter(prefix="/v1", tags=["Sales targets"])

INT32_MAX = 2_147_483_647
#: Ids are 32-bit integers in the database: anything larger is a 400, never a driver overflow.
TargetId = Annotated[int, Path(ge=1, le=INT32_MAX)]

TargetsRead = Annotated[Principal, scoped("sales-targets:read")]
TargetsWrite = Annotated[Principal, scoped("sales-targets:write")]


@router.get("/sales-targets", response_model=Page[SalesTargetOut])
async def list_sales_targets(
    principal: TargetsRead,
    session: DbSession,
    paging: Paging,
    userId: Annotated[
        int | None, Query(ge=1, le=INT32_MAX, description="Only this sales rep's targets.")
    ] = None,
    monthFrom: Annotated[
        str | None,
        Query(
            description="From this month, inclusive (`2025-01`).",
            json_schema_extra={"pattern": MONTH_PATTERN},
        ),
    ] = None,
    monthTo: Annotated[
        str | None,
        Query(
            description="Up to this month, inclusive (`2025-12`).",
            json_schema_extra={"pattern": MONTH_PATTERN},
        ),
    ] = None,
) -> Response:
    """Sales targets, by id; filter by rep and month range."""
    rows, total = await service.list_targets(
        session,
        principal,
        paging,
        user_id=userId,
        month_from=service.month_filter(monthFrom, "monthFrom"),
        month_to=service.month_filter(monthTo, "monthTo"),
    )
    return json_response(paging.page(presenter.targets(rows), total))


@router.post("/sales-targets", response_model=SalesTargetOut, status_code=201)
async def create_sales_target(
    body: SalesTargetCreate, principal: TargetsWrite, session: DbSession
) -> Response:
    """Set a rep's target for a month (administrators; one per rep and month, else 409)."""
    return json_response(presenter.target(await service.create_target(session, principal, body)), 201)


@router.get("/sales-targets/{id}", response_model=SalesTargetOut)
async def get_sales_target(
    id: TargetId,
    principal: TargetsRead,
    session: DbSession,
    if_none_match: IfNoneMatch = None,
) -> Response:
    return tagged_response(presenter.target(await service.get_target(session, principal, id)), if_none_match)


async def _now(session: DbSession, principal: Principal, id: int, lock: Lock) -> Any:
    """The sales target as ``GET`` answers it, read under the write's row lock."""
    return presenter.target(await service.get_target(session, principal, id, lock=lock))


async def update_sales_target(
    id: TargetId,
    body: SalesTargetUpdate,
    principal: TargetsWrite,
    session: DbSession,
    if_match: IfMatch = None,
) -> Response:
    """Update a sales target (administrators)."""
    await require_current(if_match, lambda: _now(session, principal, id, Lock.UPDATE))
    return json_response(presenter.target(await service.update_target(session, principal, id, body)))


add_update_route(router, "/sales-targets/{id}", update_sales_target, response_model=SalesTargetOut)


@router.delete("/sales-targets/{id}", response_model=SalesTargetOut)
async def delete_sales_target(
    id: TargetId,
    principal: TargetsWrite,
    session: DbSession,
    if_match: IfMatch = None,
) -> Response:
    """Delete a sales target (administrators)."""
    await require_current(if_match, lambda: _now(session, principal, id, Lock.DELETE))
    return json_response(presenter.target(await service.delete_target(session, principal, id)))
