"""GraphQL types made from the REST dialect's Pydantic schemas, so a field is declared once.

- :func:`output_type`: an object type with the fields of an ``OutModel`` (resolved from the ORM
  object's attributes of the same name); subclass it to add relation fields.
- :func:`input_type`: an input with the fields of an ``InModel``, every field optional at the
  GraphQL level; the Pydantic model itself then validates (required fields, lengths, enums, ``null``
  to clear) through :func:`dealbench.kit.graphql.types.to_model`, with the same Zod issues as REST.
"""

from __future__ import annotations

import enum
import types
import typing
import uuid
from datetime import date, datetime
from typing import Annotated, Any, Optional, Union, get_args, get_origin

import strawberry
from pydantic import BaseModel
from strawberry.scalars import JSON

_SCALARS: dict[Any, Any] = {
    str: str,
    int: int,
    float: float,
    bool: bool,
    datetime: datetime,
    date: date,
    uuid.UUID: uuid.UUID,
}


def gql_enum(cls: type[enum.Enum]) -> type[enum.Enum]:
    """Register a Python enum as a GraphQL enum once (under its own name, described by the enum's
    own docstring), whichever domain registers it first."""
    if not hasattr(cls, "__strawberry_definition__"):
        own_doc = cls.__dict__.get("__doc__")
        strawberry.enum(cls, description=own_doc if own_doc and own_doc != enum.Enum.__doc__ else None)
    return cls


def _strip(annotation: Any) -> tuple[Any, bool]:
    """``(inner type, nullable)`` without ``Annotated`` and ``None``."""
    while get_origin(annotation) is Annotated:
        annotation = get_args(annotation)[0]
    origin = get_origin(annotation)
    if origin in (Union, types.UnionType):
        args = [a for a in get_args(annotation) if a is not type(None)]
        nullable = len(args) != len(get_args(annotation))
        if len(args) == 1:
            inner, _ = _strip(args[0])
            return inner, nullable
        return JSON, nullable
    return annotation, False


def _gql(annotation: Any, nested: dict[type[BaseModel], Any] | None = None) -> Any:
    inner, _ = _strip(annotation)
    if inner in _SCALARS:
        return _SCALARS[inner]
    if isinstance(inner, type) and issubclass(inner, enum.Enum):
        return gql_enum(inner)
    if isinstance(inner, type) and issubclass(inner, BaseModel) and nested and inner in nested:
        return nested[inner]
    if get_origin(inner) in (list, typing.List):  # noqa: UP006
        (item,) = get_args(inner) or (Any,)
        mapped = _gql(item, nested)
        return list[mapped] if mapped is not JSON else JSON  # type: ignore[valid-type]
    return JSON


def output_type(
    model: type[BaseModel],
    name: str,
    *,
    exclude: set[str] = frozenset(),  # type: ignore[assignment]
    description: str | None = None,
) -> type:
    """A Strawberry object type with ``model``'s fields (by attribute name; camelCase in GraphQL)."""
    annotations: dict[str, Any] = {}
    namespace: dict[str, Any] = {}
    for field_name, info in model.model_fields.items():
        if field_name in exclude:
            continue
        gql = _gql(info.annotation)
        _, nullable = _strip(info.annotation)
        annotations[field_name] = Optional[gql] if nullable else gql  # noqa: UP045
        namespace[field_name] = strawberry.field(description=info.description)
    cls = type(name, (), {"__annotations__": annotations, **namespace, "__module__": model.__module__})
    return strawberry.type(cls, name=name, description=description)  # type: ignore[no-any-return]


def input_type(
    model: type[BaseModel],
    name: str,
    *,
    nested: dict[type[BaseModel], Any] | None = None,
    description: str | None = None,
) -> type:
    """A Strawberry input with ``model``'s fields, all optional here (Pydantic decides)."""
    annotations: dict[str, Any] = {}
    namespace: dict[str, Any] = {}
    for field_name, info in model.model_fields.items():
        gql = _gql(info.annotation, nested)
        _, nullable = _strip(info.annotation)
        if info.is_required() and not nullable:
            # Required: non-null in the SDL, so generated clients cannot leave it out.
            annotations[field_name] = gql
            namespace[field_name] = strawberry.field(description=info.description)
        else:
            annotations[field_name] = Optional[gql]  # noqa: UP045
            namespace[field_name] = strawberry.field(default=strawberry.UNSET, description=info.description)
    cls = type(name, (), {"__annotations__": annotations, **namespace, "__module__": model.__module__})
    return strawberry.input(cls, name=name, description=description)  # type: ignore[no-any-return]
