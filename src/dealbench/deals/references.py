"""What other domains use of deals: naming a deal (a numeric id or ``eid:<vendorEntityId>``) and
finding the deals a request names, within the caller's organization."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Annotated, Any

from pydantic import BeforeValidator, WithJsonSchema
from pydantic_core import PydanticCustomError
from sqlalchemy.ext.asyncio import AsyncSession

from dealbench.deals.repository import EID_PREFIX, DealRepository, parse_deal_ref
from dealbench.kit.errors import NotFound
from dealbench.kit.locks import Lock
from dealbench.kit.repository import Tenant
from dealbench.kit.zod import received_type
from dealbench.models import Deal

__all__ = ["EID_PREFIX", "DealRefValue", "deal_choices", "find_deal", "parse_deal_ref", "resolve_deal_refs"]


def _deal_ref(value: Any) -> Any:
    """A deal id: a positive number, or ``"eid:<vendorEntityId>"`` (a numeric string is accepted too)."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # JSON Schema's integer: `2.0` is the integer 2
    if isinstance(value, int) and not isinstance(value, bool):
        if value < 1:
            raise PydanticCustomError(
                "zod_too_small",
                "Number must be greater than 0",
                {"minimum": 0, "type": "number", "inclusive": False, "exact": False},
            )
        return value
    if isinstance(value, str) and (
        (value.startswith("eid:") and len(value) > 4) or (value.isascii() and value.isdigit())
    ):
        return value
    raise PydanticCustomError(
        "zod_invalid_union",
        f"Expected a deal id (number) or 'eid:<vendorEntityId>', received {received_type(value)}",
        {"unionErrors": []},
    )


DealRefValue = Annotated[
    int | str,
    BeforeValidator(_deal_ref),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "integer", "minimum": 1, "maximum": 2**31 - 1},
                {"type": "string", "pattern": "^eid:.+$"},
            ],
            "description": "A deal id, or `eid:<vendorEntityId>`.",
        }
    ),
]


async def find_deal(
    session: AsyncSession, tenant: Tenant, ref: str | int, *, lock: Lock | None = None
) -> Deal:
    """The deal ``ref`` of the caller's organization (soft-deleted ones too), or 404."""
    deal = await DealRepository(session, tenant).by_ref(ref, lock=lock)
    if deal is None:
        raise NotFound("Deal not found.")
    return deal


async def resolve_deal_refs(
    session: AsyncSession, tenant: Tenant, refs: Iterable[str | int]
) -> dict[str | int, Deal]:
    """Many refs at once (two statements at most): ``{ref: Deal}`` for the refs that exist."""
    return await DealRepository(session, tenant).by_refs(refs)


async def deal_choices(session: AsyncSession, tenant: Tenant, *, limit: int = 500) -> list[tuple[int, str]]:
    """``[(id, name)]`` of the caller's open, non-deleted deals by name (one statement): the deals a
    form offers to link to."""
    repo = DealRepository(session, tenant)
    stmt = (
        repo.select(Deal.id, Deal.name)
        .where(Deal.deleted.is_(False), Deal.closed.is_(False))
        .order_by(Deal.name, Deal.id)
        .limit(limit)
    )
    return [(deal_id, name) for deal_id, name in (await session.execute(stmt)).all()]
