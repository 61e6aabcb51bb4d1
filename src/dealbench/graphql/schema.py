"""The three schemas, one per kind of caller, assembled from each domain's ``graphql.py``.

A domain's GraphQL face is a module with a ``Query`` and/or a ``Mutation`` Strawberry type; its
fields are merged into the root types of the schemas that list the module below.

Extension point: a domain that gains a GraphQL face (documents, pipeline ...) adds its module to
``ORGANIZATION_MODULES`` (every authenticated schema) and regenerates the committed SDL files with
``dealbench graphql sdl --kind ... > src/dealbench/graphql/sdl/<kind>.graphql``.
"""

from __future__ import annotations

import importlib
import uuid
from datetime import datetime
from functools import cache
from typing import Any

import strawberry
from strawberry.schema.config import StrawberryConfig
from strawberry.tools import merge_types
from strawberry.types import ExecutionContext

from dealbench.graphql.limits import Limits
from dealbench.kit.graphql.context import SchemaKind
from dealbench.kit.graphql.fields import undeclared_fields
from dealbench.kit.graphql.types import DATETIME, UUID
from graphql import GraphQLError

PUBLIC_MODULES: tuple[str, ...] = ("dealbench.graphql.public",)

ORGANIZATION_MODULES: tuple[str, ...] = (
    *PUBLIC_MODULES,
    "dealbench.graphql.me",
    "dealbench.organizations.graphql",
    "dealbench.users.graphql",
    "dealbench.teams.graphql",
    "dealbench.tokens.graphql",
    "dealbench.invitations.graphql",
    # sales
    "dealbench.deals.graphql",
    "dealbench.tickets.graphql",
    "dealbench.sales_processes.graphql",
    "dealbench.evaluations.graphql",
    "dealbench.evaluations.portal_graphql",
    # documents
    "dealbench.documents.graphql",
    # pipeline
    "dealbench.contacts.graphql",
    "dealbench.sales_targets.graphql",
    # events, webhooks and apps
    "dealbench.events.graphql",
    "dealbench.webhooks.graphql",
    "dealbench.apps.graphql",
)

#: A personal token sees what an organization token sees (its role and scopes then decide what it
#: may do); ``me`` answers both, as Optix's does.
PERSONAL_MODULES: tuple[str, ...] = ORGANIZATION_MODULES

MODULES: dict[SchemaKind, tuple[str, ...]] = {
    SchemaKind.PUBLIC: PUBLIC_MODULES,
    SchemaKind.ORGANIZATION: ORGANIZATION_MODULES,
    SchemaKind.PERSONAL: PERSONAL_MODULES,
}


QUERY_DESCRIPTION: dict[SchemaKind, str] = {
    SchemaKind.PUBLIC: "What anyone may read without a token: the API version and who is calling.",
    SchemaKind.ORGANIZATION: "What an organization token may read, each field within its declared scope.",
    SchemaKind.PERSONAL: "What a personal token may read, as its user: each field within its declared "
    "scope and the user's role.",
}


class DealbenchSchema(strawberry.Schema):
    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        """Errors are logged where they are formatted (only the unexpected ones: see errors.py)."""


def _roots(modules: tuple[str, ...], attr: str) -> list[type[Any]]:
    found = []
    for name in modules:
        module = importlib.import_module(name)
        root = getattr(module, attr, None)
        if root is not None:
            found.append(root)
    return found


@cache
def get_schema(kind: SchemaKind) -> DealbenchSchema:
    modules = MODULES[kind]
    queries = _roots(modules, "Query")
    mutations = _roots(modules, "Mutation")
    undeclared = undeclared_fields(*queries, *mutations)
    if undeclared:
        raise TypeError(f"GraphQL fields without a declared scope (or public_field): {undeclared}")
    query = merge_types("Query", tuple(queries))
    query.__strawberry_definition__.description = QUERY_DESCRIPTION[kind]  # type: ignore[attr-defined]
    mutation = merge_types("Mutation", tuple(mutations)) if mutations else None
    if mutation is not None:
        mutation.__strawberry_definition__.description = (  # type: ignore[attr-defined]
            "What a token may change, each mutation in its own savepoint. Mutations run in order; "
            "one that fails leaves nothing behind and the others still apply."
        )
    return DealbenchSchema(
        query=query,
        mutation=mutation,
        extensions=[Limits],
        config=StrawberryConfig(scalar_map={datetime: DATETIME, uuid.UUID: UUID}),
    )


def sdl(kind: SchemaKind) -> str:
    """The schema of ``kind`` in SDL, as committed under ``src/dealbench/graphql/sdl/``."""
    return get_schema(kind).as_str().rstrip("\n") + "\n"
