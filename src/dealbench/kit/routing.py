"""Route helpers shared by the ``/v1`` routers."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter

UPDATE_METHODS = ("PUT", "PATCH", "POST")


def add_update_route(router: APIRouter, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
    """Register an update under PUT and PATCH (partial semantics) and POST, for clients without PATCH."""
    for method in UPDATE_METHODS:
        router.add_api_route(
            path,
            endpoint,
            methods=[method],
            name=endpoint.__name__,
            description=(kwargs.pop("description", None) or endpoint.__doc__ or "")
            + "\n\nPUT, PATCH and POST behave alike: fields left out stay unchanged.",
            **kwargs,
        )
