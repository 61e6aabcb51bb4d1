"""Building blocks shared by every domain's GraphQL face: list envelopes, paging, inputs, scalars."""

from __future__ import annotations

import dataclasses
import uuid
from datetime import datetime
from functools import cache
from typing import Annotated, Any, Generic, TypeVar

import strawberry
from pydantic import BaseModel, ValidationError

from dealbench.kit.errors import ValidationFailed
from dealbench.kit.pagination import DEFAULT_LIMIT, MAX_LIMIT, ListParams
from dealbench.kit.schemas import iso_ms
from dealbench.kit.zod import issues_from_pydantic, name_required_options

T = TypeVar("T")
M = TypeVar("M", bound=BaseModel)

#: ISO 8601 in UTC with milliseconds, like every timestamp of the REST dialect (replaces Strawberry's
#: own DateTime in every schema, see schema.py).
DATETIME = strawberry.scalar(
    name="DateTime",
    description="ISO 8601 date and time in UTC, with milliseconds: 2025-10-30T12:55:20.367Z.",
    serialize=lambda v: iso_ms(v) if isinstance(v, datetime) else v,
    parse_value=lambda v: datetime.fromisoformat(str(v).replace("Z", "+00:00")),
)

UUID = strawberry.scalar(
    name="UUID",
    description="A UUID in its canonical text form: 8c2ac1d2-7f7e-4c9b-9d0e-3b3f6c1f2a10.",
    serialize=str,
    parse_value=lambda v: uuid.UUID(str(v)),
)


@strawberry.type(description="A page of a list: `data` holds at most `limit` items; `total` counts them all.")
class Page(Generic[T]):
    data: list[T] = strawberry.field(description="The items of this page, in the list's order.")
    total: int = strawberry.field(description="How many items the whole list holds, over every page.")


class WireRow:
    """A service's wire dict (camelCase keys, from a Core fast path) seen with attribute names."""

    __slots__ = ("_data",)

    def __init__(self, data: dict[str, Any]) -> None:
        self._data = data

    def __getattr__(self, name: str) -> Any:
        data = self._data
        if name in data:
            return data[name]
        camel = _camel(name)
        if camel in data:
            return data[camel]
        raise AttributeError(name)


def page(items: list[Any], total: int) -> Page[Any]:
    """The ``{data, total}`` envelope; services may answer ORM objects or wire dicts."""
    return Page(data=[WireRow(i) if isinstance(i, dict) else i for i in items], total=total)


#: The paging arguments of every list field: ``limit`` with ``offset`` (Opine) or ``page`` (Optix;
#: ``page_number`` in Python, beside the :func:`page` envelope).
Limit = Annotated[
    int | None,
    strawberry.argument(description=f"At most this many items (1..{MAX_LIMIT}, default {DEFAULT_LIMIT})."),
]
Offset = Annotated[
    int | None,
    strawberry.argument(description="Skip this many items first (default 0). Not together with `page`."),
]
PageNumber = Annotated[
    int | None,
    strawberry.argument(
        name="page",
        description="The page to answer, counted from 1 in pages of `limit` items (default 1). "
        "Not together with `offset`.",
    ),
]


def _too_small(name: str, minimum: int) -> ValidationFailed:
    return ValidationFailed.at(
        [name],
        f"Number must be greater than or equal to {minimum}",
        code="too_small",
        minimum=minimum,
        type="number",
        inclusive=True,
        exact=False,
    )


def paging(limit: int | None, offset: int | None, page: int | None = None) -> ListParams:
    """``limit`` (1..1000, default 100) with ``offset`` (>= 0) or ``page`` (>= 1, Optix's paging),
    with the REST dialect's Zod issues; ``offset`` and ``page`` together are refused."""
    limit = DEFAULT_LIMIT if limit is None else limit
    if limit < 1:
        raise _too_small("limit", 1)
    if limit > MAX_LIMIT:
        raise ValidationFailed.at(
            ["limit"],
            f"Number must be less than or equal to {MAX_LIMIT}",
            code="too_big",
            maximum=MAX_LIMIT,
            type="number",
            inclusive=True,
            exact=False,
        )
    if page is not None:
        if offset is not None:
            raise ValidationFailed(
                [{"code": "custom", "path": ["page"], "message": "Send `page` or `offset`, not both."}],
                "Send `page` or `offset`, not both: `page` counts pages of `limit` items from 1, "
                "`offset` counts items from 0.",
            )
        if page < 1:
            raise _too_small("page", 1)
        offset = (page - 1) * limit
    offset = 0 if offset is None else offset
    if offset < 0:
        raise _too_small("offset", 0)
    return ListParams(limit=limit, offset=offset)


def provided(data: Any) -> dict[str, Any]:
    """The fields a client sent in a Strawberry input, by GraphQL (camelCase) name; UNSET left out."""
    out: dict[str, Any] = {}
    definition = data.__strawberry_definition__
    for f in definition.fields:
        value = getattr(data, f.python_name)
        if value is strawberry.UNSET:
            continue
        if _is_input(value):
            value = provided(value)
        elif isinstance(value, list):
            value = [provided(v) if _is_input(v) else v for v in value]
        out[f.graphql_name or _camel(f.python_name)] = value
    return out


def _is_input(value: Any) -> bool:
    return dataclasses.is_dataclass(value) and not isinstance(value, type)


@cache  # a schema's few field names, asked for on every object of every answer
def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(p[:1].upper() + p[1:] for p in rest)


def to_model(model: type[M], data: Any, *, path: tuple[str | int, ...] = ("input",)) -> M:
    """Validate a GraphQL input with the domain's own Pydantic model (the same rules as REST).

    Bad input becomes BAD_USER_INPUT with Zod-style issues whose paths start at the argument.
    """
    raw = provided(data) if _is_input(data) else data
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        issues = name_required_options(issues_from_pydantic(exc.errors()), model)
        for issue in issues:
            issue["path"] = [*path, *issue["path"]]
        raise ValidationFailed(issues) from exc


def wire(data: dict[str, Any]) -> Any:
    """A presenter's wire dict answered as the GraphQL type whose fields it carries (typed ``Any``:
    Strawberry reads the fields by attribute, whatever the object)."""
    return WireRow(data)


def orm(obj: Any) -> Any:
    """An ORM object answered as the GraphQL type whose fields it carries (typed ``Any`` for mypy)."""
    return obj
