"""Pydantic building blocks shared by every ``/v1`` schema."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Generic, TypeVar, get_args, get_origin

import email_validator
from fastapi import Path
from pydantic import (
    AnyUrl,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    GetCoreSchemaHandler,
    GetJsonSchemaHandler,
    PlainSerializer,
    WithJsonSchema,
    model_validator,
)
from pydantic.alias_generators import to_camel
from pydantic_core import CoreSchema, PydanticCustomError, core_schema

from dealbench.kit.richtext import SlateError, validate_slate
from dealbench.kit.zod import received_type


def iso_ms(value: datetime) -> str:
    """``2025-10-30T12:55:20.367Z``: ISO 8601, UTC, milliseconds."""
    if value.tzinfo is not UTC:
        value = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    return value.isoformat(timespec="milliseconds")[:-6] + "Z"


#: A moment in an answer: ISO 8601 in UTC with milliseconds (``format: date-time`` in OpenAPI).
Timestamp = Annotated[
    datetime,
    PlainSerializer(iso_ms, return_type=str, when_used="json"),
    WithJsonSchema({"type": "string", "format": "date-time"}, mode="serialization"),
]

#: Ids are 32-bit integers in the database.
MAX_ID = 2**31 - 1


def _strict_int(value: Any) -> Any:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)  # JSON Schema's integer: `2.0` is the integer 2
    if isinstance(value, float):
        raise PydanticCustomError(
            "zod_invalid_type",
            "Expected integer, received float",
            {"expected": "integer", "received": "float"},
        )
    received = received_type(value)
    raise PydanticCustomError(
        "zod_invalid_type",
        f"Expected number, received {received}",
        {"expected": "number", "received": received},
    )


#: An id in a request body: a JSON integer (``2.0`` is one, as JSON Schema has it), never a string
#: (``"1"``), a boolean (``true``) nor a fraction; at most ``MAX_ID``. Every id field of every body
#: schema uses it (or a reference type built on the same rule, such as a deal reference that also
#: takes ``eid:<vendorEntityId>``).
Id = Annotated[int, Field(le=MAX_ID), BeforeValidator(_strict_int)]
#: The same, at least 1.
PositiveId = Annotated[int, Field(ge=1, le=MAX_ID), BeforeValidator(_strict_int)]


class OutModel(BaseModel):
    """An answer: camelCase on the wire, built from attributes or dicts."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, from_attributes=True)


def _nullable(prop: dict[str, Any]) -> bool:
    if prop.get("type") == "null" or "null" in (prop.get("type") or []):
        return True
    return any(_nullable(option) for option in prop.get("anyOf", []))


def _without_null(prop: dict[str, Any]) -> None:
    options = prop.get("anyOf")
    if options is None:
        return
    kept = [o for o in options if o.get("type") != "null"]
    for option in kept:
        _without_null(option)
    del prop["anyOf"]
    if len(kept) == 1:
        prop.update({k: v for k, v in kept[0].items() if k not in prop})
    else:
        prop["anyOf"] = kept


def _optional_is_not_nullable(schema: dict[str, Any], model: type[BaseModel]) -> None:
    """A field that may be left out but not sent as ``null`` (:data:`NotNullable`) documents neither
    ``null`` nor ``default: null``."""
    properties = schema.get("properties", {})
    for name, info in model.model_fields.items():
        prop = properties.get(info.alias or name)
        if prop is not None and any(isinstance(m, _NotNull) for m in info.metadata):
            _without_null(prop)
    for prop in properties.values():
        if "default" in prop and prop["default"] is None and not _nullable(prop):
            del prop["default"]


class InModel(BaseModel):
    """A request body: camelCase, unknown keys refused (so typos are reported, not dropped).

    ``access_token`` is one of the documented ways to send a token and is never a field.
    """

    model_config = ConfigDict(
        alias_generator=to_camel,
        populate_by_name=True,
        extra="forbid",
        str_strip_whitespace=False,
        json_schema_extra=_optional_is_not_nullable,
    )

    @model_validator(mode="before")
    @classmethod
    def _drop_access_token(cls, data: Any) -> Any:
        if isinstance(data, dict) and "access_token" in data:
            data = {k: v for k, v in data.items() if k != "access_token"}
        return data

    def provided(self) -> dict[str, Any]:
        """The fields the client sent, by attribute name (partial-update semantics)."""
        return {name: getattr(self, name) for name in self.model_fields_set}


T = TypeVar("T")


class Page(BaseModel, Generic[T]):
    """The ``/v1`` list envelope."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True)

    items: list[T]
    limit: int
    offset: int
    total_count: int = Field(alias="totalCount")


class IdOnly(OutModel):
    id: int


# Internal domains (corp.local, example.test) are legitimate on a self-hosted server.
email_validator.SPECIAL_USE_DOMAIN_NAMES[:] = [
    d for d in email_validator.SPECIAL_USE_DOMAIN_NAMES if d not in {"local", "test", "localhost", "internal"}
]


def _email(value: Any) -> str:
    if not isinstance(value, str):
        raise PydanticCustomError(
            "zod_invalid_type", "Expected string, received " + type(value).__name__, {"expected": "string"}
        )
    try:
        result = email_validator.validate_email(
            value.strip(), check_deliverability=False, allow_smtputf8=True, test_environment=True
        )
    except email_validator.EmailNotValidError as exc:
        raise PydanticCustomError("zod_invalid_string", "Invalid email", {"validation": "email"}) from exc
    return result.normalized.lower()


#: An email address, normalized to lower case; any syntactically valid domain is accepted.
Email = Annotated[str, BeforeValidator(_email), WithJsonSchema({"type": "string", "format": "email"})]


_EXPECTED = {"str": "string", "bool": "boolean", "int": "number", "float": "number", "list": "array"}


class _NotNull:
    """Metadata of :data:`NotNullable`: refuses ``null`` (a Zod ``invalid_type`` issue) and leaves
    ``null`` out of the field's JSON schema, so the document says what the server accepts."""

    def __get_pydantic_core_schema__(self, source: Any, handler: GetCoreSchemaHandler) -> CoreSchema:
        inner = handler(source)
        kinds = [a for a in get_args(source) if a is not type(None)]
        base = kinds[0] if len(kinds) == 1 else object
        while get_origin(base) is Annotated:
            base = get_args(base)[0]
        name = getattr(get_origin(base) or base, "__name__", "")
        expected = _EXPECTED.get(name, "string")
        return core_schema.no_info_before_validator_function(lambda v: not_null(v, expected), inner)

    def __get_pydantic_json_schema__(self, schema: CoreSchema, handler: GetJsonSchemaHandler) -> Any:
        found = handler(schema)
        options = found.get("anyOf")
        if options is not None:
            kept = [o for o in options if o.get("type") != "null"]
            found.pop("anyOf")
            if len(kept) == 1:
                found.update(kept[0])
            else:
                found["anyOf"] = kept
        return found


#: A field a client may leave out but never send as ``null`` (an update's name, a flag): optional,
#: not nullable. ``NotNullable[str]`` validates as ``str | None`` with ``None`` refused.
NotNullable = Annotated[T | None, _NotNull()]


def not_null(value: Any, expected: str = "string") -> Any:
    if value is None:
        raise PydanticCustomError(
            "zod_invalid_type",
            f"Expected {expected}, received null",
            {"expected": expected, "received": "null"},
        )
    return value


def _rich_text(value: Any) -> Any:
    """A Slate node array or a markdown string (``None`` passes: nullability is the field's)."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, list):
        try:
            validate_slate(value)
        except SlateError as exc:
            raise PydanticCustomError(
                "zod_custom", f"Invalid Slate node at {'.'.join(map(str, exc.path))}: {exc.message}"
            ) from exc
        return value
    raise PydanticCustomError(
        "zod_invalid_union",
        "Expected an array of Slate nodes or a markdown string",
        {"unionErrors": []},
    )


#: A description or note body: Slate nodes (converted to markdown when stored) or markdown.
RichText = Annotated[
    str | list[dict[str, Any]] | None,
    BeforeValidator(_rich_text),
    Field(description="An array of Slate nodes or a markdown string."),
]


def _url(value: Any) -> Any:
    if value is None:
        return None
    if not isinstance(value, str):
        raise PydanticCustomError(
            "zod_invalid_type",
            f"Expected string, received {type(value).__name__}",
            {"expected": "string", "received": "number" if isinstance(value, int | float) else "object"},
        )
    try:
        parsed = AnyUrl(value)
    except Exception as exc:
        raise PydanticCustomError("zod_invalid_string", "Invalid url", {"validation": "url"}) from exc
    if not parsed.scheme or not parsed.host:
        raise PydanticCustomError("zod_invalid_string", "Invalid url", {"validation": "url"})
    return value


#: A URI, kept as sent.
Url = Annotated[
    Annotated[str, Field(max_length=2048)] | None,
    BeforeValidator(_url),
    Field(json_schema_extra={"format": "uri"}),
]


#: An id outside the 32-bit integers in a path is bad input (400, Zod ``too_big``/``too_small``) on
#: every backend, never a lookup that PostgreSQL refuses and SQLite answers with a 404.
PathId = Annotated[int, Path(ge=-MAX_ID - 1, le=MAX_ID)]
