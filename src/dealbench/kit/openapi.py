"""The OpenAPI document tells what the server answers: every error status, in the route's dialect.

FastAPI documents a ``422`` that Dealbench never answers (bad input is a ``400`` with Zod issues)
and none of the errors it does answer. :func:`document` builds FastAPI's document, then, for every
operation of an API dialect:

- removes the ``422``;
- adds the statuses every route of its kind can answer, each with a named error schema of its
  dialect and an example: ``400`` (bad input), ``401`` and ``403`` (when the route needs a token),
  ``404`` (when the path names an object), ``413`` and ``415`` (when it takes a body), ``429`` (when
  it is rate limited, with ``Retry-After`` and the rate-limit headers), ``500`` and ``503``
  (maintenance, database out of reach);
- fills the statuses a route declares itself (``responses={409: ...}`` where a duplicate or a state
  conflict is refused) with the same error schemas;
- documents conditional requests from their header parameters: ``412`` where ``If-Match`` is
  accepted; ``ETag`` on the ``200`` and a ``304`` where ``If-None-Match`` is.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from dealbench.kit.dialects import dialect_for
from dealbench.kit.etags import ETAG_HEADER

_REF = "#/components/schemas/"

#: Error bodies, one set per dialect (named components, shared by every operation).
ERROR_SCHEMAS: dict[str, dict[str, Any]] = {
    "ZodIssue": {
        "title": "ZodIssue",
        "type": "object",
        "description": "One problem of the input, in Zod's issue format.",
        "required": ["code", "path", "message"],
        "properties": {
            "code": {
                "type": "string",
                "description": "invalid_type, invalid_enum_value, too_small, too_big, invalid_string, "
                "unrecognized_keys, invalid_date, invalid_union, custom ...",
            },
            "path": {
                "type": "array",
                "items": {"anyOf": [{"type": "string"}, {"type": "integer"}]},
                "description": "Where the problem is: body keys and list indexes, or the parameter name.",
            },
            "message": {"type": "string"},
        },
        "additionalProperties": True,
    },
    "Error": {
        "title": "Error",
        "type": "object",
        "description": "An error of the `/v1` API.",
        "required": ["error"],
        "properties": {"error": {"type": "string", "description": "What went wrong, for people."}},
    },
    "ValidationError": {
        "title": "ValidationError",
        "type": "object",
        "description": "Bad input on the `/v1` API: the problems in Zod's issue format.",
        "required": ["error"],
        "properties": {
            "error": {"type": "string", "example": "Validation error."},
            "issues": {"type": "array", "items": {"$ref": _REF + "ZodIssue"}},
        },
    },
    "JSendFail": {
        "title": "JSendFail",
        "type": "object",
        "description": "JSend `fail`: the request was refused (bad input, unknown key, missing object ...).",
        "required": ["status", "data"],
        "properties": {
            "status": {"type": "string", "enum": ["fail"]},
            "data": {
                "type": "object",
                "additionalProperties": True,
                "description": "Field (or `message`) -> why, and what else the refusal carries (an upload's "
                "`missing_columns` ...).",
            },
        },
    },
    "JSendError": {
        "title": "JSendError",
        "type": "object",
        "description": "JSend `error`: the server could not answer.",
        "required": ["status", "message"],
        "properties": {
            "status": {"type": "string", "enum": ["error"]},
            "message": {"type": "string"},
            "code": {"type": "integer"},
            "data": {},
        },
    },
    "GraphQLErrors": {
        "title": "GraphQLErrors",
        "type": "object",
        "description": "A GraphQL answer carrying errors; each error has `extensions.code`.",
        "required": ["errors"],
        "properties": {
            "data": {"type": ["object", "null"]},
            "errors": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["message"],
                    "properties": {
                        "message": {"type": "string"},
                        "extensions": {
                            "type": "object",
                            "properties": {"code": {"type": "string"}},
                            "additionalProperties": True,
                        },
                    },
                    "additionalProperties": True,
                },
            },
        },
    },
}

_WHY: dict[int, str] = {
    400: "Bad input: a parameter or the body does not validate.",
    401: "No token, or one that is unknown, revoked or expired.",
    403: "The token lacks the scope this route needs, the user's role does not allow it, or API access "
    "is switched off for the organization.",
    404: "No such object in the token's organization.",
    409: "Refused because of the current state (a duplicate, an object in use ...).",
    412: "`If-Match` names a version that is no longer current.",
    413: "The body is larger than the route accepts.",
    415: "The body's content type is not one the route accepts.",
    429: "Rate limited: retry after `Retry-After` seconds.",
    500: "The server failed; trying again might help (the answer carries the request id).",
    503: "Down for maintenance, or the database is out of reach: retry after `Retry-After` seconds.",
}

_OPINE_EXAMPLES: dict[int, Any] = {
    400: {
        "error": "Validation error.",
        "issues": [
            {
                "code": "invalid_enum_value",
                "received": "PENDIN",
                "options": ["PENDING", "ACCEPTED", "REJECTED", "REVOKED"],
                "path": ["status"],
                "message": "Invalid enum value. Expected 'PENDING' | 'ACCEPTED' | 'REJECTED' | 'REVOKED', "
                "received 'PENDIN'",
            }
        ],
    },
    401: {"error": "The provided API token is invalid."},
    403: {"error": "This token lacks the 'deals:write' scope needed for this request."},
    404: {"error": "Deal not found."},
    409: {"error": "A deal with vendorEntityId '006Hs00001AbCdEFGH' already exists."},
    412: {"error": "The object changed since the version named in If-Match."},
    413: {"error": "Request body too large: at most 10485760 bytes."},
    415: {"error": "Unsupported content type 'text/plain': send application/json."},
    429: {"error": "Rate limit of 50 requests per minute exceeded; retry after the reset."},
    500: {"error": "An unknown error occurred, trying again might help. (request id 3f2a...)"},
    503: {"error": "Service unavailable: down for maintenance, try again later."},
}

_RETRY_AFTER = {"description": "Seconds to wait before retrying.", "schema": {"type": "integer"}}
_RATE_HEADERS = {
    "Retry-After": _RETRY_AFTER,
    "X-RateLimit-Limit": {"description": "Requests allowed per minute.", "schema": {"type": "integer"}},
    "X-RateLimit-Remaining": {"description": "Requests left in the window.", "schema": {"type": "integer"}},
    "X-RateLimit-Reset": {
        "description": "Unix time when one more request is allowed.",
        "schema": {"type": "integer"},
    },
    "RateLimit-Policy": {
        "description": 'The quota and its window (`"default";q=50;w=60`).',
        "schema": {"type": "string"},
    },
    "RateLimit": {
        "description": 'Remaining requests and seconds until one more is allowed (`"default";r=0;t=12`).',
        "schema": {"type": "string"},
    },
}


def _message(status: int, description: str | None = None) -> str:
    found = _OPINE_EXAMPLES.get(status)
    return str(found["error"]) if found else (description or _WHY.get(status, "Refused."))


def _jsend_example(status: int, description: str | None = None) -> Any:
    if status >= 500:
        return {"status": "error", "message": _message(status, description), "code": status}
    return {"status": "fail", "data": {"message": _message(status, description)}}


def _graphql_example(status: int, description: str | None = None) -> Any:
    codes = {
        400: "BAD_REQUEST",
        401: "UNAUTHENTICATED",
        403: "FORBIDDEN",
        405: "BAD_REQUEST",
        413: "PAYLOAD_TOO_LARGE",
        415: "UNSUPPORTED_MEDIA_TYPE",
        429: "RATE_LIMITED",
        500: "INTERNAL_SERVER_ERROR",
        503: "SERVICE_UNAVAILABLE",
    }
    message = _message(status, description)
    return {
        "data": None,
        "errors": [{"message": message, "extensions": {"code": codes.get(status, "BAD_REQUEST")}}],
    }


def error_response(status: int, dialect: str, description: str | None = None) -> dict[str, Any]:
    """The documented answer of ``status`` on a route of ``dialect``."""
    if dialect == "jsend":
        schema, example = (
            ("JSendError" if status >= 500 else "JSendFail"),
            _jsend_example(status, description),
        )
    elif dialect == "graphql":
        schema, example = "GraphQLErrors", _graphql_example(status, description)
    else:
        schema = "ValidationError" if status == 400 else "Error"
        example = _OPINE_EXAMPLES.get(status, {"error": _message(status, description)})
    answer: dict[str, Any] = {
        "description": description or _WHY.get(status, "Refused."),
        "content": {"application/json": {"schema": {"$ref": _REF + schema}, "example": example}},
    }
    if status == 429:
        answer["headers"] = copy.deepcopy(_RATE_HEADERS)
    elif status == 503:
        answer["headers"] = {"Retry-After": dict(_RETRY_AFTER)}
    return answer


def _header_parameters(operation: dict[str, Any]) -> set[str]:
    return {p["name"].lower() for p in operation.get("parameters", []) if p.get("in") == "header"}


def _statuses(path: str, operation: dict[str, Any]) -> list[int]:
    secured = bool(operation.get("security"))
    statuses = [400]
    if secured:
        statuses += [401, 403]
    if "{" in path:
        statuses.append(404)
    if "if-match" in _header_parameters(operation):
        statuses.append(412)
    if "requestBody" in operation:
        statuses += [413, 415]
    if secured:
        statuses.append(429)
    return [*statuses, 500, 503]


def _not_null_parameters(operation: dict[str, Any]) -> None:
    """A parameter is present or absent, never ``null``: ``int | None = None`` documents ``integer``."""
    for parameter in operation.get("parameters", []):
        schema = parameter.get("schema", {})
        options = schema.get("anyOf")
        if options and any(o.get("type") == "null" for o in options):
            kept = [o for o in options if o.get("type") != "null"]
            del schema["anyOf"]
            if len(kept) == 1:
                schema.update(kept[0])
            else:
                schema["anyOf"] = kept


def _document_etag(responses: dict[str, Any]) -> None:
    """A single-object read: ``ETag`` on its ``200``, and the ``304`` of ``If-None-Match``."""
    ok = responses.get("200")
    if ok is not None:
        ok.setdefault("headers", {})["ETag"] = dict(ETAG_HEADER)
    responses["304"] = {
        "description": "Not modified: `If-None-Match` names the current version (no body).",
        "headers": {"ETag": dict(ETAG_HEADER)},
    }


def _is_api(path: str) -> bool:
    return path.startswith(("/v1/", "/api/v1/")) or path in {"/graphql", "/api/v1"}


def document(app: FastAPI, *, extend: Callable[[dict[str, Any]], None] | None = None) -> dict[str, Any]:
    """The app's OpenAPI document with every error it answers (built once, then cached);
    ``extend`` documents what the app adds around its routes (e.g. idempotency keys)."""
    if app.openapi_schema:
        return app.openapi_schema
    spec = get_openapi(
        title=app.title,
        version=app.version,
        description=app.description,
        routes=app.routes,
        openapi_version=app.openapi_version,
    )
    schemas = spec.setdefault("components", {}).setdefault("schemas", {})
    for name in ("HTTPValidationError", "ValidationError"):
        schemas.pop(name, None)  # FastAPI's 422 bodies: never answered
    schemas.update(copy.deepcopy(ERROR_SCHEMAS))
    for path, item in spec.get("paths", {}).items():
        if not _is_api(path):
            continue
        dialect = dialect_for(path)
        for operation in item.values():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            _not_null_parameters(operation)
            responses: dict[str, Any] = operation["responses"]
            responses.pop("422", None)
            if "if-none-match" in _header_parameters(operation):
                _document_etag(responses)
            for status in _statuses(path, operation):
                key = str(status)
                declared = responses.get(key, {})
                if "content" not in declared:
                    responses[key] = {
                        **error_response(status, dialect, declared.get("description")),
                        **({"headers": declared["headers"]} if "headers" in declared else {}),
                    }
            for key, declared in list(responses.items()):
                if key.isdigit() and int(key) >= 400 and "content" not in declared:
                    responses[key] = error_response(int(key), dialect, declared.get("description"))
            operation["responses"] = dict(sorted(responses.items()))
    if extend is not None:
        extend(spec)
    app.openapi_schema = spec
    return spec
