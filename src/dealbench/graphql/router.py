"""``/graphql``: the Optix dialect over the same services, with a schema per kind of caller.

- ``POST /graphql`` with JSON ``{query, variables, operationName}`` (``access_token`` may ride along),
  with ``application/graphql`` (the body is the query), or as a form; ``GET /graphql?query=...`` for
  queries (a mutation over GET is refused: 405).
- ``GET /graphql`` from a browser (no ``query``): the GraphiQL playground; ``GET /graphql/voyager``:
  the schema map. Both are served from the package (``/graphql/static``), nothing from a CDN.
- No token, or one that is missing/unknown/revoked/expired: the public schema (never a 401).
  A token that is rate limited (429) or whose organization switched API access off (403) is refused
  at the HTTP level, in GraphQL shape.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, FastAPI, Query, Request
from fastapi.staticfiles import StaticFiles
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.responses import Response
from strawberry.exceptions import MissingQueryError
from strawberry.schema.exceptions import CannotGetOperationTypeError, InvalidOperationTypeError
from strawberry.types.graphql import OperationType as StrawberryOperation

from dealbench.auth.principal import Principal
from dealbench.auth.tokens import extract_token, resolve_principal
from dealbench.graphql.errors import format_error, is_request_error
from dealbench.graphql.limits import parse_document
from dealbench.graphql.schema import get_schema
from dealbench.kit import metrics
from dealbench.kit.clientinfo import client_address
from dealbench.kit.db import write_intent
from dealbench.kit.errors import RateLimited, Unauthorized
from dealbench.kit.graphql.context import GraphQLContext, SchemaKind
from dealbench.kit.text import find_nul
from dealbench.kit.uow import checkpoint
from graphql import DocumentNode, GraphQLError, OperationDefinitionNode, OperationType

STATIC_DIR = Path(__file__).resolve().parent.parent / "static" / "graphql"
#: Sent by the playground's own fetcher; lets the read-only demo mode refuse its mutations.
PLAYGROUND_HEADER = "x-dealbench-client"

router = APIRouter(tags=["GraphQL"])

#: The JSON body; ``application/graphql`` (the body is the document) and a form are accepted too and
#: told in the description: client generators build one body type per operation.
_REQUEST_BODY = {
    "required": True,
    "content": {
        "application/json": {
            "schema": {
                "type": "object",
                "required": ["query"],
                "properties": {
                    "query": {"type": "string"},
                    "variables": {"type": ["object", "null"]},
                    "operationName": {"type": ["string", "null"]},
                    "access_token": {"type": "string"},
                },
            }
        },
    },
}
_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "`{data, errors?}`; each error has `extensions.code`.",
        "content": {"application/json": {"schema": {"type": "object"}}},
    },
    400: {"description": "The document or the variables were refused before execution."},
    429: {"description": "Rate limited (`RATE_LIMITED`), with `Retry-After`."},
}


class _RequestError(Exception):
    def __init__(self, status: int, message: str, code: str = "BAD_REQUEST") -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.code = code


def _json(body: dict[str, Any], status: int = 200) -> Response:
    return Response(
        orjson.dumps(body, option=orjson.OPT_NON_STR_KEYS),
        status_code=status,
        media_type="application/json",
    )


def _error(status: int, message: str, code: str) -> Response:
    return _json({"data": None, "errors": [{"message": message, "extensions": {"code": code}}]}, status)


def _variables(raw: Any) -> dict[str, Any] | None:
    if raw is None or raw == "":
        return None
    if isinstance(raw, str):
        try:
            raw = orjson.loads(raw)
        except orjson.JSONDecodeError as exc:
            raise _RequestError(400, "`variables` must be a JSON object.", "BAD_USER_INPUT") from exc
    if raw is None:
        return None
    if not isinstance(raw, dict):
        raise _RequestError(400, "`variables` must be a JSON object.", "BAD_USER_INPUT")
    if find_nul(raw) is not None:
        raise _RequestError(400, "Text may not contain the NUL character (\\u0000).", "BAD_USER_INPUT")
    return raw


def _str_or_none(value: Any, name: str) -> str | None:
    if value is None or isinstance(value, str):
        return value or None
    raise _RequestError(400, f"`{name}` must be a string.", "BAD_REQUEST")


async def _post_params(request: Request) -> tuple[str | None, dict[str, Any] | None, str | None]:
    ctype = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if ctype == "application/graphql":
        text = (await request.body()).decode("utf-8", errors="replace")
        return (
            text,
            _variables(request.query_params.get("variables")),
            request.query_params.get("operationName"),
        )
    if ctype in {"application/x-www-form-urlencoded", "multipart/form-data"}:
        # Text fields only: a file part is refused, so nothing is ever spooled to disk here.
        form = await request.form(max_files=0)
        query, operation = form.get("query"), form.get("operationName")
        return (
            _str_or_none(query, "query"),
            _variables(form.get("variables")),
            _str_or_none(operation, "operationName"),
        )
    raw = await request.body()
    if not raw.strip():
        raise _RequestError(
            400, "Send a JSON body with `query` (and optionally `variables`, `operationName`)."
        )
    try:
        body = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise _RequestError(400, f"Malformed JSON body: {exc}.", "BAD_REQUEST") from exc
    if isinstance(body, list):
        raise _RequestError(400, "Batched operations are not supported: send one operation per request.")
    if not isinstance(body, dict):
        raise _RequestError(400, "The JSON body must be an object with `query`.")
    return (
        _str_or_none(body.get("query"), "query"),
        _variables(body.get("variables")),
        _str_or_none(body.get("operationName"), "operationName"),
    )


def _operation_type(document: DocumentNode | None, operation_name: str | None) -> OperationType | str | None:
    """The type of the operation that will run; a message when it cannot be chosen; None when the
    document was refused by the parser (execution then says why)."""
    if document is None:
        return None
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if operation_name is None:
        if len(operations) > 1:
            return "The document has several operations: send `operationName` to choose one."
        return operations[0].operation if operations else None
    for op in operations:
        if op.name is not None and op.name.value == operation_name:
            return op.operation
    return f"The document has no operation named '{operation_name}'."


async def _principal(request: Request, session: AsyncSession) -> tuple[Principal | None, str | None]:
    """The caller's principal, or (None, why) for the public schema. Rate limits apply to both."""
    try:
        return await resolve_principal(request, session), None
    except Unauthorized as exc:
        reason = exc.message if await extract_token(request) else "No API token was sent."
    services = request.app.state.services
    client = client_address(request.scope)  # behind a trusted proxy: the forwarded client
    verdict = await services.rate_limiter.hit(f"anonymous:{client}", services.settings.rate_limit_per_minute)
    request.state.rate_headers = verdict.headers()
    if not verdict.allowed:
        metrics.rate_limit_refused("anonymous")
        raise RateLimited(
            f"Rate limit of {verdict.limit} requests per minute exceeded; retry after the reset.",
            headers=verdict.headers(),
        )
    return None, reason


async def execute(
    request: Request,
    query: str | None,
    variables: dict[str, Any] | None,
    operation_name: str | None,
) -> Response:
    if not query or not query.strip():
        return _error(400, "Send a GraphQL document in `query`.", "BAD_REQUEST")
    # Parsed once, within the size limits; a refused document is parsed (and refused) again by the
    # schema's Limits extension, after the caller was identified and rate limited.
    document: DocumentNode | None
    try:
        document = parse_document(query)
    except GraphQLError:
        document = None
    op_type = _operation_type(document, operation_name)
    if isinstance(op_type, str):
        return _error(400, op_type, "BAD_REQUEST")
    if op_type is OperationType.SUBSCRIPTION:
        return _error(
            400, "Subscriptions are not supported: this endpoint runs queries and mutations.", "BAD_REQUEST"
        )
    is_mutation = op_type is OperationType.MUTATION
    services = request.app.state.services
    if is_mutation and request.method == "GET":
        response = _error(405, "Mutations must be sent with POST.", "BAD_REQUEST")
        response.headers["Allow"] = "GET, POST"
        return response
    if (
        is_mutation
        and services.settings.graphql_playground_readonly
        and request.headers.get(PLAYGROUND_HEADER, "").lower() == "playground"
    ):
        return _error(
            403,
            "The playground is read-only on this server (DEALBENCH_GRAPHQL_PLAYGROUND_READONLY=1): "
            "mutations are refused here; send them from your own client.",
            "FORBIDDEN",
        )
    # The principal is read in a plain (deferred) transaction: recording the token's lastUsedAt
    # happens in a second connection, which must not wait behind this one's write lock (SQLite).
    reset = write_intent.set(False)
    try:
        async with services.sessionmaker() as session:
            principal, reason = await _principal(request, session)
            if is_mutation:
                await checkpoint(session)  # ends the read; the mutation's statements take the write lock
                write_intent.set(True)
            if principal is None:
                kind = SchemaKind.PUBLIC
            elif principal.is_personal:
                kind = SchemaKind.PERSONAL
            else:
                kind = SchemaKind.ORGANIZATION
            context = GraphQLContext(
                request=request,
                services=services,
                session=session,
                principal=principal,
                kind=kind,
                anonymous_reason=reason,
                document=document,
            )
            allowed = (
                {StrawberryOperation.QUERY}
                if request.method == "GET"
                else {StrawberryOperation.QUERY, StrawberryOperation.MUTATION}
            )
            try:
                result = await get_schema(kind).execute(
                    query,
                    variable_values=variables,
                    context_value=context,
                    operation_name=operation_name,
                    allowed_operation_types=allowed,
                )
            except MissingQueryError:
                return _error(400, "Send a GraphQL document in `query`.", "BAD_REQUEST")
            except CannotGetOperationTypeError:
                which = f"named '{operation_name}'" if operation_name else "to run"
                return _error(
                    400,
                    f"Cannot find the operation {which}: send `operationName` when the document has several.",
                    "BAD_REQUEST",
                )
            except InvalidOperationTypeError as exc:
                return _error(
                    405,
                    f"{exc.operation_type.value.capitalize()}s are not allowed over {request.method}.",
                    "BAD_REQUEST",
                )
            if is_mutation:
                await checkpoint(session)
    finally:
        write_intent.reset(reset)

    request_id = getattr(request.state, "request_id", None)
    body: dict[str, Any] = {}
    status = 200
    if result.errors:
        if result.data is None and all(is_request_error(e) for e in result.errors):
            status = 400
        body["errors"] = [format_error(e, request_id) for e in result.errors]
        if kind is SchemaKind.PUBLIC:
            _explain_anonymous(body["errors"], reason)
    body["data"] = result.data
    return _json(body, status)


_BEYOND_PUBLIC = ("Cannot query field", "mutation operation is not supported", "Unknown type")


def _explain_anonymous(errors: list[dict[str, Any]], reason: str | None) -> None:
    """An anonymous caller asking for more than the public schema: UNAUTHENTICATED, saying why."""
    for error in errors:
        ext = error.get("extensions", {})
        if ext.get("code") == "GRAPHQL_VALIDATION_FAILED" and any(
            m in error["message"] for m in _BEYOND_PUBLIC
        ):
            ext["code"] = "UNAUTHENTICATED"
            error["message"] += (
                f" Anonymous callers see the public schema only ({reason or 'no API token was sent'}): "
                "send a valid token to see the full schema."
            )


def _wants_html(request: Request) -> bool:
    accept = request.headers.get("accept", "")
    return "text/html" in accept


@router.get(
    "/graphql",
    summary="GraphQL (queries) — or the GraphiQL playground from a browser",
    description=(
        "A GraphQL query in `query` (with `variables` as a JSON object and `operationName`). "
        "The token chooses the schema: none or invalid: the public schema; an organization token: "
        "the organization schema; a personal token: the personal schema (with `me`). "
        "Without `query`, a browser gets the GraphiQL playground; `?access_token=` pre-fills it."
    ),
    responses=_RESPONSES,
)
async def graphql_get(
    request: Request,
    query: Annotated[str | None, Query(description="The GraphQL document.")] = None,
    variables: Annotated[str | None, Query(description="A JSON object of variables.")] = None,
    operationName: Annotated[str | None, Query(description="The operation to run.")] = None,
) -> Response:
    if query is None and _wants_html(request):
        from dealbench.graphql.pages import playground

        return await playground(request)
    try:
        values = _variables(variables)
    except _RequestError as exc:
        return _error(exc.status, exc.message, exc.code)
    return await execute(request, query, values, operationName)


@router.post(
    "/graphql",
    summary="GraphQL (queries and mutations)",
    description=(
        "JSON `{query, variables, operationName}`, `application/graphql` (the body is the document), "
        "or a form. The token chooses the schema (see GET)."
    ),
    responses=_RESPONSES,
    openapi_extra={"requestBody": _REQUEST_BODY},
)
async def graphql_post(request: Request) -> Response:
    try:
        query, variables, operation_name = await _post_params(request)
    except _RequestError as exc:
        return _error(exc.status, exc.message, exc.code)
    return await execute(request, query, variables, operation_name)


@router.get("/graphql/voyager", include_in_schema=False)
async def graphql_voyager(request: Request) -> Response:
    from dealbench.graphql.pages import voyager

    return await voyager(request)


def install(app: FastAPI) -> None:
    """Mount the GraphQL routes and the playground's assets on the app."""
    app.include_router(router)
    app.mount("/graphql/static", StaticFiles(directory=STATIC_DIR), name="graphql-static")
