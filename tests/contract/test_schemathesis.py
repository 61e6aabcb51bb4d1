"""A property-based contract test: requests generated from ``openapi.json`` answer what it documents.

Schemathesis generates a few schema-valid requests per operation of ``/v1`` and ``/api/v1``
(derandomized, so every run sends the same ones) and sends them to the suite's app, in the suite's
event loop; each answer must pass the five checks of :data:`CHECKS`: no 5xx, a documented status, a
body and a content type as documented, and no refusal of a request the schema allows (a 404 for an
id that names nothing, a 409 for a duplicate are documented answers, not refusals).

Operations that would lock the test's own token out (the organization's settings, removing a user
or revoking a token) run with the token of a second organization.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import uuid
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, Phase
from hypothesis import settings as hypothesis_settings
from schemathesis.checks import not_a_server_error
from schemathesis.config import SchemathesisConfig
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    positive_data_acceptance,
    response_schema_conformance,
    status_code_conformance,
)

from dealbench.app import create_app
from dealbench.settings import Settings
from tests.factories import Factory, Tenant

#: A schema-valid body can still name an object that does not exist (a random id): Dealbench
#: answers a 400 issue at that body path ("No user with id 7 in this organization.", "Deal
#: eid:x not found."), which no schema can rule out. Such a refusal is not a refusal of the shape.
UNKNOWN_REFERENCE = re.compile(r"(not found\.|^No \w+ .* in this (organization|project)\.)$")


def _messages(body: Any) -> list[str]:
    if isinstance(body, dict) and isinstance(body.get("issues"), list):
        return [str(issue.get("message", "")) for issue in body["issues"]]
    if isinstance(body, dict) and body.get("status") == "fail" and isinstance(body.get("data"), dict):
        return [str(message) for message in body["data"].values()]
    return []


#: Operations whose input has rules no JSON schema states, with why: their refusals are checked by
#: their own tests; here the four other checks still run.
RULES_BEYOND_THE_SCHEMA = {
    ("POST", "/api/v1/admin/opportunities/upload"): "the CSV file's content",
    ("POST", "/api/v1/admin/contacts/upload"): "the CSV file's content",
    ("POST", "/api/v1/admin/salestargets/upload"): "the CSV file's content",
    ("POST", "/v1/imports/{kind}"): "the CSV file's content",
    ("POST", "/v1/tickets"): "the Slate structure of a description",
    ("PUT", "/v1/tickets/{id}"): "the Slate structure of a description",
    ("PATCH", "/v1/tickets/{id}"): "the Slate structure of a description",
    ("POST", "/v1/tickets/{id}"): "the Slate structure of a description",
    ("POST", "/v1/projects/{projectId}/fields"): "options only on CHOICE fields",
    ("POST", "/v1/templates"): "options only on CHOICE fields",
    ("PUT", "/v1/templates/{templateId}"): "options only on CHOICE fields",
    ("PATCH", "/v1/templates/{templateId}"): "options only on CHOICE fields",
    ("POST", "/v1/templates/{templateId}"): "options only on CHOICE fields",
    # An address is public or not when it is resolved, which no schema can say.
    ("POST", "/v1/webhooks"): "a URL on a public address",
    ("POST", "/v1/apps"): "a URL on a public address",
}


def _conditional_answer(case: Any, status: int) -> bool:
    """A 412 to a generated ``If-Match`` (it names no current version) or a 304 to a generated
    ``If-None-Match`` (``*``) answers the condition the request states, not a refusal of its shape."""
    sent = {name.lower() for name in (case.headers or {})}
    return (status == 412 and "if-match" in sent) or (status == 304 and "if-none-match" in sent)


@schemathesis.check
def positive_data_acceptance_but_unknown_references(ctx: Any, response: Any, case: Any) -> bool | None:
    """``positive_data_acceptance``, but for a 400 whose every issue names an unknown object, and
    the answers of conditional requests."""
    if (case.method.upper(), case.path) in RULES_BEYOND_THE_SCHEMA:
        return None
    if _conditional_answer(case, response.status_code):
        return None
    if response.status_code == 400:
        try:
            messages = _messages(response.json())
        except ValueError:
            messages = []
        if messages and all(UNKNOWN_REFERENCE.search(m) for m in messages):
            return None
    return positive_data_acceptance(ctx, response, case)


CHECKS = [
    not_a_server_error,
    status_code_conformance,
    response_schema_conformance,
    content_type_conformance,
    positive_data_acceptance_but_unknown_references,
]
#: Examples per operation: enough to cover each operation's shapes; ``scripts/fuzz`` runs more.
EXAMPLES = int(os.environ.get("DEALBENCH_CONTRACT_EXAMPLES", "3"))

#: (method, path) whose requests could lock the test's own token out.
LOCKOUT = {
    ("PUT", "/v1/organization"),
    ("POST", "/v1/organization"),
    ("PATCH", "/v1/organization"),
    ("DELETE", "/v1/organization/users/{id}"),
    ("DELETE", "/v1/tokens/{id}"),
}


def _config() -> SchemathesisConfig:
    return SchemathesisConfig.from_dict(
        {
            "seed": 20251130,
            "base-url": "http://testserver",
            "phases": {
                "examples": {"enabled": False},
                "coverage": {"enabled": False},
                "stateful": {"enabled": False},
                "fuzzing": {"enabled": True},
            },
            "generation": {
                "mode": "positive",
                "max-examples": EXAMPLES,
                "deterministic": True,
                "no-shrink": True,
                "database": "none",
                # Text never holds NUL (U+0000): every string field refuses it (a documented rule).
                "allow-x00": False,
            },
        }
    )


#: The document of the app (the same routes as the suite's ``app`` fixture, which answers).
SPEC = create_app(Settings(secret_key="contract", database_url="sqlite:///:memory:")).openapi()
schema = schemathesis.openapi.from_dict(SPEC, config=_config()).include(
    path_regex=os.environ.get("DEALBENCH_CONTRACT_PATHS", r"^/(v1|api/v1)/")
)


class Caller:
    """Sends a case to the app in the suite's event loop (not running while a sync test runs)."""

    def __init__(self, loop: asyncio.AbstractEventLoop, client: httpx.AsyncClient) -> None:
        self.loop = loop
        self.client = client

    def send(self, kwargs: dict[str, Any]) -> httpx.Response:
        request = self.client.build_request(**kwargs)
        request.read()  # a multipart body is a stream: read it, so the check can show it
        return self.loop.run_until_complete(self.client.send(request))


@pytest.fixture(scope="session")
async def contract_tenants(factory_session: Factory) -> tuple[Tenant, Tenant]:
    return await factory_session.tenant(name="Contract"), await factory_session.tenant(name="Contract 2")


@pytest.fixture(scope="session")
def factory_session(services: Any) -> Factory:
    return Factory(services)


@pytest.fixture(scope="session")
async def contract_client(app: FastAPI) -> AsyncIterator[tuple[asyncio.AbstractEventLoop, httpx.AsyncClient]]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        yield asyncio.get_running_loop(), c


@pytest.fixture
def caller(contract_client: tuple[asyncio.AbstractEventLoop, httpx.AsyncClient]) -> Iterator[Caller]:
    yield Caller(*contract_client)


def _text(value: Any) -> Any:
    return value if isinstance(value, bytes | str) else json.dumps(value)


def _part(value: Any) -> Any:
    if isinstance(value, tuple):  # (filename, content[, content type])
        return tuple(_text(v) if i == 1 else v for i, v in enumerate(value))
    return _text(value)


def _httpx_kwargs(case: Any, token: str) -> dict[str, Any]:
    kwargs = case.as_transport_kwargs(base_url="http://testserver", headers={"X-API-Key": token})
    headers = dict(kwargs.get("headers") or {})
    for name in [h for h in headers if h.lower() == "idempotency-key"]:
        # A generated key repeats between operations; a key names one request (a different request
        # under a used key is the documented 422), so each case gets a key of its own.
        headers[name] = uuid.uuid4().hex
    out: dict[str, Any] = {
        "method": kwargs["method"],
        "url": kwargs["url"],
        "headers": headers,
        "params": kwargs.get("params"),
    }
    if "json" in kwargs:
        out["json"] = kwargs["json"]
    if "files" in kwargs:
        files = kwargs["files"]
        items = files.items() if isinstance(files, dict) else files
        # A generated text field of a form may be a number: a form sends it as text.
        out["files"] = [(name, _part(v)) for name, v in items]
        if kwargs.get("data"):
            out["data"] = {k: _text(v) for k, v in kwargs["data"].items()}
    elif "data" in kwargs:
        data = kwargs["data"]
        out["content" if isinstance(data, bytes | str) else "data"] = data
    return out


@schema.parametrize()
@hypothesis_settings(
    max_examples=EXAMPLES,
    derandomize=True,
    deadline=None,
    database=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)
def test_the_api_answers_what_openapi_documents(
    case: Any, caller: Caller, contract_tenants: tuple[Tenant, Tenant]
) -> None:
    own, second = contract_tenants
    tenant = second if (case.method.upper(), case.path) in LOCKOUT else own
    response = caller.send(_httpx_kwargs(case, tenant.token))
    case.validate_response(response, checks=CHECKS)
