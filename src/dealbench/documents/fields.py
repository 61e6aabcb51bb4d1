"""Metadata fields: the standard fields every document has, the fields a project defines, and the
rules of their values (validated by the field's type, with Zod-style issues)."""

from __future__ import annotations

import unicodedata
from datetime import date, datetime
from typing import Any

import orjson
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from dealbench.auth.principal import Principal
from dealbench.documents.presenter import STANDARD_FIELDS, StandardField
from dealbench.documents.repository import FieldRepository, ProjectRepository
from dealbench.documents.schemas import FieldCreate
from dealbench.kit.errors import Conflict, NotFound, ValidationFailed
from dealbench.kit.pagination import ListParams
from dealbench.kit.schemas import iso_ms
from dealbench.kit.text import NUL_MESSAGE, find_nul
from dealbench.kit.uploads import base_name
from dealbench.kit.zod import received_type
from dealbench.models import Document, FieldType, ProjectField

__all__ = ["STANDARD_FIELDS", "StandardField"]

_STANDARD = {f.id: f for f in STANDARD_FIELDS}
_STANDARD_BY_NAME = {f.name.lower(): f.id for f in STANDARD_FIELDS}


def is_standard(ref: str) -> bool:
    return ref in _STANDARD


async def list_fields(
    session: AsyncSession, principal: Principal, project_id: int, params: ListParams
) -> tuple[list[StandardField | ProjectField], int]:
    """The standard fields, then the project's own (in id order)."""
    project = (await ProjectRepository(session, principal).open(project_id)).project
    items: list[StandardField | ProjectField] = [
        *STANDARD_FIELDS,
        *await FieldRepository(session, principal, project).all(),
    ]
    return items[params.offset : params.offset + params.limit], len(items)


async def create_field(
    session: AsyncSession, principal: Principal, project_id: int, data: FieldCreate
) -> ProjectField:
    project = (await ProjectRepository(session, principal).open(project_id, write=True)).project
    if data.name.lower() in _STANDARD_BY_NAME:
        raise Conflict(f"'{data.name}' is a standard field.")
    repo = FieldRepository(session, principal, project)
    if await repo.name_taken(data.name):
        raise Conflict(f"The project already has a field named '{data.name}'.")
    field = ProjectField(name=data.name, type=data.type, options=data.options)
    try:
        async with session.begin_nested():
            repo.add(field)
    except IntegrityError as exc:
        raise Conflict(f"The project already has a field named '{data.name}'.") from exc
    return field


# ----------------------------------------------------------------------------- values


def _type_issue(expected: str, value: Any) -> ValidationFailed:
    received = received_type(value)
    return ValidationFailed.at(
        ["value"],
        f"Expected {expected}, received {received}",
        code="invalid_type",
        expected=expected,
        received=received,
    )


def _text(ftype: FieldType, value: Any) -> str:
    if not isinstance(value, str):
        raise _type_issue("string", value)
    limit = 255 if ftype is FieldType.SHORT_TEXT else 100_000
    if len(value) > limit:
        raise ValidationFailed.at(
            ["value"],
            f"String must contain at most {limit} character(s)",
            code="too_big",
            maximum=limit,
            type="string",
            inclusive=True,
            exact=False,
        )
    return value


def _date(value: Any) -> str:
    if not isinstance(value, str):
        raise _type_issue("string", value)
    try:
        if len(value) != 10:
            raise ValueError(value)
        return date.fromisoformat(value).isoformat()
    except ValueError:
        raise ValidationFailed.at(
            ["value"], "Invalid date (expected YYYY-MM-DD)", code="invalid_string", validation="date"
        ) from None


def _datetime(value: Any) -> str:
    if not isinstance(value, str):
        raise _type_issue("string", value)
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise ValidationFailed.at(
            ["value"], "Invalid datetime", code="invalid_string", validation="datetime"
        ) from None
    if parsed.tzinfo is None:
        raise ValidationFailed.at(
            ["value"],
            "Invalid datetime (a time zone offset or Z is required)",
            code="invalid_string",
            validation="datetime",
        )
    return iso_ms(parsed)


def validate_field_value(ftype: FieldType, options: list[str] | None, value: Any) -> Any:
    """The stored form of ``value`` for a field of type ``ftype`` (400 with a Zod issue otherwise)."""
    if value is None:
        return None
    if ftype in (FieldType.SHORT_TEXT, FieldType.LONG_TEXT):
        return _text(ftype, value)
    if ftype is FieldType.NUMBER:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise _type_issue("number", value)
        if value != value or value in (float("inf"), float("-inf")):
            raise _type_issue("number", value)
        return value
    if ftype is FieldType.BOOLEAN:
        if not isinstance(value, bool):
            raise _type_issue("boolean", value)
        return value
    if ftype is FieldType.DATE:
        return _date(value)
    if ftype is FieldType.DATETIME:
        return _datetime(value)
    if ftype is FieldType.CHOICE:
        opts = options or []
        if not isinstance(value, str) or value not in opts:
            return_opts = " | ".join(f"'{o}'" for o in opts)
            raise ValidationFailed.at(
                ["value"],
                f"Invalid enum value. Expected {return_opts}, received '{value}'",
                code="invalid_enum_value",
                options=opts,
                received=value,
            )
        return value
    raise ValidationFailed.at(["value"], "Unsupported field type.")  # pragma: no cover


# ----------------------------------------------------------------------------- a document's values


def clean_name(raw: str | None, *, fallback: str) -> str:
    """A document name: a base name (never a path), 1..255 characters, no control characters."""
    if raw is None or not raw.strip():
        raw = fallback
    name = base_name(raw)
    name = "".join(ch for ch in name if unicodedata.category(ch) != "Cc").strip() or "upload"
    if len(name) > 255:
        stem, dot, ext = name.rpartition(".")
        keep_ext = bool(dot) and 0 < len(ext) <= 16
        name = stem[: 255 - len(ext) - 1] + "." + ext if keep_ext else name[:255]
    return name


def _find_field(fields: list[ProjectField], ref: str) -> ProjectField | None:
    for f in fields:
        if str(f.id) == ref:
            return f
    for f in fields:
        if f.name.lower() == ref.lower():
            return f
    return None


def apply_field(
    doc: Document, fields: list[ProjectField], ref: str, value: Any, path: list[str | int]
) -> str:
    """Set one field of ``doc`` (standard, by id or name, or one of ``fields``, the project's, by id
    or name); returns the field's id. Issues of the value are reported at ``path``."""
    fid = ref if ref in _STANDARD else _STANDARD_BY_NAME.get(ref.lower())
    try:
        if fid is not None:
            standard = _STANDARD[fid]
            if standard.read_only:
                raise ValidationFailed.at(path, f"The standard field '{fid}' is read-only.")
            checked = validate_field_value(standard.type, None, value)
            if fid == "name":
                if checked is None or not str(checked).strip():
                    raise ValidationFailed.at(path, "A document needs a name.")
                doc.name = clean_name(checked, fallback=doc.name)
            elif fid == "date":
                doc.document_date = checked
            else:
                doc.description = checked
            return fid
        field = _find_field(fields, ref)
        if field is None:
            raise NotFound(f"Field '{ref}' not found in this project.")
        checked = validate_field_value(FieldType(field.type), field.options, value)
    except ValidationFailed as exc:
        for issue in exc.issues:
            if issue.get("path") == ["value"]:
                issue["path"] = path
        raise
    values = dict(doc.field_values or {})
    if checked is None:
        values.pop(str(field.id), None)
    else:
        values[str(field.id)] = checked
    doc.field_values = values
    return str(field.id)


def parse_fields_form(raw: str | None) -> dict[str, Any]:
    """The ``fields`` form field of an upload: a JSON object of field id (or name) to value."""
    if raw is None or not raw.strip():
        return {}
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise ValidationFailed.at(["fields"], f"Malformed JSON in 'fields': {exc}") from None
    if not isinstance(data, dict):
        raise ValidationFailed.at(
            ["fields"],
            "'fields' must be a JSON object of field id (or name) to value.",
            code="invalid_type",
            expected="object",
            received="array" if isinstance(data, list) else type(data).__name__,
        )
    where = find_nul(data)
    if where is not None:
        raise ValidationFailed.at(["fields", *where], NUL_MESSAGE)
    return data
