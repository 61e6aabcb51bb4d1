"""Every route of the app, enumerated from the app itself: no token 401, missing scope 403, role
bounds 403, and tenancy proven from both sides (another organization's token 404, the owner's 2xx,
on the same real objects). A route added later is covered the day it is added.

The scope of every route is pinned in ``tests/scopes.py``; the objects each route needs are made by
``tests/cross_tenant/<domain>.py``; the ids a request body can carry are in
``tests/cross_tenant/body_ids.py`` (checked by ``tests/test_body_ids.py``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from fastapi.routing import APIRoute

from dealbench.app import create_app
from dealbench.auth.scopes import MEMBER_DENIED
from dealbench.models import Role
from dealbench.settings import Settings
from dealbench.web import page_routers
from tests import cross_tenant
from tests.cross_tenant import Ctx
from tests.cross_tenant.events import webhook_of
from tests.factories import Factory, Tenant
from tests.scopes import SCOPES

_APP = create_app(Settings(secret_key="route-listing", database_url="sqlite:///:memory:"))
_SPEC = _APP.openapi()
MAKERS, PUBLIC, NOT_OBJECTS = cross_tenant.load()
API_PREFIXES = ("/v1/", "/api/v1/", "/graphql")
_PARAM = re.compile(r"\{([^}:]+)(?::[^}]*)?\}")
WRITES = {"POST", "PUT", "PATCH", "DELETE"}


def _operations() -> list[tuple[str, str, list[str]]]:
    """Every operation of the OpenAPI document (every API route is documented there)."""
    ops = []
    for path, item in _SPEC["paths"].items():
        if not path.startswith(API_PREFIXES):
            continue
        for method, spec in item.items():
            if method not in {"get", "post", "put", "patch", "delete"}:
                continue
            scopes = [s for req in spec.get("security", []) for ss in req.values() for s in ss]
            ops.append((method.upper(), path, scopes))
    return ops


OPERATIONS = _operations()
PROTECTED = [op for op in OPERATIONS if f"{op[0]} {op[1]}" not in PUBLIC]


def _ids(ops: list[tuple[str, str, list[str]]]) -> list[str]:
    return [f"{m} {p}" for m, p, _ in ops]


def fill(path: str, values: dict[str, Any]) -> str:
    """The path with every parameter named by ``values``; a parameter left unnamed fails the test."""
    missing = [name for name in _PARAM.findall(path) if name not in values]
    if missing:
        pytest.fail(f"the maker of {path} does not name the path parameter(s) {missing}")
    return _PARAM.sub(lambda m: str(values[m.group(1)]), path)


def _placeholders(path: str) -> str:
    """For the 401 check only: without a token nothing is looked up, so any value does."""
    return _PARAM.sub("1", path)


def _maker(method: str, path: str) -> Any:
    return MAKERS.get(f"{method} {path}") or MAKERS.get(f"* {path}")


def test_public_routes_are_exactly_the_declared_ones() -> None:
    undeclared = [f"{m} {p}" for m, p, scopes in OPERATIONS if not scopes and f"{m} {p}" not in PUBLIC]
    assert not undeclared, f"routes without a declared scope: {undeclared}"
    unknown = PUBLIC - {f"{m} {p}" for m, p, _ in OPERATIONS}
    assert not unknown, f"declared public but not routes of the app: {unknown}"


def test_every_route_with_path_parameters_has_a_cross_tenant_maker() -> None:
    missing = [f"{m} {p}" for m, p, _ in PROTECTED if "{" in p and _maker(m, p) is None]
    assert not missing, f"describe these routes in tests/cross_tenant/: {missing}"
    routes = {f"{m} {p}" for m, p, _ in OPERATIONS}
    paths = {p for _, p, _ in OPERATIONS}
    stale = [
        k for k in MAKERS if (k.split(" ", 1)[1] not in paths if k.startswith("* ") else k not in routes)
    ]
    assert not stale, f"makers of routes the app does not have: {stale}"


def test_the_scope_table_is_what_the_app_declares() -> None:
    declared = {f"{m} {p}": scopes for m, p, scopes in PROTECTED}
    missing = sorted(set(declared) - set(SCOPES))
    assert not missing, f"routes missing from tests/scopes.py: {missing}"
    gone = sorted(set(SCOPES) - set(declared))
    assert not gone, f"tests/scopes.py lists routes the app does not have: {gone}"
    differ = {
        route: (SCOPES[route], declared[route]) for route in SCOPES if declared[route] != [SCOPES[route]]
    }
    assert not differ, f"declared scope differs from tests/scopes.py (pinned, declared): {differ}"


def assert_dialect(path: str, response: httpx.Response) -> None:
    body = response.json()
    if path.startswith("/api/v1/"):
        assert body["status"] == "fail", body
        assert isinstance(body["data"], dict) and body["data"], body
    elif path.startswith("/graphql"):
        assert body.get("errors"), body
    else:
        assert isinstance(body.get("error"), str) and body["error"], body


def _body(method: str, made: dict[str, Any] | None = None) -> dict[str, Any]:
    made = made or {}
    kwargs: dict[str, Any] = {k: made[k] for k in ("files", "data", "params") if k in made}
    if "json" in made:
        kwargs["json"] = made["json"]
    elif method in {"POST", "PUT", "PATCH"} and "files" not in made:
        kwargs["json"] = {}
    return kwargs


@pytest.mark.parametrize(("method", "path", "scopes"), PROTECTED, ids=_ids(PROTECTED))
async def test_no_token_is_401(client: Any, method: str, path: str, scopes: list[str]) -> None:
    response = await client.request(method, _placeholders(path), **_body(method))
    assert response.status_code == 401, response.text
    _assert_401_dialect(path, response)


def _assert_401_dialect(path: str, response: httpx.Response) -> None:
    body = response.json()
    if path.startswith("/api/v1/"):
        assert body["status"] == "fail", body
    else:
        assert isinstance(body.get("error"), str) and body["error"], body


def _lacking(scope: str) -> list[str]:
    resource, _, action = scope.partition(":")
    if action == "write":
        return [f"{resource}:read"]
    return ["users:read"] if resource != "users" else ["deals:read"]


@dataclass
class Cast:
    """The tenants and tokens the matrix shares (each test still makes its own objects)."""

    owner: Tenant
    other: Tenant
    viewer: str
    member: str
    lacking: dict[str, str]

    async def token_lacking(self, factory: Factory, scope: str) -> str:
        if scope not in self.lacking:
            self.lacking[scope] = await factory.token(self.owner, scopes=_lacking(scope))
        return self.lacking[scope]


_CAST: list[Cast] = []


@pytest.fixture
async def cast(factory: Factory) -> Cast:
    if not _CAST:
        owner, other = await factory.tenant(), await factory.tenant()
        _, viewer = await factory.personal(owner, Role.VIEWER, scopes=["*"])
        _, member = await factory.personal(owner, Role.MEMBER, scopes=["*"])
        _CAST.append(Cast(owner, other, viewer, member, {}))
    return _CAST[0]


async def _check_scope_and_roles(
    client: Any, factory: Factory, cast: Cast, method: str, path: str, url: str, made: dict[str, Any]
) -> None:
    scope = SCOPES[f"{method} {path}"]
    lacking = await cast.token_lacking(factory, scope)
    response = await client.request(method, url, headers={"X-API-Key": lacking}, **_body(method, made))
    assert response.status_code == 403, response.text
    assert scope in response.text
    assert_dialect(path, response)
    if method not in WRITES:
        return
    response = await client.request(method, url, headers={"X-API-Key": cast.viewer}, **_body(method, made))
    assert response.status_code == 403, response.text
    assert "VIEWER" in response.text
    assert_dialect(path, response)
    if scope in MEMBER_DENIED:
        response = await client.request(
            method, url, headers={"X-API-Key": cast.member}, **_body(method, made)
        )
        assert response.status_code == 403, response.text
        assert "MEMBER" in response.text
        assert_dialect(path, response)


WITHOUT_PARAMS = [op for op in PROTECTED if "{" not in op[1]]


@pytest.mark.parametrize(("method", "path", "scopes"), WITHOUT_PARAMS, ids=_ids(WITHOUT_PARAMS))
async def test_missing_scope_and_role_bounds_are_403(
    client: Any, factory: Factory, cast: Cast, method: str, path: str, scopes: list[str]
) -> None:
    await _check_scope_and_roles(client, factory, cast, method, path, path, {})


WITH_PARAMS = [op for op in PROTECTED if "{" in op[1] and _maker(op[0], op[1]) is not None]


@pytest.mark.parametrize(("method", "path", "scopes"), WITH_PARAMS, ids=_ids(WITH_PARAMS))
async def test_tenancy_from_both_sides(
    client: Any, factory: Factory, cast: Cast, method: str, path: str, scopes: list[str]
) -> None:
    """The same request on the owner's real objects: another organization's token 404 (first, so a
    leak cannot hide behind a deleted object), a token lacking the scope and the role bounds 403,
    then the owner's token 2xx."""
    made = await _maker(method, path)(Ctx(client, factory, cast.owner))
    url = fill(path, made["path"])
    if f"{method} {path}" not in NOT_OBJECTS:
        foreign = await client.request(method, url, headers=cast.other.headers, **_body(method, made))
        assert foreign.status_code == 404, foreign.text
        assert_dialect(path, foreign)
    await _check_scope_and_roles(client, factory, cast, method, path, url, made)
    owned = await client.request(method, url, headers=cast.owner.headers, **_body(method, made))
    assert 200 <= owned.status_code < 300, owned.text


# --------------------------------------------------------------------------- the web app's pages

PAGE_ROUTES = sorted(
    (method, route.path)
    for router in page_routers()
    for route in router.routes
    if isinstance(route, APIRoute)
    for method in route.methods or ()
    if method != "HEAD"
)
#: Pages a signed-out person uses: signing in, a forgotten password, accepting an invitation, the
#: buyer portal (whose own access rules are tested in tests/portal).
PUBLIC_PAGES = {
    "GET /login",
    "POST /login",
    "GET /login/forgot",
    "POST /login/forgot",
    "GET /login/reset/{token}",
    "POST /login/reset/{token}",
    "GET /invitations/{code}",
    "POST /invitations/{code}",
    "GET /p/{code}",
    "GET /p/{code}/theme.css",
    "POST /p/{code}/signin",
    "GET /p/{code}/signin/{link}",
    "POST /p/{code}/signin/{link}",
    "POST /p/{code}/signout",
    "POST /p/{code}/tasks/{task_id}",
    "POST /p/{code}/comments",
    "GET /p/{code}/meetings/{meeting_id}/calendar.ics",
    "GET /p/{code}/documents/{document_id}",
}
PROTECTED_PAGES = [r for r in PAGE_ROUTES if f"{r[0]} {r[1]}" not in PUBLIC_PAGES]


def _page_ids(routes: list[tuple[str, str]]) -> list[str]:
    return [f"{m} {p}" for m, p in routes]


def test_public_pages_are_pages_of_the_app() -> None:
    assert {f"{m} {p}" for m, p in PAGE_ROUTES} >= PUBLIC_PAGES
    untagged = [r.path for router in page_routers() for r in router.routes if "pages" not in (r.tags or [])]
    assert not untagged, f"page routes answer errors as pages only when tagged 'pages': {untagged}"
    assert len(PROTECTED_PAGES) >= 10


async def _foreign_values(client: Any, cast: Cast, factory: Factory) -> dict[str, Any]:
    """Path values naming objects of the other organization (or, for a tool, any valid value)."""
    deal = await client.post("/v1/deals", json={"name": "theirs"}, headers=cast.other.headers)
    assert deal.status_code == 201, deal.text
    plan = await client.post("/v1/evaluations", json={"title": "theirs"}, headers=cast.other.headers)
    assert plan.status_code == 201, plan.text
    task = await client.post(
        f"/v1/evaluations/{plan.json()['id']}/tasks", json={"title": "theirs"}, headers=cast.other.headers
    )
    assert task.status_code == 201, task.text
    ticket = await client.post(
        "/v1/tickets",
        json={"title": "theirs", "type": "BUG", "state": "OPEN", "deals": [{"id": deal.json()["id"]}]},
        headers=cast.other.headers,
    )
    assert ticket.status_code == 201, ticket.text
    template = await client.post("/v1/plan-templates", json={"title": "theirs"}, headers=cast.other.headers)
    assert template.status_code == 201, template.text
    criterion = await client.post("/v1/criteria", json={"title": "theirs"}, headers=cast.other.headers)
    assert criterion.status_code == 201, criterion.text
    made = {
        "user_id": ("/v1/users", {"email": f"theirs-{deal.json()['id']}@example.com"}),
        "invitation_id": (
            "/v1/organization/invitations",
            {"inviteeEmail": f"invited-{deal.json()['id']}@example.com", "role": "MEMBER"},
        ),
        "team_id": ("/v1/teams", {"name": f"theirs {deal.json()['id']}"}),
    }
    ids = {}
    for name, (url, body) in made.items():
        answer = await client.post(url, json=body, headers=cast.other.headers)
        assert answer.status_code == 201, answer.text
        ids[name] = answer.json()["id"]
    ids["webhook_id"] = await webhook_of(factory, cast.other)
    project = await client.post("/v1/projects", json={"name": "theirs"}, headers=cast.other.headers)
    ids["project_id"] = project.json()["id"]
    document = await client.post(
        f"/v1/projects/{ids['project_id']}/documents",
        files={"file": ("theirs.txt", b"theirs", "text/plain")},
        headers=cast.other.headers,
    )
    assert document.status_code == 201, document.text
    ids["document_id"] = document.json()["id"]
    run = await client.post(
        "/v1/imports/contacts",
        files={"file": ("c.csv", b"email,fullname\nnot-an-email,Bad Row\n", "text/csv")},
        headers=cast.other.headers,
    )
    assert run.status_code == 200 and run.json()["totalErrorRows"] == 1, run.text
    ids["run_id"] = run.json()["id"]
    return {
        "id": deal.json()["id"],
        "token_id": cast.other.token_row.id,
        "tool": "playground",
        "criterion_id": 1,
        "buyer_id": 1,
        "plan_id": plan.json()["id"],
        "item_id": task.json()["id"],
        "ticket_id": ticket.json()["id"],
        "deal_id": deal.json()["id"],
        "template_id": template.json()["id"],
        "library_id": criterion.json()["id"],
        "delivery_id": 1,  # found through its subscription
        "kind": "contacts",
        **ids,
    }


@pytest.mark.parametrize(("method", "path"), PROTECTED_PAGES, ids=_page_ids(PROTECTED_PAGES))
async def test_signed_out_pages_redirect_to_login(client: Any, method: str, path: str) -> None:
    response = await client.request(method, _placeholders(path), headers={"Accept": "text/html"})
    assert response.status_code == 303, response.text
    assert response.headers["location"].startswith("/login?next=")


UNSAFE_PAGES = [r for r in PROTECTED_PAGES if r[0] in WRITES]
#: Path parameters naming an object of their own (a criterion is found through its deal).
OBJECT_PARAMS = (
    "id",
    "token_id",
    "user_id",
    "invitation_id",
    "team_id",
    "webhook_id",
    "project_id",
    "plan_id",
    "ticket_id",
    "template_id",
    "library_id",
)


@pytest.mark.parametrize(("method", "path"), UNSAFE_PAGES, ids=_page_ids(UNSAFE_PAGES))
async def test_page_writes_without_csrf_are_403_and_other_orgs_objects_404(
    client: Any, factory: Factory, cast: Cast, method: str, path: str
) -> None:
    browser = await factory.browser(cast.owner, Role.ADMIN)
    cookies = {"dealbench_session": browser.cookie}
    url = fill(path, await _foreign_values(client, cast, factory))
    client.cookies.update(cookies)
    try:
        refused = await client.request(method, url, data={})
        assert refused.status_code == 403, refused.text
        foreign = await client.request(method, url, data={"csrf_token": browser.csrf})
        if any(f"{{{name}}}" in path for name in OBJECT_PARAMS):  # a criterion is found through its deal
            assert foreign.status_code == 404, foreign.text
    finally:
        client.cookies.clear()


READ_PAGES_WITH_OBJECTS = [r for r in PROTECTED_PAGES if r[0] == "GET" and "{" in r[1]]


@pytest.mark.parametrize(("method", "path"), READ_PAGES_WITH_OBJECTS, ids=_page_ids(READ_PAGES_WITH_OBJECTS))
async def test_other_organizations_pages_are_404(
    client: Any, factory: Factory, cast: Cast, method: str, path: str
) -> None:
    browser = await factory.browser(cast.owner, Role.ADMIN)
    url = fill(path, await _foreign_values(client, cast, factory))
    client.cookies.update({"dealbench_session": browser.cookie})
    try:
        response = await client.request(method, url)
        assert response.status_code == 404, response.text
    finally:
        client.cookies.clear()
