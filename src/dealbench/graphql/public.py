"""What every schema answers, the public one included: ``apiVersion`` and ``viewer``."""

from __future__ import annotations

import strawberry

from dealbench import __version__
from dealbench.kit.graphql.context import SchemaKind, ctx
from dealbench.kit.graphql.fields import public_field


@strawberry.type(description="Who is calling: anonymous, or which kind of token.")
class Viewer:
    authenticated: bool = strawberry.field(description="Whether the request carried a valid token.")
    token_kind: str | None = strawberry.field(description="ORGANIZATION or PERSONAL; null when anonymous.")
    message: str = strawberry.field(description="What this schema shows, and why.")


@strawberry.type
class Query:
    @public_field(description="The Dealbench version serving this API.")
    def api_version(self) -> str:
        return __version__

    @public_field(description="The caller. Anonymous callers see this small public schema only.")
    def viewer(self, info: strawberry.Info) -> Viewer:
        context = ctx(info)
        if context.principal is None:
            reason = context.anonymous_reason or "No API token was sent."
            return Viewer(
                authenticated=False,
                token_kind=None,
                message=f"{reason} Send a valid token (Authorization: Bearer TOKEN, or "
                "?access_token=TOKEN) to see the full schema.",
            )
        kind = "PERSONAL" if context.kind is SchemaKind.PERSONAL else "ORGANIZATION"
        return Viewer(
            authenticated=True,
            token_kind=kind,
            message=f"The {kind.lower()} schema of organization '{context.principal.organization.slug}'.",
        )
