"""Hot list endpoints: rows of a Core select straight to JSON, with as little per-row Python as possible.

``RowShape`` maps the columns of a select to the wire keys once; ``shape.dicts(rows)`` then builds each
item with one ``zip`` and fixes the timestamp columns in place (ISO, milliseconds, ``Z``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

import orjson
from starlette.responses import Response

from dealbench.kit.db import UTCDateTime


def iso(value: datetime | None) -> str | None:
    """``2025-10-30T12:55:20.367Z`` (values are UTC-aware: UTCDateTime guarantees it)."""
    if value is None:
        return None
    return value.isoformat(timespec="milliseconds")[:-6] + "Z"


class RowShape:
    """The wire shape of a select: ``(key, column)`` pairs; datetime columns are found by type."""

    def __init__(self, fields: Sequence[tuple[str, Any]]) -> None:
        self.keys = tuple(k for k, _ in fields)
        self.columns = [c for _, c in fields]
        self.timestamps = tuple(k for k, c in fields if isinstance(c.type, UTCDateTime))

    def dicts(self, rows: Iterable[Sequence[Any]]) -> list[dict[str, Any]]:
        keys, stamps = self.keys, self.timestamps
        out = [dict(zip(keys, row, strict=True)) for row in rows]
        if stamps:
            for item in out:
                for key in stamps:
                    value = item[key]
                    if value is not None:
                        item[key] = value.isoformat(timespec="milliseconds")[:-6] + "Z"
        return out


def json_response(payload: Any, status_code: int = 200) -> Response:
    return Response(orjson.dumps(payload), status_code=status_code, media_type="application/json")
