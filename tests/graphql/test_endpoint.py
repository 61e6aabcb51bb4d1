"""The endpoint: transports, token forms, the schema per kind of token, errors, limits."""

from __future__ import annotations

from typing import Any

from dealbench.models import Role
from tests.graphql.helpers import codes, gql

ME = "{ me { authType user { user_id email name fullname surname is_admin teams { team_id name } } organization { organization_id name subdomain timezone currency } } }"


async def test_no_token_gets_the_public_schema(client: Any) -> None:
    body = await gql(client, "{ apiVersion viewer { authenticated tokenKind message } }")
    assert body["data"]["viewer"]["authenticated"] is False
    assert "No API token" in body["data"]["viewer"]["message"]
    names = await gql(client, "{ __schema { queryType { fields { name } } } }")
    fields = {f["name"] for f in names["data"]["__schema"]["queryType"]["fields"]}
    assert fields == {"apiVersion", "viewer"}


async def test_invalid_token_gets_the_public_schema_not_401(client: Any) -> None:
    body = await gql(client, "{ viewer { authenticated message } }", token="dbk_nonsense_o")
    assert body["data"]["viewer"]["authenticated"] is False
    assert "invalid" in body["data"]["viewer"]["message"]
    refused = await gql(client, "{ users { total } }", token="dbk_nonsense_o", status=400)
    assert codes(refused) == ["UNAUTHENTICATED"]
    assert "users" in refused["errors"][0]["message"]
    assert "invalid" in refused["errors"][0]["message"]
    mutation = await gql(client, "mutation { revokeInvitation(id: 1) { id } }", status=400)
    assert codes(mutation) == ["UNAUTHENTICATED"]
    assert (
        "No API token" in mutation["errors"][0]["message"]
        or "no API token" in mutation["errors"][0]["message"]
    )


async def test_organization_token_sees_the_organization_schema(client: Any, factory: Any) -> None:
    tenant = await factory.tenant()
    body = await gql(
        client,
        "{ viewer { tokenKind } organization { id slug settings } users { total data { email role fullName } } }",
        tenant.token,
    )
    assert "errors" not in body, body
    data = body["data"]
    assert data["viewer"]["tokenKind"] == "ORGANIZATION"
    assert data["organization"]["slug"] == tenant.org.slug
    assert data["organization"]["settings"]["apiAccessEnabled"] is True
    assert data["users"]["total"] == 1
    assert data["users"]["data"][0]["email"] == tenant.admin.email
    fields = await gql(client, '{ __type(name: "Query") { fields { name } } }', tenant.token)
    names = {f["name"] for f in fields["data"]["__type"]["fields"]}
    assert {"me", "organization", "users", "user", "teams", "tokens", "invitations"} <= names


async def test_organization_token_has_me_without_a_user(client: Any, factory: Any) -> None:
    tenant = await factory.tenant()
    body = await gql(client, ME, tenant.token)
    assert "errors" not in body, body
    assert body["data"]["me"] == {
        "authType": "ORGANIZATION",
        "user": None,
        "organization": {
            "organization_id": tenant.org.id,
            "name": tenant.org.name,
            "subdomain": tenant.org.slug,
            "timezone": "UTC",
            "currency": "USD",
        },
    }


async def test_me_needs_no_scope(client: Any, factory: Any) -> None:
    tenant = await factory.tenant()
    narrow = await factory.token(tenant, scopes=["deals:read"])
    user, personal = await factory.personal(tenant, Role.VIEWER, scopes=["deals:read"])
    org_me = await gql(client, "{ me { authType user { user_id } } }", narrow)
    assert org_me == {"data": {"me": {"authType": "ORGANIZATION", "user": None}}}
    own_me = await gql(client, "{ me { authType user { user_id role is_admin } } }", personal)
    assert own_me == {
        "data": {
            "me": {"authType": "PERSONAL", "user": {"user_id": user.id, "role": "VIEWER", "is_admin": False}}
        }
    }


async def test_me_without_a_valid_token_is_unauthenticated(client: Any) -> None:
    for token in (None, "dbk_nonsense_o", "dbk_nonsense_p"):
        body = await gql(client, ME, token, status=400)
        assert codes(body) == ["UNAUTHENTICATED"], body
        assert "me" in body["errors"][0]["message"]
        assert "data" not in body or body["data"] is None


async def test_personal_token_has_me_with_optix_names(client: Any, factory: Any) -> None:
    from dealbench.models import Team, TeamMember

    tenant = await factory.tenant()
    user, token = await factory.personal(tenant, Role.MEMBER)
    async with factory.services.sessionmaker() as session:
        team = Team(organization_id=tenant.org.id, name="Solutions")
        session.add(team)
        await session.flush()
        session.add(TeamMember(team_id=team.id, user_id=user.id))
        await session.commit()
    body = await gql(client, ME, token)
    assert "errors" not in body, body
    me = body["data"]["me"]
    assert me["authType"] == "PERSONAL"
    assert me["user"]["user_id"] == user.id
    assert me["user"]["email"] == user.email
    assert me["user"]["is_admin"] is False
    assert me["user"]["teams"] == [{"team_id": team.id, "name": "Solutions"}]
    listed = await gql(client, "{ users { data { id teams { name } } } }", tenant.token)
    teams = {u["id"]: u["teams"] for u in listed["data"]["users"]["data"]}
    assert teams == {tenant.admin.id: [], user.id: [{"name": "Solutions"}]}
    assert me["organization"] == {
        "organization_id": tenant.org.id,
        "name": tenant.org.name,
        "subdomain": tenant.org.slug,
        "timezone": "UTC",
        "currency": "USD",
    }


async def test_every_token_form_is_accepted(client: Any, factory: Any) -> None:
    tenant = await factory.tenant()
    query = "{ viewer { authenticated } }"
    forms: list[dict[str, Any]] = [
        {"headers": {"Authorization": f"Bearer {tenant.token}"}, "json": {"query": query}},
        {"headers": {"Authorization": tenant.token}, "json": {"query": query}},
        {"headers": {"X-API-Key": tenant.token}, "json": {"query": query}},
        {"params": {"access_token": tenant.token}, "json": {"query": query}},
        {"json": {"query": query, "access_token": tenant.token}},
        {"data": {"query": query, "access_token": tenant.token}},
    ]
    for form in forms:
        response = await client.post("/graphql", **form)
        assert response.status_code == 200, (form, response.text)
        assert response.json()["data"]["viewer"]["authenticated"] is True, form
        assert "x-ratelimit-remaining" in response.headers


async def test_get_and_application_graphql(client: Any, factory: Any) -> None:
    tenant = await factory.tenant()
    got = await client.get(
        "/graphql",
        params={"query": "query Q($n: Int) { users(limit: $n) { total } }", "variables": '{"n": 1}'},
        headers=tenant.headers,
    )
    assert got.status_code == 200, got.text
    assert got.json()["data"]["users"]["total"] == 1
    raw = await client.post(
        "/graphql",
        content="{ viewer { tokenKind } }",
        headers={"Content-Type": "application/graphql", **tenant.headers},
    )
    assert raw.json()["data"]["viewer"]["tokenKind"] == "ORGANIZATION"
    mutation = await client.get(
        "/graphql",
        params={"query": "mutation { revokeInvitation(id: 1) { id } }"},
        headers=tenant.headers,
    )
    assert mutation.status_code == 405
    assert mutation.json()["errors"][0]["message"] == "Mutations must be sent with POST."


async def test_bad_requests_are_clear_errors(client: Any) -> None:
    cases: list[tuple[dict[str, Any], int, str]] = [
        ({"content": b"{not json", "headers": {"Content-Type": "application/json"}}, 400, "BAD_REQUEST"),
        ({"json": [{"query": "{ apiVersion }"}]}, 400, "BAD_REQUEST"),
        ({"json": {"query": 5}}, 400, "BAD_REQUEST"),
        ({"json": {}}, 400, "BAD_REQUEST"),
        ({"json": {"query": "{ apiVersion }", "variables": "[1]"}}, 400, "BAD_USER_INPUT"),
        ({"json": {"query": "{ apiVersion"}}, 400, "GRAPHQL_PARSE_FAILED"),
        ({"json": {"query": "{ nope }"}}, 400, "UNAUTHENTICATED"),  # anonymous: maybe not a typo
        ({"json": {"query": "{ viewer { nope } }"}}, 400, "UNAUTHENTICATED"),
        ({"json": {"query": "{ viewer(x: 1) { message } }"}}, 400, "GRAPHQL_VALIDATION_FAILED"),
        ({"json": {"query": "query A { apiVersion } query B { apiVersion }"}}, 400, "BAD_REQUEST"),
        (
            {"json": {"query": "query ($n: Int!) { apiVersion }", "variables": {"n": "x"}}},
            400,
            "BAD_USER_INPUT",
        ),
        ({"content": b"x", "headers": {"Content-Type": "text/plain"}}, 415, "INTERNAL_SERVER_ERROR"),
    ]
    for kwargs, status, code in cases:
        response = await client.post("/graphql", **kwargs)
        assert response.status_code == status, (kwargs, response.text)
        body = response.json()
        assert body["errors"], body
        if status != 415:
            assert body["errors"][0]["extensions"]["code"] == code, (kwargs, body)
    empty_get = await client.get("/graphql", headers={"Accept": "application/json"})
    assert empty_get.status_code == 400
    assert empty_get.json()["errors"][0]["extensions"]["code"] == "BAD_REQUEST"


async def test_missing_scope_is_forbidden_per_field(client: Any, factory: Any) -> None:
    tenant = await factory.tenant()
    token = await factory.token(tenant, scopes=["teams:read"])
    body = await gql(client, "{ teams { total } users { total } }", token)
    assert body["data"]["teams"]["total"] == 0
    assert body["data"]["users"] is None
    assert codes(body) == ["FORBIDDEN"]
    assert "users:read" in body["errors"][0]["message"]
    assert body["errors"][0]["path"] == ["users"]


async def test_another_tenants_object_is_not_found(client: Any, factory: Any) -> None:
    mine, other = await factory.tenant(), await factory.tenant()
    body = await gql(client, f"{{ user(id: {other.admin.id}) {{ email }} }}", mine.token)
    assert body["data"]["user"] is None
    assert codes(body) == ["NOT_FOUND"]
    revoked = await gql(client, "mutation { revokeInvitation(id: 999999999) { id } }", mine.token)
    assert codes(revoked) == ["NOT_FOUND"]


async def test_invitation_mutations_and_zod_issues(client: Any, factory: Any) -> None:
    tenant = await factory.tenant()
    create = """mutation ($input: InvitationCreateInput!) {
      createInvitation(input: $input) { code invitation { id status role inviteeEmail } } }"""
    bad = await gql(client, create, tenant.token, {"input": {"inviteeEmail": "nope", "role": "MEMBER"}})
    assert codes(bad) == ["BAD_USER_INPUT"]
    assert bad["errors"][0]["extensions"]["issues"] == [
        {
            "code": "invalid_string",
            "validation": "email",
            "path": ["input", "inviteeEmail"],
            "message": "Invalid email",
        }
    ]
    bad_enum = await gql(
        client, create, tenant.token, {"input": {"inviteeEmail": "a@example.com", "role": "KING"}}, status=400
    )
    assert codes(bad_enum) == ["BAD_USER_INPUT"]
    made = await gql(
        client, create, tenant.token, {"input": {"inviteeEmail": "New@Example.com", "role": "VIEWER"}}
    )
    assert "errors" not in made, made
    invitation = made["data"]["createInvitation"]["invitation"]
    assert invitation["inviteeEmail"] == "new@example.com"
    assert invitation["status"] == "PENDING"
    again = await gql(
        client, create, tenant.token, {"input": {"inviteeEmail": "new@example.com", "role": "VIEWER"}}
    )
    assert codes(again) == ["CONFLICT"]
    listed = await gql(client, "{ invitations(status: PENDING) { total data { id } } }", tenant.token)
    assert listed["data"]["invitations"]["data"] == [{"id": invitation["id"]}]
    revoked = await gql(
        client, f"mutation {{ revokeInvitation(id: {invitation['id']}) {{ status }} }}", tenant.token
    )
    assert revoked["data"]["revokeInvitation"]["status"] == "REVOKED"


async def test_failed_mutation_leaves_nothing_and_others_commit(client: Any, factory: Any) -> None:
    tenant = await factory.tenant()
    body = await gql(
        client,
        """mutation {
          a: createInvitation(input: {inviteeEmail: "one@example.com", role: MEMBER}) { code }
          b: createInvitation(input: {inviteeEmail: "one@example.com", role: MEMBER}) { code }
        }""",
        tenant.token,
    )
    assert body["data"]["a"]["code"]
    assert body["data"]["b"] is None
    assert codes(body) == ["CONFLICT"]
    listed = await gql(client, "{ invitations { total } }", tenant.token)
    assert listed["data"]["invitations"]["total"] == 1


async def test_viewer_role_cannot_mutate(client: Any, factory: Any) -> None:
    tenant = await factory.tenant()
    _, token = await factory.personal(tenant, Role.VIEWER)
    body = await gql(
        client,
        'mutation { createInvitation(input: {inviteeEmail: "x@example.com", role: MEMBER}) { code } }',
        token,
    )
    assert codes(body) == ["FORBIDDEN"]


async def test_member_sees_only_own_tokens(client: Any, factory: Any) -> None:
    tenant = await factory.tenant()
    user, token = await factory.personal(tenant, Role.MEMBER, scopes=["tokens:read"])
    body = await gql(client, "{ tokens { total data { userId kind prefix } } }", token)
    assert body["data"]["tokens"]["total"] == 1
    assert body["data"]["tokens"]["data"][0]["userId"] == user.id
    admin_view = await gql(client, "{ tokens { total } }", tenant.token)
    assert admin_view["data"]["tokens"]["total"] == 2


async def test_list_limits_are_zod_issues(client: Any, factory: Any) -> None:
    tenant = await factory.tenant()
    body = await gql(client, "{ users(limit: 1001) { total } }", tenant.token)
    assert codes(body) == ["BAD_USER_INPUT"]
    assert body["errors"][0]["extensions"]["issues"][0]["code"] == "too_big"
    assert body["errors"][0]["extensions"]["issues"][0]["maximum"] == 1000
    body = await gql(client, "{ users(offset: -1) { total } }", tenant.token)
    assert body["errors"][0]["extensions"]["issues"][0]["path"] == ["offset"]


async def test_depth_aliases_and_complexity_limits(client: Any, factory: Any) -> None:
    tenant = await factory.tenant()
    deep = "{ viewer { " + "authenticated " + "} }"
    fragment_loop = "query { ...A } fragment A on Query { viewer { authenticated } }"
    assert "errors" not in await gql(client, deep, tenant.token)
    assert "errors" not in await gql(client, fragment_loop, tenant.token)
    aliases = "{ " + " ".join(f"a{i}: apiVersion" for i in range(31)) + " }"
    body = await gql(client, aliases, tenant.token, status=400)
    assert codes(body) == ["GRAPHQL_VALIDATION_FAILED"]
    assert body["errors"][0]["extensions"]["limit"] == "aliases"
    many = (
        "{ "
        + " ".join(
            f"u{i}: users(limit: 1000) {{ data {{ email role firstName lastName id createdAt updatedAt fullName }} total }}"
            for i in range(30)
        )
        + " }"
    )
    body = await gql(client, many, tenant.token, status=400)
    assert body["errors"][0]["extensions"]["limit"] == "complexity"
    assert "budget" in body["errors"][0]["message"]
    variables = await gql(
        client,
        "query ($n: Int) { "
        + " ".join(
            f"u{i}: users(limit: $n) {{ data {{ email role firstName lastName id createdAt }} }}"
            for i in range(30)
        )
        + " }",
        tenant.token,
        {"n": 5},
    )
    assert "errors" not in variables, variables


async def test_depth_limit(client: Any) -> None:
    from dealbench.graphql.limits import MAX_DEPTH, check
    from dealbench.graphql.schema import get_schema
    from dealbench.kit.graphql.context import SchemaKind
    from graphql import parse

    schema = get_schema(SchemaKind.ORGANIZATION)._schema
    nested = "{ a " * (MAX_DEPTH + 1) + "}" * (MAX_DEPTH + 1)
    errors = check(schema, parse(nested), {})
    assert errors and errors[0].extensions is not None and errors[0].extensions["limit"] == "depth"
    # introspection is deep by nature and never counted
    body = await gql(
        client,
        "{ __schema { types { fields { type { ofType { ofType { ofType { ofType { ofType { ofType { ofType { ofType { name } } } } } } } } } } } } }",
    )
    assert "errors" not in body


async def test_rate_limited_is_429_in_graphql_shape(client: Any, factory: Any) -> None:
    tenant = await factory.tenant()
    token = await factory.token(tenant, rate_limit_per_minute=1)
    assert (await gql(client, "{ apiVersion }", token))["data"]
    response = await client.post(
        "/graphql", json={"query": "{ apiVersion }"}, headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 429
    assert response.json()["errors"][0]["extensions"]["code"] == "RATE_LIMITED"
    assert response.headers["retry-after"]


async def test_api_access_switched_off_is_forbidden(client: Any, factory: Any) -> None:
    from dealbench.models import Organization

    tenant = await factory.tenant()
    async with factory.services.sessionmaker() as session:
        org = await session.get(Organization, tenant.org.id)
        assert org is not None
        org.settings = {**org.settings, "apiAccessEnabled": False}
        await session.commit()
    response = await client.post("/graphql", json={"query": "{ apiVersion }"}, headers=tenant.headers)
    assert response.status_code == 403
    assert response.json()["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_playground_and_voyager_pages(client: Any, factory: Any) -> None:
    tenant = await factory.tenant()
    page = await client.get(
        "/graphql", params={"access_token": tenant.token + "<"}, headers={"Accept": "text/html"}
    )
    assert page.status_code == 200
    assert "graphiql.min.js" in page.text
    assert '<"' not in page.text and "\\u003c" in page.text  # the token can never close the script
    assert "connect-src 'self'" in page.headers["content-security-policy"]
    voyager = await client.get("/graphql/voyager", params={"access_token": tenant.token})
    assert voyager.status_code == 200 and "voyager.standalone.js" in voyager.text
    asset = await client.get("/graphql/static/playground.js")
    assert asset.status_code == 200


async def test_readonly_playground_refuses_mutations(client: Any, factory: Any, settings: Any) -> None:
    tenant = await factory.tenant()
    settings.graphql_playground_readonly = True
    try:
        body = await gql(
            client,
            "mutation { revokeInvitation(id: 1) { id } }",
            tenant.token,
            status=403,
            headers={"X-Dealbench-Client": "playground"},
        )
        assert codes(body) == ["FORBIDDEN"]
        assert "read-only" in body["errors"][0]["message"]
        query = await gql(
            client, "{ apiVersion }", tenant.token, headers={"X-Dealbench-Client": "playground"}
        )
        assert query["data"]["apiVersion"]
        outside = await gql(client, "mutation { revokeInvitation(id: 1) { id } }", tenant.token)
        assert codes(outside) == ["NOT_FOUND"]
    finally:
        settings.graphql_playground_readonly = False
