"""``/v1/sales-targets`` (Opine dialect): monthly quotas per sales rep."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query
from starlette.responses import Response

from dealbench.auth.principal import Principal
from dealbench.auth.tokens import scoped
from dealbench.kit.fastjson import json_response
from dealbench.kit.pagination import Paging
from dealbench.kit.routing import add_update_route
from dealbench.kit.schemas import Page
from dealbench.kit.session import DbSession
from dealbench.sales_targets import presenter, service
from dealbench.sales_targets.schemas import SalesTargetCreate, SalesTargetOut, SalesTargetUpdate

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
    monthFrom: Annotated[str | None, Query(description="From this month, inclusive (`2025-01`).")] = None,
    monthTo: Annotated[str | None, Query(description="Up to this month, inclusive (`2025-12`).")] = None,
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
async def get_sales_target(id: TargetId, principal: TargetsRead, session: DbSession) -> Response:
    return json_response(presenter.target(await service.get_target(session, principal, id)))


async def update_sales_target(
    id: TargetId, body: SalesTargetUpdate, principal: TargetsWrite, session: DbSession
) -> Response:
    """Update a sales target (administrators)."""
    return json_response(presenter.target(await service.update_target(session, principal, id, body)))


add_update_route(router, "/sales-targets/{id}", update_sales_target, response_model=SalesTargetOut)


@router.delete("/sales-targets/{id}", response_model=SalesTargetOut)
async def delete_sales_target(id: TargetId, principal: TargetsWrite, session: DbSession) -> Response:
    """Delete a sales target (administrators)."""
    return json_response(presenter.target(await service.delete_target(session, principal, id)))
