from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from pydantic import BeforeValidator, Field, PlainSerializer, WithJsonSchema
from pydantic_core import PydanticCustomError

from dealbench.kit.parsing import parse_month
from dealbench.kit.schemas import InModel, NotNullable, OutModel, PositiveId, Timestamp


def _month(value: Any) -> date:
    if isinstance(value, date):
        return value.replace(day=1)
    if not isinstance(value, str):
        raise PydanticCustomError("zod_invalid_type", "Expected string, received " + type(value).__name__)
    try:
        month = parse_month(value)
    except ValueError as exc:
        raise PydanticCustomError("zod_invalid_string", str(exc)) from None
    if month is None:
        raise PydanticCustomError("zod_invalid_string", "Month is required.")
    return month


#: ``YYYY-MM`` with a month 01..12 of a year 1900..2999 (what the schema documents).
MONTH_PATTERN = "^(19[0-9]{2}|2[0-9]{3})-(0[1-9]|1[0-2])$"

#: ``2025-01`` on the wire (also accepts ``2025-01-15``, ``01/2025``, ``Jan 2025``).
Month = Annotated[
    date,
    BeforeValidator(_month),
    PlainSerializer(lambda d: d.strftime("%Y-%m"), return_type=str, when_used="json"),
    WithJsonSchema({"type": "string", "pattern": MONTH_PATTERN, "examples": ["2025-01"]}),
]
Amount = Annotated[float, Field(ge=-1e15, le=1e15, allow_inf_nan=False)]
#: A reference to a row (32-bit ids in the database).
Ref = PositiveId


class SalesTargetOut(OutModel):
    id: int
    user_id: int
    month: Month
    amount: float
    created_at: Timestamp
    updated_at: Timestamp


class SalesTargetCreate(InModel):
    user_id: Ref
    month: Month
    amount: Amount


class SalesTargetUpdate(InModel):
    user_id: NotNullable[Ref] = None
    month: NotNullable[Month] = None
    amount: NotNullable[Amount] = None
