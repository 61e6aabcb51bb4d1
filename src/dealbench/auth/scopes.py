"""Scopes: ``*``, ``*:read``, ``<resource>:read``, ``<resource>:write`` (write implies read)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Annotated

from pydantic import WithJsonSchema

from dealbench.models.user import Role

#: Every resource a scope may name. A domain adds its resource here when it adds routes.
RESOURCES: tuple[str, ...] = (
    "organization",
    "users",
    "teams",
    "invitations",
    "tokens",
    "deals",
    "evaluations",
    "sales-processes",
    "tickets",
    "projects",
    "templates",
    "documents",
    "contacts",
    "sales-targets",
    "imports",
    "opportunities",
    "events",
    "webhooks",
    "apps",
)

_SCOPE = re.compile(r"^(\*|\*:read|[a-z][a-z0-9-]*:(read|write))$")

#: The grammar of a scope name, as the API documents it (the resources spelled out).
SCOPE_PATTERN = r"^(\*|\*:read|(" + "|".join(RESOURCES) + r"):(read|write))$"

#: A scope name in a request body: declared with its pattern; the service checks it and names the
#: offending item in its own words.
ScopeName = Annotated[
    str,
    WithJsonSchema(
        {
            "type": "string",
            "pattern": SCOPE_PATTERN,
            "description": "`*`, `*:read`, or `<resource>:read|write`.",
        }
    ),
]

#: What a MEMBER's personal token may never do, whatever its scopes (managing users and the org).
MEMBER_DENIED = frozenset(
    {
        "users:write",
        "invitations:write",
        "organization:write",
        "teams:write",
        "imports:write",
        "webhooks:write",
        "apps:write",
    }
)


def is_valid_scope(scope: str) -> bool:
    if not _SCOPE.match(scope):
        return False
    return scope in {"*", "*:read"} or scope.split(":", 1)[0] in RESOURCES


def covers(granted: Iterable[str], required: str) -> bool:
    """Whether the ``granted`` scopes allow ``required`` (a ``*``, ``*:read`` or resource scope)."""
    granted = set(granted)
    if "*" in granted:
        return True
    if required == "*":
        return False
    if required == "*:read":
        return "*:read" in granted
    resource, _, action = required.partition(":")
    if required in granted:
        return True
    if action == "read":
        return "*:read" in granted or f"{resource}:write" in granted
    return False


def role_allows(role: Role, required: str) -> bool:
    """The bound a user's role puts on any personal token of that user."""
    if role is Role.ADMIN:
        return True
    if required == "*":
        return False
    if role is Role.VIEWER:
        return required.endswith(":read")
    return required not in MEMBER_DENIED
