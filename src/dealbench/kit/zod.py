"""Translate Pydantic validation errors into Zod-style issues, the error format of the Opine API.

A custom validator can emit an exact Zod issue by raising
``PydanticCustomError("zod_<code>", message, {<zod fields>})``.
"""

from __future__ import annotations

import enum
import math
import re
from collections.abc import Iterable, Sequence
from typing import Any, get_args, get_origin

_LOCATIONS = {"body", "query", "path", "header", "cookie"}
_QUOTED = re.compile(r"'((?:[^'\\]|\\.)*)'")

_TYPE_EXPECTED = {
    "string_type": "string",
    "int_type": "number",
    "int_parsing": "number",
    "int_from_float": "integer",
    "float_type": "number",
    "float_parsing": "number",
    "decimal_type": "number",
    "decimal_parsing": "number",
    "finite_number": "number",
    "bool_type": "boolean",
    "bool_parsing": "boolean",
    "dict_type": "object",
    "model_type": "object",
    "model_attributes_type": "object",
    "dataclass_type": "object",
    "list_type": "array",
    "tuple_type": "array",
    "set_type": "array",
    "none_required": "null",
    "uuid_type": "string",
    "bytes_type": "string",
}

_DATE_TYPES = {
    "datetime_parsing",
    "datetime_from_date_parsing",
    "datetime_type",
    "datetime_object_invalid",
    "date_parsing",
    "date_from_datetime_parsing",
    "date_from_datetime_inexact",
    "date_type",
    "timezone_aware",
    "timezone_naive",
}


def received_type(value: Any, *, coerced: bool = False) -> str:
    """Zod's name for the type of ``value``. ``coerced`` for query and path strings."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "number"
    if isinstance(value, float):
        return "nan" if math.isnan(value) else "number"
    if isinstance(value, str):
        if coerced:
            try:
                float(value)
            except ValueError:
                return "nan"
            return "number"
        return "string"
    if isinstance(value, list | tuple):
        return "array"
    if isinstance(value, dict):
        return "object"
    return type(value).__name__


def _clean_path(loc: Sequence[Any]) -> tuple[str | None, list[str | int]]:
    items = list(loc)
    where = None
    if items and items[0] in _LOCATIONS:
        where = items.pop(0)
    path: list[str | int] = []
    for part in items:
        # Pydantic names union branches and function validators in the location; Zod does not.
        if isinstance(part, str) and (
            part.startswith(("function-", "constrained-", "tagged-union["))
            or part in {"int", "str", "float", "bool", "list", "dict", "none", "lax-or-strict"}
            or part.startswith(("list[", "dict[", "union[", "literal["))
        ):
            continue
        path.append(part)
    return where, path


def _options(expected: str) -> list[str]:
    return [m.replace("\\'", "'") for m in _QUOTED.findall(expected)]


def _fmt_options(options: Iterable[Any]) -> str:
    return " | ".join(f"'{o}'" for o in options)


def issue_from_pydantic(err: Any) -> dict[str, Any]:
    etype: str = err.get("type", "value_error")
    ctx: dict[str, Any] = dict(err.get("ctx") or {})
    where, path = _clean_path(err.get("loc", ()))
    value = err.get("input")
    coerced = where in {"query", "path", "header"}
    issue: dict[str, Any]

    if etype.startswith("zod_"):
        code = etype[4:]
        issue = {"code": code, **{k: v for k, v in ctx.items() if k != "error"}}
        issue["path"] = path
        issue["message"] = err.get("msg", "Invalid input")
        return issue

    if etype == "missing":
        issue = {"code": "invalid_type", "expected": "any", "received": "undefined", "message": "Required"}
    elif etype in _TYPE_EXPECTED:
        expected = _TYPE_EXPECTED[etype]
        received = received_type(value, coerced=coerced)
        if expected == "boolean" and coerced:
            received = "string"
        issue = {
            "code": "invalid_type",
            "expected": expected,
            "received": received,
            "message": f"Expected {expected}, received {received}",
        }
    elif etype in {"literal_error", "enum"}:
        options = _options(str(ctx.get("expected", "")))
        issue = {
            "received": value,
            "code": "invalid_enum_value",
            "options": options,
            "message": f"Invalid enum value. Expected {_fmt_options(options)}, received '{value}'",
        }
    elif etype in {"string_too_short", "too_short"}:
        minimum = ctx.get("min_length", 0)
        kind = "string" if etype == "string_too_short" else "array"
        noun = "character(s)" if kind == "string" else "element(s)"
        cap = "String" if kind == "string" else "Array"
        issue = {
            "code": "too_small",
            "minimum": minimum,
            "type": kind,
            "inclusive": True,
            "exact": False,
            "message": f"{cap} must contain at least {minimum} {noun}",
        }
    elif etype in {"string_too_long", "too_long"}:
        maximum = ctx.get("max_length", 0)
        kind = "string" if etype == "string_too_long" else "array"
        noun = "character(s)" if kind == "string" else "element(s)"
        cap = "String" if kind == "string" else "Array"
        issue = {
            "code": "too_big",
            "maximum": maximum,
            "type": kind,
            "inclusive": True,
            "exact": False,
            "message": f"{cap} must contain at most {maximum} {noun}",
        }
    elif etype in {"greater_than", "greater_than_equal"}:
        inclusive = etype == "greater_than_equal"
        minimum = ctx.get("ge" if inclusive else "gt")
        words = "greater than or equal to" if inclusive else "greater than"
        issue = {
            "code": "too_small",
            "minimum": minimum,
            "type": "number",
            "inclusive": inclusive,
            "exact": False,
            "message": f"Number must be {words} {minimum}",
        }
    elif etype in {"less_than", "less_than_equal"}:
        inclusive = etype == "less_than_equal"
        maximum = ctx.get("le" if inclusive else "lt")
        words = "less than or equal to" if inclusive else "less than"
        issue = {
            "code": "too_big",
            "maximum": maximum,
            "type": "number",
            "inclusive": inclusive,
            "exact": False,
            "message": f"Number must be {words} {maximum}",
        }
    elif etype in _DATE_TYPES:
        if coerced or not isinstance(value, str):
            issue = {"code": "invalid_date", "message": "Invalid date"}
        else:
            issue = {"code": "invalid_string", "validation": "datetime", "message": "Invalid datetime"}
    elif etype.startswith("url_"):
        issue = {"code": "invalid_string", "validation": "url", "message": "Invalid url"}
    elif etype == "uuid_parsing":
        issue = {"code": "invalid_string", "validation": "uuid", "message": "Invalid uuid"}
    elif etype == "string_pattern_mismatch":
        issue = {"code": "invalid_string", "validation": "regex", "message": "Invalid"}
    elif etype == "value_error" and "email" in str(err.get("msg", "")).lower():
        issue = {"code": "invalid_string", "validation": "email", "message": "Invalid email"}
    elif etype == "extra_forbidden":
        key = path.pop() if path else ""
        issue = {
            "code": "unrecognized_keys",
            "keys": [key],
            "message": f"Unrecognized key(s) in object: '{key}'",
        }
    elif etype == "json_invalid":
        issue = {"code": "custom", "message": f"Malformed JSON: {ctx.get('error', 'invalid JSON')}"}
    elif etype in {"union_tag_invalid", "union_tag_not_found"}:
        issue = {
            "code": "invalid_union_discriminator",
            "message": err.get("msg", "Invalid discriminator value"),
        }
    else:
        msg = str(err.get("msg", "Invalid input"))
        msg = msg.removeprefix("Value error, ").removeprefix("Assertion failed, ")
        issue = {"code": "custom", "message": msg}
    issue["path"] = path
    return issue


def issues_from_pydantic(errors: Iterable[Any]) -> list[dict[str, Any]]:
    """Translate and merge: one ``unrecognized_keys`` issue per object, like Zod."""
    out: list[dict[str, Any]] = []
    unrecognized: dict[tuple[Any, ...], dict[str, Any]] = {}
    for err in errors:
        issue = issue_from_pydantic(err)
        if issue["code"] == "unrecognized_keys":
            key = tuple(issue["path"])
            if key in unrecognized:
                merged = unrecognized[key]
                merged["keys"].extend(issue["keys"])
                merged["message"] = "Unrecognized key(s) in object: " + ", ".join(
                    f"'{k}'" for k in merged["keys"]
                )
                continue
            unrecognized[key] = issue
        out.append(issue)
    return out


def _field_annotation(model: Any, path: list[Any]) -> Any:
    """The annotation of the field at ``path`` (body keys, camelCase or not) of a Pydantic model."""
    from pydantic import BaseModel

    current: Any = model
    annotation: Any = None
    for key in path:
        if isinstance(key, int):
            args = [a for a in get_args(annotation) if a is not type(None)] if annotation is not None else []
            current = _model_in(args[0]) if args else None
            continue
        if not (isinstance(current, type) and issubclass(current, BaseModel)):
            return None
        found = None
        for name, info in current.model_fields.items():
            if key in (name, info.alias):
                found = info
                break
        if found is None:
            return None
        annotation = found.annotation
        current = _model_in(annotation)
    return annotation


def _model_in(annotation: Any) -> Any:
    from pydantic import BaseModel

    while get_origin(annotation) is not None and not (
        isinstance(annotation, type) and issubclass(annotation, BaseModel)
    ):
        args = [a for a in get_args(annotation) if a is not type(None)]
        if not args:
            return None
        annotation = args[0]
    return annotation


def _enum_in(annotation: Any) -> type[enum.Enum] | None:
    seen = 0
    while annotation is not None and seen < 10:
        seen += 1
        if isinstance(annotation, type) and issubclass(annotation, enum.Enum):
            return annotation
        args = [a for a in get_args(annotation) if a is not type(None)]
        annotation = args[0] if len(args) >= 1 and get_origin(annotation) is not None else None
    return None


def name_required_options(issues: list[dict[str, Any]], model: Any) -> list[dict[str, Any]]:
    """A missing enum field lists the values it accepts in ``options`` (as Zod's enum issues do); the
    message stays Zod's ``Required``, which clients of the Opine API match on."""
    if model is None:
        return issues
    for issue in issues:
        if issue.get("code") == "invalid_type" and issue.get("received") == "undefined":
            members = _enum_in(_field_annotation(model, list(issue.get("path", []))))
            if members is not None:
                options = [m.value for m in members]
                issue["options"] = options
    return issues
