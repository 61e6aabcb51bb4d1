"""The wire shape of a sales target (the fields of :class:`dealbench.sales_targets.schemas.SalesTargetOut`),
shared by REST and GraphQL.

``month`` is the one value the dialects write differently: ``2025-01`` in REST (the Opine month), a
``Date`` (``2025-01-01``) in GraphQL, whose scalar renders the date itself.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from dealbench.kit.presenter import Shape
from dealbench.models import SalesTarget
from dealbench.sales_targets.schemas import SalesTargetOut

_T = SalesTarget.__table__.c

TARGET = Shape([(info.alias or name, _T[name]) for name, info in SalesTargetOut.model_fields.items()])


def _rest(out: dict[str, Any]) -> dict[str, Any]:
    out["month"] = out["month"].strftime("%Y-%m")
    return out


def target(obj: Any, *, month_as_date: bool = False) -> dict[str, Any]:
    """One sales target (an ORM object or a row of ``TARGET.columns``)."""
    out = TARGET.one(obj)
    return out if month_as_date else _rest(out)


def targets(rows: Iterable[Sequence[Any]], *, month_as_date: bool = False) -> list[dict[str, Any]]:
    """A page of rows selected with ``TARGET.columns``."""
    out = TARGET.many(rows)
    return out if month_as_date else [_rest(o) for o in out]
