"""GraphQL fields that declare what they need, where they are declared.

Every root field (a query or a mutation) and every relation field that loads data is declared with
:func:`scoped_field` or :func:`scoped_mutation` and a scope — the same scope names as the REST routes — or with
:func:`public_field`. The scope is checked by Strawberry's permission extension before the resolver
runs, and is written into the field's description, so the committed SDL lists it. The schema
refuses to build when a root field declares neither (see :func:`undeclared_fields`).

``args`` describes the field's arguments (by Python name) beside the field itself; the arguments
every list or mutation shares are described where they are typed (``Limit``, ``Offset``,
``PageNumber``) or by :data:`COMMON_ARGS`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import strawberry
from strawberry.extensions import FieldExtension
from strawberry.permission import BasePermission, PermissionExtension
from strawberry.types.base import StrawberryObjectDefinition
from strawberry.types.field import StrawberryField

from dealbench.kit.graphql.context import ctx


class HasScope(BasePermission):
    """The caller is authenticated (UNAUTHENTICATED) and holds ``scope`` (FORBIDDEN)."""

    def __init__(self, scope: str) -> None:
        self.scope = scope

    def has_permission(self, source: Any, info: strawberry.Info, **kwargs: Any) -> bool:
        ctx(info).check(self.scope)  # raises the error of the one hierarchy, with its code
        return True


class Public(FieldExtension):
    """Marks a field that needs no scope (the API version, the caller's own identity)."""

    def resolve(self, next_: Any, source: Any, info: strawberry.Info, **kwargs: Any) -> Any:
        return next_(source, info, **kwargs)

    async def resolve_async(self, next_: Any, source: Any, info: strawberry.Info, **kwargs: Any) -> Any:
        return await next_(source, info, **kwargs)


def _describe(description: str, scope: str) -> str:
    return f"{description.rstrip()} Scope `{scope}`."


def _guard(scope: str) -> list[FieldExtension]:
    return [PermissionExtension([HasScope(scope)], use_directives=False)]


#: Descriptions of the arguments many fields share, when the field does not describe them itself.
COMMON_ARGS: dict[str, str] = {
    "input": "The fields to set, validated by the same rules as the REST body.",
}


def _describe_args(made: Any, args: Mapping[str, str] | None) -> Any:
    for argument in made.arguments:
        text = (args or {}).get(argument.python_name) or COMMON_ARGS.get(argument.python_name)
        if text and not argument.description:
            argument.description = text
    return made


def _described(field: Any, args: Mapping[str, str] | None, kwargs: Mapping[str, Any]) -> Any:
    """``field`` with its arguments described: at once when it was given its resolver, else as the
    decorator that receives it."""
    if kwargs.get("resolver") is not None:
        return _describe_args(field, args)

    def decorate(resolver: Any) -> Any:
        return _describe_args(field(resolver), args)

    return decorate


def scoped_field(
    *, scope: str, description: str, args: Mapping[str, str] | None = None, **kwargs: Any
) -> Any:
    """A query or relation field that needs ``scope``."""
    field = strawberry.field(description=_describe(description, scope), extensions=_guard(scope), **kwargs)
    return _described(field, args, kwargs)


def scoped_mutation(
    *, scope: str, description: str, args: Mapping[str, str] | None = None, **kwargs: Any
) -> Any:
    """A mutation that needs ``scope``."""
    field = strawberry.mutation(description=_describe(description, scope), extensions=_guard(scope), **kwargs)
    return _described(field, args, kwargs)


def public_field(*, description: str, args: Mapping[str, str] | None = None, **kwargs: Any) -> Any:
    """A field any caller may read, signed in or not (no tenant data)."""
    field = strawberry.field(
        description=f"{description.rstrip()} No scope needed.", extensions=[Public()], **kwargs
    )
    return _described(field, args, kwargs)


def declared_scope(f: StrawberryField) -> str | None:
    """The scope a field declares; ``""`` for a public field; ``None`` when it declares nothing."""
    for extension in f.extensions:
        if isinstance(extension, Public):
            return ""
        if isinstance(extension, PermissionExtension):
            for permission in extension.permissions:
                if isinstance(permission, HasScope):
                    return permission.scope
    return None


def undeclared_fields(*roots: type) -> list[str]:
    """Root fields (``Type.field``) that declare neither a scope nor that they are public."""
    missing = []
    for root in roots:
        definition: StrawberryObjectDefinition = root.__strawberry_definition__  # type: ignore[attr-defined]
        for f in definition.fields:
            if declared_scope(f) is None:
                missing.append(f"{definition.name}.{f.python_name}")
    return missing
