"""Render a :class:`DealbenchError` in the dialect of the route it happened on.

- ``/api/v1``: JSend (``fail`` for 4xx, ``error`` for 5xx)
- ``/graphql``: a GraphQL error object with ``extensions.code``
- everything else (``/v1`` ...): Opine ``{"error": ...}`` with Zod ``issues`` for bad input
"""

from __future__ import annotations

from typing import Any, Literal

import orjson
from starlette.responses import Response

from dealbench.kit.errors import DealbenchError, ValidationFailed

Dialect = Literal["opine", "jsend", "graphql"]


def dialect_for(path: str) -> Dialect:
    if path == "/api/v1" or path.startswith("/api/v1/"):
        return "jsend"
    if path == "/graphql" or path.startswith("/graphql/"):
        return "graphql"
    return "opine"


def error_body(err: DealbenchError, dialect: Dialect) -> dict[str, Any]:
    if dialect == "jsend":
        if err.status_code >= 500:
            return {"status": "error", "message": err.message, "code": err.status_code}
        return {"status": "fail", "data": err.jsend_data()}
    if dialect == "graphql":
        code = err.graphql_code
        if code == "INTERNAL_SERVER_ERROR" and err.status_code < 500:
            code = "BAD_REQUEST"  # a refusal is never reported as the server's failure
        extensions: dict[str, Any] = {"code": code}
        if isinstance(err, ValidationFailed):
            extensions["issues"] = err.issues
        return {"data": None, "errors": [{"message": err.message, "extensions": extensions}]}
    body: dict[str, Any] = {"error": err.message}
    if isinstance(err, ValidationFailed):
        body["issues"] = err.issues
    return body


def render_error(err: DealbenchError, path: str) -> Response:
    """The error as a response (the middleware adds ``X-Request-Id`` to every answer)."""
    headers = dict(err.headers)
    return Response(
        orjson.dumps(error_body(err, dialect_for(path))),
        status_code=err.status_code,
        headers=headers,
        media_type="application/json",
    )
