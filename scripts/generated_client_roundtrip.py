"""Round-trips each resource through a client generated from ``openapi.json`` (openapi-python-client).

Run by ``scripts/generated-client`` with the generated package ``dealbench_client`` on the path: an
app on a fresh SQLite database answers through httpx's ASGI transport; for each resource the client
creates, reads, updates, lists and deletes one object, and every answer must parse into the
generated model of its documented status (an unparsed answer is a contract failure).
"""

from __future__ import annotations

import asyncio
import importlib
import inspect
import sys
import tempfile
import uuid
from pathlib import Path
from typing import Any

import httpx
from tests.factories import Factory

from dealbench.app import create_app
from dealbench.kit.migrate import upgrade
from dealbench.kit.services import Services
from dealbench.settings import Settings

PKG = "dealbench_client"


def _fn(module: str) -> Any:
    return importlib.import_module(f"{PKG}.api.{module}").asyncio_detailed


def _model(name: str) -> Any:
    return getattr(importlib.import_module(f"{PKG}.models"), name)


async def _call(module: str, client: Any, expect: int, **kwargs: Any) -> Any:
    fn = _fn(module)
    if "body" in kwargs and isinstance(kwargs["body"], tuple):
        model, data = kwargs["body"]
        kwargs["body"] = _model(model).from_dict(data)
    params = inspect.signature(fn).parameters
    if "id" in kwargs and "id" not in params:
        path_name = next(n for n in params if n.endswith("_id") and n != "idempotency_key")
        kwargs[path_name] = kwargs.pop("id")
    response = await fn(client=client, **kwargs)
    if response.status_code != expect:
        raise AssertionError(f"{module}: {response.status_code} {response.content[:300]!r}")
    if response.parsed is None:
        raise AssertionError(f"{module}: the answer {response.content[:300]!r} did not parse")
    return response.parsed


def _id(parsed: Any) -> int:
    return int(parsed.id)


#: resource -> (api package, singular and plural of the module names, create body, update body)
RESOURCES: list[tuple[str, str, str, str, dict[str, Any], str, dict[str, Any]]] = [
    ("deals", "deal", "deals", "DealCreate", {"name": "Acme"}, "DealUpdate", {"name": "Acme 2"}),
    (
        "contacts",
        "contact",
        "contacts",
        "ContactCreate",
        {"email": "ada@example.com"},
        "ContactUpdate",
        {"title": "CTO"},
    ),
    (
        "tickets",
        "ticket",
        "tickets",
        "TicketCreate",
        {"title": "SSO", "type": "FEATURE", "state": "OPEN"},
        "TicketUpdate",
        {"title": "SSO login"},
    ),
    (
        "sales_processes",
        "sales_process",
        "sales_processes",
        "SalesProcessCreate",
        {"name": "Enterprise"},
        "SalesProcessUpdate",
        {"name": "Enterprise 2"},
    ),
    (
        "evaluations",
        "evaluation",
        "evaluations",
        "EvaluationCreate",
        {"title": "Pilot"},
        "EvaluationUpdate",
        {"title": "Pilot 2"},
    ),
    (
        "plan_templates",
        "plan_template",
        "plan_templates",
        "PlanTemplateCreate",
        {"title": "Standard"},
        "PlanTemplateUpdate",
        {"title": "Standard 2"},
    ),
    (
        "criteria_library",
        "library_criterion",
        "library_criteria",
        "LibraryCriterionCreate",
        {"title": "SAML"},
        "LibraryCriterionUpdate",
        {"title": "SAML 2"},
    ),
    (
        "projects",
        "project",
        "projects",
        "ProjectCreate",
        {"name": "Files"},
        "ProjectUpdate",
        {"name": "Files 2"},
    ),
]


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="dealbench-client-") as tmp:
        url = f"sqlite:///{tmp}/client.db"
        upgrade(url)
        return asyncio.run(round_trip(url, tmp))


async def round_trip(url: str, tmp: str) -> int:
    if True:
        settings = Settings(
            database_url=url,
            var_dir=Path(tmp),
            secret_key="generated-client",
            storage_url=f"file://{tmp}/files",
            rate_limit_per_minute=100_000,
            allowed_hosts=["testserver"],
        )
        services = Services.build(settings)
        try:
            tenant = await Factory(services).tenant(name="Client")
            app = create_app(settings, services)
            client_mod = importlib.import_module(PKG)
            client = client_mod.AuthenticatedClient(
                base_url="http://testserver",
                token=tenant.token,
                prefix="",
                auth_header_name="X-API-Key",
                httpx_args={"transport": httpx.ASGITransport(app=app)},
            )
            done = []
            for package, one, many, create, created, update, changed in RESOURCES:
                obj = await _call(f"{package}.create_{one}_post", client, 201, body=(create, created))
                oid = _id(obj)
                await _call(f"{package}.get_{one}_get", client, 200, id=oid)
                await _call(f"{package}.update_{one}_patch", client, 200, id=oid, body=(update, changed))
                page = await _call(f"{package}.list_{many}_get", client, 200)
                assert oid in [_id(item) for item in page.items], package
                await _call(f"{package}.delete_{one}_delete", client, 200, id=oid)
                done.append(package)
            # Stages and sales targets refer to a process and a user.
            process = await _call(
                "sales_processes.create_sales_process_post",
                client,
                201,
                body=("SalesProcessCreate", {"name": "Stages"}),
            )
            stage = await _call(
                "sales_processes.create_sales_process_stage_post",
                client,
                201,
                body=("StageCreate", {"title": "Discovery", "salesProcessId": _id(process)}),
            )
            await _call(
                "sales_processes.update_sales_process_stage_patch",
                client,
                200,
                id=_id(stage),
                body=("StageUpdate", {"title": "Qualify"}),
            )
            target = await _call(
                "sales_targets.create_sales_target_post",
                client,
                201,
                body=("SalesTargetCreate", {"userId": tenant.admin.id, "month": "2025-01", "amount": 1000}),
            )
            await _call(
                "sales_targets.update_sales_target_patch",
                client,
                200,
                id=_id(target),
                body=("SalesTargetUpdate", {"amount": 2000}),
            )
            team = await _call("teams.create_team_post", client, 201, body=("TeamCreate", {"name": "Core"}))
            assert team.name == "Core"
            token = await _call(
                "tokens.create_token_post",
                client,
                201,
                body=("TokenCreate", {"name": f"k{uuid.uuid4().hex[:6]}"}),
            )
            await _call("tokens.revoke_token_delete", client, 200, id=_id(token))
            await _call("users.list_users_get", client, 200)
            done += ["stages", "sales_targets", "teams", "tokens", "users"]
            print(f"generated client: {len(done)} resources round-tripped ({', '.join(done)})")
        finally:
            await services.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
