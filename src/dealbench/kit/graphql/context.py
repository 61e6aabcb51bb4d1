"""The context of one GraphQL request: its session, its caller, its DataLoaders.

Resolvers never touch the session directly: they call a service through :meth:`GraphQLContext.call`
(a query) or :meth:`GraphQLContext.mutate` (a mutation, inside a savepoint so a failed mutation
leaves nothing behind while the others of the same request still commit). The scope a field needs
is declared on the field (:mod:`dealbench.kit.graphql.fields`), never passed here.

graphql-core resolves sibling fields concurrently; one lock serializes the session's use, and
DataLoaders still batch every load of a level into one call.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Hashable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Concatenate, ParamSpec, Protocol, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession
from starlette.requests import Request
from strawberry.dataloader import DataLoader
from strawberry.types import Info

from dealbench.kit.errors import Unauthorized
from dealbench.kit.services import Services
from graphql import DocumentNode

P = ParamSpec("P")
T = TypeVar("T")
K = TypeVar("K", bound=Hashable)


class Caller(Protocol):
    """What the GraphQL layer needs of the caller: its organization and a scope check."""

    @property
    def organization_id(self) -> int: ...

    def require(self, scope: str) -> None: ...


#: ``batch(session, caller, keys)`` answers one value per key, in the keys' order.
BatchFn = Callable[[AsyncSession, Any, list[Any]], Awaitable[Sequence[Any]]]


class SchemaKind(StrEnum):
    PUBLIC = "public"
    ORGANIZATION = "organization"
    PERSONAL = "personal"


@dataclass
class GraphQLContext:
    request: Request
    services: Services
    session: AsyncSession
    principal: Any
    kind: SchemaKind
    #: Why the caller got the public schema (no token, expired token ...); None when authenticated.
    anonymous_reason: str | None = None
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    loaders: dict[str, DataLoader[Any, Any]] = field(default_factory=dict)
    #: Per-request memo of what resolvers derive from the document (e.g. a field's selections),
    #: computed once per field node instead of once per object.
    memo: dict[Any, Any] = field(default_factory=dict)
    #: The document, parsed once (within the size limits) by the endpoint.
    document: DocumentNode | None = None

    @property
    def caller(self) -> Any:
        """The authenticated caller (UNAUTHENTICATED when there is none)."""
        if self.principal is None:
            raise Unauthorized("This field needs an API token.")
        return self.principal

    def check(self, scope: str) -> None:
        """The caller holds ``scope`` (FORBIDDEN otherwise): the same rule as a REST route."""
        self.caller.require(scope)

    async def call(
        self,
        fn: Callable[Concatenate[AsyncSession, Any, P], Awaitable[T]],
        *args: P.args,
        **kwargs: P.kwargs,
    ) -> T:
        """Run a read service as the caller."""
        caller = self.caller
        async with self.lock:
            return await fn(self.session, caller, *args, **kwargs)

    async def mutate(
        self,
        fn: Callable[Concatenate[AsyncSession, Any, P], Awaitable[T]],
        *args: P.args,
        **kwargs: P.kwargs,
    ) -> T:
        """Run a write service in a savepoint: a failed mutation leaves nothing behind.

        The request's DataLoaders start afresh after it: what they hold was read before this write
        (the mutations of one document run one after the other, each answering its own state).
        """
        caller = self.caller
        try:
            async with self.lock, self.session.begin_nested():
                return await fn(self.session, caller, *args, **kwargs)
        finally:
            self.loaders.clear()

    def loader(self, name: str, batch: BatchFn) -> DataLoader[Any, Any]:
        """The request's DataLoader called ``name`` (made on first use), over a transport-free batch
        that receives the caller, so its statements stay in the caller's organization."""
        found = self.loaders.get(name)
        if found is None:

            async def load(keys: list[Any]) -> Sequence[Any]:
                caller = self.caller
                async with self.lock:
                    return await batch(self.session, caller, keys)

            found = DataLoader(load_fn=load)
            self.loaders[name] = found
        return found

    async def load(self, name: str, batch: BatchFn, key: Any) -> Any:
        """One key through the loader ``name``."""
        return await self.loader(name, batch).load(key)


def memo_per_node(info: Info[Any, Any], what: str, compute: Callable[[], T]) -> T:
    """``compute()`` once per field node of the document (the same for every object of a list)."""
    raw = info._raw_info
    key = (what, id(raw.field_nodes[0]))
    memo = ctx(info).memo
    if key not in memo:
        memo[key] = compute()
    return memo[key]  # type: ignore[no-any-return]


def ctx(info: Info[Any, Any]) -> GraphQLContext:
    context = info.context
    assert isinstance(context, GraphQLContext)
    return context
