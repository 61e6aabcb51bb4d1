"""Fixtures of the events, webhooks and apps tests: an app that may send to local receivers, and
the delivery worker driven by hand (no background task runs in tests)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI

from dealbench.app import create_app
from dealbench.kit.services import Services
from dealbench.settings import Settings
from dealbench.webhooks.delivery import Worker
from tests.conftest import asgi_client, built_services


@pytest.fixture(scope="session")
def hook_settings(settings: Settings) -> Settings:
    return settings.model_copy(
        update={"webhook_allow_private": True, "webhook_retry_delays": [0.0, 0.0], "webhook_timeout": 5.0}
    )


@pytest.fixture(scope="session")
async def hook_services(hook_settings: Settings) -> AsyncIterator[Services]:
    async with built_services(hook_settings) as svc:
        yield svc


@pytest.fixture(scope="session")
def hook_app(hook_settings: Settings, hook_services: Services) -> FastAPI:
    return create_app(hook_settings, hook_services)


@pytest.fixture
async def hook_client(hook_app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with asgi_client(hook_app) as c:
        yield c


def make_worker(services: Services, **changes: object) -> Worker:
    settings = services.settings.model_copy(update=changes) if changes else services.settings
    return Worker(services.sessionmaker, settings, services.secret_key)


@pytest.fixture
async def worker(hook_services: Services) -> AsyncIterator[Worker]:
    async with make_worker(hook_services) as w:
        yield w
