"""Helpers of the operations tests: apps built with settings of their own (over the session's database)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
from fastapi import FastAPI

from dealbench.app import create_app
from dealbench.kit.services import Services
from dealbench.settings import Settings


@asynccontextmanager
async def app_with(
    settings: Settings, *, client: tuple[str, int] = ("127.0.0.1", 50000), **changes: Any
) -> AsyncIterator[tuple[FastAPI, httpx.AsyncClient]]:
    """An app with its own services over ``settings`` changed by ``changes``, and a client whose
    requests come from the address ``client``."""
    services = Services.build(settings.model_copy(update=changes))
    app = create_app(services.settings, services)
    transport = httpx.ASGITransport(app=app, client=client)
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
            yield app, c
    finally:
        await services.close()
