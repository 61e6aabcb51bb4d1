"""What the route-enumerating auth matrix needs to know about each route with path parameters.

Each domain adds a module here with:

- ``ROUTES``: ``{"METHOD /path/{template}": maker}``. ``maker(ctx)`` builds real objects of
  ``ctx.tenant`` (through the API, as a client would) and returns the request that must succeed for
  that tenant: ``{"path": {every path parameter}, "json"?, "files"?, "data"?, "params"?}``. The
  matrix sends it twice: with another organization's token (must be 404, in the route's dialect)
  and with the owner's token (must be 2xx). A method of ``*`` matches any method. A path parameter
  the maker does not name fails the test: there is no default value.
- ``NOT_OBJECTS``: ``{"METHOD /path/{template}": why}`` for routes whose path parameters name no
  object of a tenant (e.g. a file format); their owner request is still checked.
- ``PUBLIC``: ``{"METHOD /path"}`` routes that need no token (checked to be exactly those).

The matrix fails for a route with path parameters that no module describes.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import httpx

from tests.factories import Factory, Tenant, unique


@dataclass
class Ctx:
    """A maker's view: a client of the app, the factory, and the tenant whose objects it builds."""

    client: httpx.AsyncClient
    factory: Factory
    tenant: Tenant

    async def call(self, method: str, path: str, **kwargs: Any) -> Any:
        response = await self.client.request(method, path, headers=self.tenant.headers, **kwargs)
        assert 200 <= response.status_code < 300, f"{method} {path}: {response.status_code} {response.text}"
        return response.json() if response.content else None

    async def post(self, path: str, body: dict[str, Any]) -> Any:
        return await self.call("POST", path, json=body)

    async def upload(self, path: str, content: bytes | None = None, **form: str) -> Any:
        data = content if content is not None else unique("content ").encode()
        return await self.call("POST", path, files={"file": ("a.txt", data, "text/plain")}, data=form)


Made = dict[str, Any]
Maker = Callable[[Ctx], Awaitable[Made]]


def load() -> tuple[dict[str, Maker], set[str], dict[str, str]]:
    routes: dict[str, Maker] = {}
    public: set[str] = set()
    not_objects: dict[str, str] = {}
    for info in pkgutil.iter_modules(__path__):
        module = importlib.import_module(f"{__name__}.{info.name}")
        routes.update(getattr(module, "ROUTES", {}))
        public.update(getattr(module, "PUBLIC", set()))
        not_objects.update(getattr(module, "NOT_OBJECTS", {}))
    return routes, public, not_objects
