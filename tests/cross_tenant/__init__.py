"""What the route-enumerating auth matrix needs to know about each route with path parameters.

Each domain adds a module here with:

- ``ROUTES``: ``{"METHOD /path/{template}": maker}`` where ``maker(factory, other_tenant)`` makes
  objects in *another* tenant and returns ``{"path": {...}, "json": {...}?}``; the matrix sends that
  request with the first tenant's ``*`` token and expects 404. A method of ``*`` matches any method.
- ``PUBLIC``: ``{"METHOD /path"}`` routes that need no token (checked to be exactly those).

The matrix fails for a route with path parameters that no module describes.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Awaitable, Callable
from typing import Any

Maker = Callable[[Any, Any], Awaitable[dict[str, Any]]]


def load() -> tuple[dict[str, Maker], set[str]]:
    routes: dict[str, Maker] = {}
    public: set[str] = set()
    for info in pkgutil.iter_modules(__path__):
        module = importlib.import_module(f"{__name__}.{info.name}")
        routes.update(getattr(module, "ROUTES", {}))
        public.update(getattr(module, "PUBLIC", set()))
    return routes, public
