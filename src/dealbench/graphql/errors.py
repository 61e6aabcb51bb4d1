"""GraphQL errors: every error carries ``extensions.code``, taken from the one error hierarchy.

- a :class:`DealbenchError` raised by a service: its ``graphql_code`` (``FORBIDDEN``, ``NOT_FOUND``,
  ``BAD_USER_INPUT`` with the Zod ``issues``, ``CONFLICT``, ``RATE_LIMITED`` ...);
- a document that does not parse: ``GRAPHQL_PARSE_FAILED``; one that does not validate against the
  token's schema (unknown field, bad literal argument, a limit exceeded): ``GRAPHQL_VALIDATION_FAILED``;
- variables that do not fit their declared types: ``BAD_USER_INPUT``;
- anything else is a bug: ``INTERNAL_SERVER_ERROR`` with the request id and no detail, logged.
"""

from __future__ import annotations

import logging
from typing import Any

from pydantic import ValidationError

from dealbench.kit.errors import DealbenchError, InternalError, ValidationFailed
from dealbench.kit.zod import issues_from_pydantic
from graphql import GraphQLError, GraphQLSyntaxError

log = logging.getLogger("dealbench.graphql")


class LimitExceeded(GraphQLError):
    """A query over one of the limits (size, selections, depth, aliases, complexity): refused before
    execution."""

    def __init__(self, message: str, limit: str, maximum: int, actual: int | None, nodes: Any = None) -> None:
        extensions: dict[str, Any] = {"code": "GRAPHQL_VALIDATION_FAILED", "limit": limit, "maximum": maximum}
        if actual is not None:
            extensions["actual"] = actual  # unknown when reading stopped at the limit
        super().__init__(message, nodes, extensions=extensions)


def _location_list(error: GraphQLError) -> list[dict[str, int]] | None:
    if not error.locations:
        return None
    return [{"line": loc.line, "column": loc.column} for loc in error.locations]


def _under_input(issues: list[dict[str, Any]], error: GraphQLError) -> list[dict[str, Any]]:
    """Issues at a path of the request body (a service checks the body as REST sent it: an id that
    names nothing of the organization is an issue at ``["ownerUserId"]``) start at the field's
    ``input`` argument, where the GraphQL client sent that body; issues already at an argument
    (``["input", ...]``, ``["page"]``) stay."""
    node = error.nodes[0] if error.nodes else None
    names = {arg.name.value for arg in getattr(node, "arguments", None) or ()}
    if "input" not in names:
        return issues
    out = []
    for issue in issues:
        path = list(issue.get("path") or [])
        out.append(issue if path and path[0] in names else {**issue, "path": ["input", *path]})
    return out


def format_error(error: GraphQLError, request_id: str | None = None) -> dict[str, Any]:
    original = error.original_error
    while isinstance(original, GraphQLError) and original.original_error is not None:
        original = original.original_error
    message = error.message
    extensions: dict[str, Any] = {}
    if isinstance(original, DealbenchError):
        message = original.message
        extensions["code"] = original.graphql_code
        if isinstance(original, ValidationFailed):
            extensions["issues"] = _under_input(original.issues, error)
    elif isinstance(original, ValidationError):
        extensions["code"] = "BAD_USER_INPUT"
        extensions["issues"] = issues_from_pydantic(original.errors())
        message = "Validation error."
    elif error.extensions and "code" in error.extensions:
        extensions.update(error.extensions)
    elif isinstance(error, GraphQLSyntaxError):
        extensions["code"] = "GRAPHQL_PARSE_FAILED"
    elif error.path is None and "Variable '$" in message:
        extensions["code"] = "BAD_USER_INPUT"  # variables that do not fit their declared types
    elif error.path is None:
        extensions["code"] = "GRAPHQL_VALIDATION_FAILED"
    elif original is not None and not isinstance(original, GraphQLError):
        log.error("GraphQL resolver failed (request %s)", request_id, exc_info=original)
        message = InternalError(request_id).message
        extensions["code"] = "INTERNAL_SERVER_ERROR"
    else:
        extensions["code"] = "BAD_USER_INPUT"  # e.g. a value the schema could not coerce
    out: dict[str, Any] = {"message": message}
    locations = _location_list(error)
    if locations:
        out["locations"] = locations
    if error.path is not None:
        out["path"] = list(error.path)
    out["extensions"] = extensions
    return out


def is_request_error(error: GraphQLError) -> bool:
    """Refused before execution (parse, validation, variables): the whole request was bad."""
    return error.path is None and not isinstance(error.original_error, DealbenchError)
