"""Links the server hands out (import error files, emails): never from an unchecked Host header.

A link's base is ``DEALBENCH_PUBLIC_URL`` when it is set. Without it, the request's host is used
only when it is trusted: listed in ``DEALBENCH_ALLOWED_HOSTS`` (``app.example.com``, or
``*.example.com`` for its subdomains) or the tenant base domain ``DEALBENCH_BASE_DOMAIN`` and its
tenants' subdomains. Any other host gets a relative link (``/v1/imports/<id>/errors``): a forged
``Host`` header cannot make the server send its users elsewhere.

The tenant a host names (``acme.<base domain>``: :func:`host_tenant_slug`) lives here too; token
authentication refuses another organization's token on it.
"""

from __future__ import annotations

import re

from starlette.requests import Request

from dealbench.kit.clientinfo import is_https
from dealbench.settings import Settings

_HOST = re.compile(
    r"^(?P<name>[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$"
)


def _matches(hostname: str, pattern: str) -> bool:
    pattern = pattern.strip().lower().rstrip(".")
    if not pattern:
        return False
    if pattern.startswith("*."):
        return hostname.endswith(pattern[1:]) and hostname != pattern[2:]
    return hostname == pattern


def trusted_host(host: str | None, settings: Settings) -> bool:
    """Whether a ``Host`` header names this server (allow-list or tenant base domain)."""
    match = _HOST.match(host or "")
    if match is None:
        return False
    hostname = match["name"].lower().rstrip(".")
    patterns = list(settings.allowed_hosts)
    if settings.base_domain:
        base = settings.base_domain.strip().lower().strip(".")
        patterns += [base, f"*.{base}"]
    return any(_matches(hostname, p) for p in patterns)


def public_base_url(request: Request, settings: Settings) -> str:
    """``https://app.example.com`` for absolute links, or ``""`` (relative links) when the request's
    host cannot be trusted and no public URL is configured."""
    if settings.public_url:
        return settings.public_url.rstrip("/")
    host = request.headers.get("host")
    if trusted_host(host, settings):
        scheme = "https" if is_https(request.scope) else "http"  # behind a trusted proxy: as forwarded
        return f"{scheme}://{host}{request.scope.get('root_path', '')}".rstrip("/")
    return ""


def host_tenant_slug(host: str | None, base_domain: str | None) -> str | None:
    """``acme`` for ``acme.<base domain>[:port]``; ``None`` for any other host."""
    if not host or not base_domain:
        return None
    hostname = host.rsplit(":", 1)[0].lower().rstrip(".") if not host.startswith("[") else ""
    suffix = "." + base_domain.lower().strip(".")
    if hostname.endswith(suffix):
        slug = hostname[: -len(suffix)]
        if slug and "." not in slug:
            return slug
    return None
