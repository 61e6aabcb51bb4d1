"""One hierarchy of domain errors. Each carries its HTTP status; each wire dialect renders them."""

from __future__ import annotations

from typing import Any


class DealbenchError(Exception):
    status_code: int = 500
    default_message: str = "Internal server error."
    #: GraphQL ``extensions.code``
    graphql_code: str = "INTERNAL_SERVER_ERROR"

    def __init__(self, message: str | None = None, *, headers: dict[str, str] | None = None) -> None:
        self.message = message or self.default_message
        self.headers = headers or {}
        super().__init__(self.message)

    def jsend_data(self) -> dict[str, Any]:
        """The ``data`` of a JSend ``fail``: field -> why."""
        return {"message": self.message}


class InternalError(DealbenchError):
    """A bug or an unexpected failure: the message Opine's API reference documents for a 500, with the
    request id to quote (the details are in the server's log, never in the answer)."""

    def __init__(self, request_id: str | None) -> None:
        super().__init__(f"An unknown error occurred, trying again might help. (request id {request_id})")


class BadRequest(DealbenchError):
    status_code = 400
    default_message = "Bad request."
    graphql_code = "BAD_USER_INPUT"


class Unauthorized(DealbenchError):
    status_code = 401
    default_message = "Missing or invalid API token."
    graphql_code = "UNAUTHENTICATED"


class Forbidden(DealbenchError):
    status_code = 403
    default_message = "You do not have permission to perform this action."
    graphql_code = "FORBIDDEN"


class NotFound(DealbenchError):
    status_code = 404
    default_message = "Not found."
    graphql_code = "NOT_FOUND"

    def __init__(self, message: str | None = None, **kw: Any) -> None:
        super().__init__(message, **kw)


class MethodNotAllowed(DealbenchError):
    status_code = 405
    default_message = "Method not allowed."
    graphql_code = "BAD_REQUEST"


class Conflict(DealbenchError):
    status_code = 409
    default_message = "Conflict."
    graphql_code = "CONFLICT"


class PreconditionFailed(DealbenchError):
    """``If-Match`` names a version of the object that is no longer its current one."""

    status_code = 412
    default_message = "The object changed since the version named in If-Match."
    graphql_code = "PRECONDITION_FAILED"


class PayloadTooLarge(DealbenchError):
    status_code = 413
    default_message = "Request body too large."
    graphql_code = "PAYLOAD_TOO_LARGE"


class UnsupportedMediaType(DealbenchError):
    status_code = 415
    default_message = "Unsupported content type."
    graphql_code = "UNSUPPORTED_MEDIA_TYPE"


class RateLimited(DealbenchError):
    status_code = 429
    default_message = "Rate limit exceeded."
    graphql_code = "RATE_LIMITED"


class ServiceUnavailable(DealbenchError):
    status_code = 503
    default_message = "Service unavailable: down for maintenance, try again later."
    graphql_code = "SERVICE_UNAVAILABLE"


class DatabaseUnavailable(ServiceUnavailable):
    """The database cannot be reached (refused, unknown host, no such database or file, bad
    credentials, too many connections). ``where`` and ``reason`` are for the server's log and
    command line, never for clients."""

    default_message = "The database cannot be reached right now; try again later."

    def __init__(self, where: str = "", reason: str = "", *, message: str | None = None) -> None:
        super().__init__(message, headers={"Retry-After": "30"})
        self.where = where
        self.reason = reason


class ValidationFailed(BadRequest):
    """Bad input, described as Zod-style issues (see :mod:`dealbench.kit.zod`)."""

    default_message = "Validation error."

    def __init__(self, issues: list[dict[str, Any]], message: str | None = None) -> None:
        super().__init__(message)
        self.issues = issues

    @classmethod
    def at(cls, path: list[str | int], message: str, code: str = "custom", **extra: Any) -> ValidationFailed:
        return cls([{"code": code, "path": path, "message": message, **extra}])

    def jsend_data(self) -> dict[str, Any]:
        data: dict[str, Any] = {}
        for issue in self.issues:
            key = ".".join(str(p) for p in issue.get("path", [])) or "body"
            data.setdefault(key, issue.get("message", "Invalid value."))
        return data or {"message": self.message}
