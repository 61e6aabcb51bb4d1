"""The wire shapes of the deals domain, shared by REST, JSend, GraphQL and the pages.

- a deal as Opine's API answers it (the fields of :class:`dealbench.deals.schemas.DealOut`);
- a note;
- an opportunity as the SalesDirector.ai pipeline API answers it.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import null

from dealbench.deals import stages
from dealbench.deals.schemas import DealOut, NoteOut
from dealbench.kit.presenter import Shape
from dealbench.models import Deal, DealNote

_D = Deal.__table__.c
_N = DealNote.__table__.c

DEAL = Shape([(info.alias or name, _D[name]) for name, info in DealOut.model_fields.items()])
NOTE = Shape([(info.alias or name, _N[name]) for name, info in NoteOut.model_fields.items()])
_SUMMARY = ("summary", "summaryUpdatedAt")


def deal_columns(include_summary: bool) -> list[Any]:
    """The columns a deal's select reads (the summary's left out unless asked for)."""
    if include_summary:
        return DEAL.columns
    return [c if k not in _SUMMARY else _hidden(c) for k, c in zip(DEAL.keys, DEAL.columns, strict=True)]


def _hidden(column: Any) -> Any:
    return null().label(column.key)


def deal(obj: Any, *, include_summary: bool = True) -> dict[str, Any]:
    """One deal (an ORM object or a row of :func:`deal_columns`)."""
    out = DEAL.one(obj)
    if not include_summary:
        out["summary"] = out["summaryUpdatedAt"] = None
    return out


def deals(rows: Any) -> list[dict[str, Any]]:
    """A page of rows selected with :func:`deal_columns` (in that order)."""
    return DEAL.many(rows)


def note(obj: Any) -> dict[str, Any]:
    return NOTE.one(obj)


# --------------------------------------------------------------------------- the pipeline dialect


def _zone(name: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def close_date_object(value: datetime | None, timezone: str | None) -> dict[str, Any] | None:
    """PHP's DateTime JSON: ``{"date": "2017-02-15 00:00:00.000000", "timezone_type": 3, "timezone": ...}``."""
    if value is None:
        return None
    zone = _zone(timezone)
    return {
        "date": value.astimezone(zone).strftime("%Y-%m-%d %H:%M:%S.%f"),
        "timezone_type": 3,
        "timezone": zone.key,
    }


def _amount(value: float | None) -> float | int | None:
    if value is None:
        return None
    return int(value) if float(value).is_integer() else float(value)


def opportunity(row: Any, *, timezone: str, activity_index: int, relationship_index: int) -> dict[str, Any]:
    """A deal as an opportunity of "my opportunities" (``id`` is the deal's UUID, ``active`` "1"/"0")."""
    return {
        "id": str(row.uuid),
        "active": "0" if row.closed else "1",
        "external_opp_id": row.vendor_entity_id or "",
        "name": row.name,
        "external_account_id": row.company_vendor_entity_id or "",
        "account": row.account_name or "",
        "amount": _amount(row.amount),
        "close_date": close_date_object(row.close_date, timezone),
        "stage": row.stage or "",
        "forecast": stages.forecast(row.forecast_category, row.stage, row.closed, row.won),
        "stage_system": stages.stage_system(row.stage),
        "forecast_system": stages.forecast_system(row.stage, row.closed, row.won),
        "activity_index": activity_index,
        "relationship_index": relationship_index,
        "type": row.opportunity_type or "",
        "website": row.account_website or "",
    }


def opportunities(found: Iterable[Any], *, timezone: str) -> list[dict[str, Any]]:
    """The opportunities of "my opportunities" (rows with their indexes, see
    :func:`dealbench.deals.service.my_opportunities`); close dates in the organization's ``timezone``."""
    return [
        opportunity(
            o.row, timezone=timezone, activity_index=o.activity_index, relationship_index=o.relationship_index
        )
        for o in found
    ]
