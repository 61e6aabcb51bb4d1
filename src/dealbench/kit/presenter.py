"""Wire shapes: one definition of each resource's fields, shared by every adapter.

A :class:`Shape` maps wire keys to table columns once. ``shape.one(obj)`` builds the wire dict of an
ORM object or of a Core row (anything with the columns as attributes); ``shape.many(rows)`` builds a
page of them from rows selected with ``select(*shape.columns)``, with one ``zip`` per row (the hot
list path). Timestamps become ISO 8601 strings in UTC with milliseconds (``2025-10-30T12:55:20.367Z``)
and UUIDs their text, so the dict goes straight to ``orjson`` — REST, JSend and GraphQL (through
:class:`dealbench.kit.graphql.types.WireRow`) all answer the same values.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import Uuid

from dealbench.kit.db import UTCDateTime


def iso(value: datetime | None) -> str | None:
    """``2025-10-30T12:55:20.367Z`` (values are UTC-aware: UTCDateTime guarantees it)."""
    if value is None:
        return None
    return value.isoformat(timespec="milliseconds")[:-6] + "Z"


def _text(value: UUID | None) -> str | None:
    return None if value is None else str(value)


class Shape:
    """The wire shape of a resource: ``(key, column)`` pairs, in wire order."""

    def __init__(self, fields: Sequence[tuple[str, Any]]) -> None:
        self.keys = tuple(k for k, _ in fields)
        self.columns = [c for _, c in fields]
        #: The attribute of each key on an ORM object or a row (the column's name).
        self.attributes: tuple[str, ...] = tuple(str(getattr(c, "key", None) or k) for k, c in fields)
        self.converters: dict[str, Any] = {}
        for key, column in fields:
            if isinstance(column.type, UTCDateTime):
                self.converters[key] = iso
            elif isinstance(column.type, Uuid):
                self.converters[key] = _text

    def one(self, obj: Any) -> dict[str, Any]:
        """The wire dict of one ORM object or row."""
        out = {key: getattr(obj, attr) for key, attr in zip(self.keys, self.attributes, strict=True)}
        for key, convert in self.converters.items():
            out[key] = convert(out[key])
        return out

    def many(self, rows: Iterable[Sequence[Any]]) -> list[dict[str, Any]]:
        """Wire dicts of rows selected as ``select(*shape.columns, ...)`` (extra trailing columns ignored)."""
        keys, converters = self.keys, self.converters.items()
        out = [dict(zip(keys, row)) for row in rows]  # noqa: B905 (trailing columns, e.g. a total, are left out)
        if converters:
            for item in out:
                for key, convert in converters:
                    value = item[key]
                    if value is not None:
                        item[key] = convert(value)
        return out
