"""GraphQL types made from the REST dialect's Pydantic schemas, so a field is declared once.

- :func:`output_type`: an object type with the fields of an ``OutModel`` (resolved from the ORM
  object's attributes of the same name); subclass it to add relation fields.
- :func:`input_type`: an input with the fields of an ``InModel``; a required field is non-null, the
  others optional; the Pydantic model itself then validates (lengths, enums, ``null`` to clear)
  through :func:`dealbench.kit.graphql.types.to_model`, with the same Zod issues as REST.

Every field is described: by its Pydantic ``Field(description=...)``, else by the ``describe``
mapping the domain passes (by attribute name), else by :data:`COMMON` (the fields every resource
has, worded with the type's noun). The suite fails on a field of the SDL without a description.
"""

from __future__ import annotations

import enum
import re
import types
import typing
import uuid
from collections.abc import Mapping
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


#: Descriptions of the fields most resources have; ``{noun}`` is the type's name in words.
COMMON: dict[str, str] = {
    "id": "The {noun}'s id.",
    "uuid": "The {noun}'s UUID, stable across systems.",
    "created_at": "When the {noun} was created (UTC).",
    "updated_at": "When the {noun} was last changed (UTC).",
    "organization_id": "The id of the organization the {noun} belongs to.",
    "created_by_user_id": "The id of the user who created the {noun}; null when unknown.",
    "name": "The {noun}'s name.",
    "title": "The {noun}'s title.",
    "description": "The {noun}'s description.",
    "position": "The {noun}'s place among its siblings (ascending).",
    "evaluation_id": "The id of the evaluation (plan) the {noun} belongs to.",
    "phase_id": "The id of the phase the {noun} belongs to; null when it belongs to none.",
    "deal_id": "The id of the deal the {noun} belongs to.",
    "user_id": "The id of the user the {noun} belongs to.",
    "email": "The email address.",
    "first_name": "First name.",
    "last_name": "Last name.",
    "full_name": "First and last name.",
    "vendor_entity_id": "The {noun}'s id in the CRM or tracker it came from.",
    "vendor_entity_url": "A link to the {noun} in the CRM or tracker it came from.",
    "integration_installation_id": "The integration that synced the {noun}; null when made in Dealbench.",
}


def noun(type_name: str) -> str:
    """``EvaluationPhase`` -> ``evaluation phase`` (the words of a GraphQL type's name)."""
    base = re.sub(r"(Create|Update|Change)?(Fields|Out|Input|Type_?)$", "", type_name) or type_name
    return " ".join(w.lower() for w in re.findall(r"[A-Z][a-z0-9]*|[a-z0-9]+", base))


def describe_field(
    info: Any, field_name: str, type_name: str, describe: Mapping[str, str] | None
) -> str | None:
    """A field's description: Pydantic's, else the domain's, else the common one for its name."""
    if info is not None and info.description:
        return str(info.description)
    if describe and field_name in describe:
        return describe[field_name]
    common = COMMON.get(field_name)
    return common.format(noun=noun(type_name)) if common else None


def gql_enum(
    cls: type[enum.Enum], description: str | None = None, values: Mapping[str, str] | None = None
) -> type[enum.Enum]:
    """Register a Python enum as a GraphQL enum once (under its own name, described by
    ``description`` or the enum's own docstring), whichever domain registers it first; a later call
    with descriptions (the domain that owns the enum) adds them."""
    if not hasattr(cls, "__strawberry_definition__"):
        own_doc = cls.__dict__.get("__doc__")
        strawberry.enum(cls, description=own_doc if own_doc and own_doc != enum.Enum.__doc__ else None)
    definition = cls.__strawberry_definition__  # type: ignore[attr-defined]
    if description:
        definition.description = description
    for value in definition.values:
        if values and value.name in values:
            value.description = values[value.name]
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
    describe: Mapping[str, str] | None = None,
) -> type:
    """A Strawberry object type with ``model``'s fields (by attribute name; camelCase in GraphQL),
    each described (see the module's docstring)."""
    annotations: dict[str, Any] = {}
    namespace: dict[str, Any] = {}
    for field_name, info in model.model_fields.items():
        if field_name in exclude:
            continue
        gql = _gql(info.annotation)
        _, nullable = _strip(info.annotation)
        annotations[field_name] = Optional[gql] if nullable else gql  # noqa: UP045
        namespace[field_name] = strawberry.field(description=describe_field(info, field_name, name, describe))
    cls = type(name, (), {"__annotations__": annotations, **namespace, "__module__": model.__module__})
    return strawberry.type(cls, name=name, description=description)  # type: ignore[no-any-return]


def input_type(
    model: type[BaseModel],
    name: str,
    *,
    nested: dict[type[BaseModel], Any] | None = None,
    description: str | None = None,
    describe: Mapping[str, str] | None = None,
) -> type:
    """A Strawberry input with ``model``'s fields: required ones non-null, the others optional
    (Pydantic decides the rest), each described (see the module's docstring)."""
    annotations: dict[str, Any] = {}
    namespace: dict[str, Any] = {}
    for field_name, info in model.model_fields.items():
        gql = _gql(info.annotation, nested)
        _, nullable = _strip(info.annotation)
        if info.is_required() and not nullable:
            # Required: non-null in the SDL, so generated clients cannot leave it out.
            annotations[field_name] = gql
            namespace[field_name] = strawberry.field(
                description=describe_field(info, field_name, name, describe)
            )
        else:
            annotations[field_name] = Optional[gql]  # noqa: UP045
            namespace[field_name] = strawberry.field(
                default=strawberry.UNSET, description=describe_field(info, field_name, name, describe)
            )
    cls = type(name, (), {"__annotations__": annotations, **namespace, "__module__": model.__module__})
    return strawberry.input(cls, name=name, description=description)  # type: ignore[no-any-return]
