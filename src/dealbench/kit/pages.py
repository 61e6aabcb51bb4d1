"""Server-rendered pages: the Jinja2 environment (templates under ``dealbench/templates``, escaped
by default), the page response with its security headers, and safe markdown.

Every page answers with a Content-Security-Policy that allows only the server's own scripts and
styles (no inline script, no ``eval``), refuses to be framed, and a ``same-origin`` Referrer-Policy.
htmx (vendored under ``/static/web``) reads its settings from a ``<meta>`` element, not a script.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from jinja2 import Environment, PackageLoader, select_autoescape
from markdown_it import MarkdownIt
from markupsafe import Markup
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from dealbench import __version__

CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "font-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "Referrer-Policy": "same-origin",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Cache-Control": "no-store",
}

_markdown = MarkdownIt("commonmark", {"html": False, "linkify": False}).enable("strikethrough")


def markdown(text: str | None) -> Markup:
    """Markdown as HTML: raw HTML in it is escaped, and links to ``javascript:`` and the like are
    dropped (markdown-it's link validation)."""
    return Markup(_markdown.render(text or ""))


def _money(value: Any) -> str:
    if value is None:
        return "—"
    return f"{float(value):,.0f}"


def _date(value: Any) -> str:
    if value is None:
        return "—"
    text = str(value)
    return text[:10]


def _filesize(value: Any) -> str:
    """``1.2 MB``: a size in bytes for people (powers of 1000, as file managers show them)."""
    if value is None:
        return "—"
    size = float(value)
    for unit in ("bytes", "KB", "MB", "GB"):
        if size < 1000 or unit == "GB":
            return f"{int(size)} {unit}" if unit == "bytes" else f"{size:.1f} {unit}"
        size /= 1000
    return f"{size:.1f} GB"


def _build() -> Environment:
    env = Environment(
        loader=PackageLoader("dealbench", "templates"),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
        enable_async=False,
    )
    env.filters["markdown"] = markdown
    env.filters["money"] = _money
    env.filters["date"] = _date
    env.filters["filesize"] = _filesize
    env.filters["urlquote"] = lambda v: quote(str(v), safe="")
    env.globals["version"] = __version__
    return env


templates = _build()


def secure(response: Response) -> Response:
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    return response


def render(
    request: Request, name: str, context: dict[str, Any] | None = None, status: int = 200
) -> HTMLResponse:
    """The template ``name`` with the request's signed-in context (``web``: principal and CSRF token)."""
    web = getattr(request.state, "web", None)
    values = {
        "request": request,
        "web": web,
        "me": web.principal.user if web is not None else None,
        "principal": web.principal if web is not None else None,
        "csrf": web.csrf_token if web is not None else getattr(request.state, "anon_csrf", ""),
        "path": request.url.path,
        **(context or {}),
    }
    html = templates.get_template(name).render(values)
    return secure(HTMLResponse(html, status_code=status))  # type: ignore[return-value]


def redirect(request: Request, url: str) -> Response:
    """303 to ``url`` (a same-origin path); for htmx requests, ``HX-Redirect`` so the whole page moves."""
    if request.headers.get("hx-request") == "true":
        return secure(Response(status_code=204, headers={"HX-Redirect": url}))
    return secure(RedirectResponse(url, status_code=303))


def safe_next(value: str | None, default: str = "/") -> str:
    """A path to return to after signing in: a same-origin relative path only (``/deals?x=1``);
    anything else (``//host``, ``/\\host``, a scheme, control characters) answers ``default``."""
    if not value or len(value) > 2000 or not value.startswith("/"):
        return default
    if value.startswith(("//", "/\\")) or any(ord(c) < 0x20 or c == "\\" for c in value):
        return default
    return value


# --------------------------------------------------------------------------- forms


def form_values(form: Any, *, skip: tuple[str, ...] = ("csrf_token",)) -> dict[str, Any]:
    """A submitted form as the values of an ``InModel``: empty fields are left out (not sent), so
    the model's own rules decide what is required; ``csrf_token`` is not a field."""
    return {k: v for k, v in form.items() if k not in skip and isinstance(v, str) and v.strip() != ""}


def field_errors(exc: Exception) -> dict[str, str]:
    """The issues of a validation error (Pydantic's, or the domain's ``ValidationFailed``) by the
    form field they belong to (the first element of their path): shown beside the field, in the
    same words the API uses."""
    from pydantic import ValidationError

    from dealbench.kit.errors import ValidationFailed
    from dealbench.kit.zod import issues_from_pydantic

    if isinstance(exc, ValidationError):
        issues = issues_from_pydantic(exc.errors())
    elif isinstance(exc, ValidationFailed):
        issues = exc.issues
    else:
        return {"": str(exc)}
    out: dict[str, str] = {}
    for issue in issues:
        path = issue.get("path") or [""]
        out.setdefault(str(path[0]), str(issue.get("message", "Invalid value.")))
    return out
