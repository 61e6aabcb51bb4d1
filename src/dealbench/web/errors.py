"""Errors on pages: an HTML page in the layout (a 404 for another organization's object, a 403 for
a refused write), and the sign-in page for a page asked for without a session."""

from __future__ import annotations

from urllib.parse import quote

from fastapi.routing import APIRoute
from starlette.requests import Request
from starlette.responses import Response

from dealbench.auth.sessions import SignInRequired
from dealbench.kit.errors import DealbenchError
from dealbench.kit.pages import redirect, render

PAGE_TAG = "pages"
_API_PREFIXES = ("/v1", "/api/", "/graphql", "/docs", "/openapi.json", "/healthz", "/readyz", "/metrics")


def is_page(request: Request) -> bool:
    """Whether an error of this request is answered as a page: a page route's, or an unknown path
    a browser asked for."""
    route = request.scope.get("route")
    if isinstance(route, APIRoute):
        return PAGE_TAG in (route.tags or [])
    path = request.url.path
    return not path.startswith(_API_PREFIXES) and "text/html" in request.headers.get("accept", "")


def page_error(request: Request, err: DealbenchError) -> Response:
    if isinstance(err, SignInRequired):
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        if request.method != "GET":
            target = "/"
        return redirect(request, f"/login?next={quote(target, safe='')}")
    titles = {403: "Not allowed", 404: "Not found", 409: "Conflict", 429: "Too many requests"}
    response = render(
        request,
        "error.html",
        {
            "status": err.status_code,
            "title": titles.get(err.status_code, "Something went wrong"),
            "message": err.message,
        },
        status=err.status_code,
    )
    for name, value in err.headers.items():
        response.headers.setdefault(name, value)
    return response
