"""Hostile documents are refused after a bounded amount of work, signed in or not.

Work is measured, never time: the nodes the cost walk visits, and the Python calls a whole request
makes (``CallCounter``).
"""

from __future__ import annotations

from typing import Any

import pytest

from dealbench.graphql import limits
from dealbench.graphql.schema import get_schema
from dealbench.kit.graphql.context import SchemaKind
from graphql import FragmentDefinitionNode, OperationDefinitionNode, parse
from tests.graphql.helpers import CallCounter, codes


def fan_out(fragments: int) -> str:
    """Each fragment spreads the next one twice: 2^n fields once expanded, in a few hundred bytes."""
    parts = ["query{...F0}"]
    parts += [f"fragment F{i} on Query{{...F{i + 1} ...F{i + 1}}}" for i in range(fragments - 1)]
    parts.append(f"fragment F{fragments - 1} on Query{{apiVersion}}")
    return " ".join(parts)


def selections(document: str) -> int:
    count = 0
    for definition in parse(document).definitions:
        stack = [definition.selection_set]  # type: ignore[attr-defined]
        while stack:
            for node in stack.pop().selections:
                count += 1
                if getattr(node, "selection_set", None) is not None:
                    stack.append(node.selection_set)
    return count


async def post(
    client: Any, query: str, token: str | None = None, operation: str | None = None
) -> tuple[int, dict[str, Any], int]:
    """POST a document; answers the status, the body and the Python calls the request made."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    body = {"query": query, "operationName": operation}
    await client.post("/graphql", json={"query": "{ apiVersion }"}, headers=headers)  # warm
    with CallCounter() as counter:
        response = await client.post("/graphql", json=body, headers=headers)
    return response.status_code, response.json(), counter.calls


@pytest.mark.parametrize("fragments", [23, 40])
def test_the_cost_walk_visits_each_fragment_once(fragments: int) -> None:
    schema = get_schema(SchemaKind.PUBLIC)._schema
    document = parse(fan_out(fragments))
    operation = next(d for d in document.definitions if isinstance(d, OperationDefinitionNode))
    frags = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
    measured = limits.measure(schema, operation, frags, {})
    assert measured.exceeded == "complexity"
    assert measured.visits <= selections(fan_out(fragments))  # linear: no spread is expanded twice
    small = limits.measure(
        schema, *(lambda d: (d.definitions[0], {}))(parse("{ apiVersion viewer { authenticated } }")), {}
    )
    assert (small.complexity, small.visits, small.exceeded) == (3, 3, None)


@pytest.mark.parametrize("fragments", [23, 40])
async def test_fragment_fan_out_answers_400_after_bounded_work(
    client: Any, factory: Any, fragments: int
) -> None:
    tenant = await factory.tenant()
    for token in (None, tenant.token):
        status, body, calls = await post(client, fan_out(fragments), token)
        assert status == 400, body
        assert body["errors"][0]["extensions"]["limit"] == "complexity"
        assert "budget" in body["errors"][0]["message"]
        assert calls < 100_000, calls  # before the walk was memoized: 2^22 expansions for 23 fragments


async def test_the_fan_out_below_the_budget_still_runs(client: Any) -> None:
    status, body, _ = await post(client, fan_out(12))
    assert status == 200 and body["data"] == {"apiVersion": body["data"]["apiVersion"]}


async def test_documents_past_the_size_limits_are_refused_while_reading(client: Any) -> None:
    tokens = "{" + " apiVersion" * (limits.MAX_TOKENS + 10) + "}"
    status, body, calls = await post(client, tokens)
    assert status == 400 and body["errors"][0]["extensions"]["limit"] == "tokens", body
    assert body["errors"][0]["extensions"]["maximum"] == limits.MAX_TOKENS
    assert calls < 10 * len(tokens), calls
    comments = "#\n" * (limits.MAX_COMMENTS + 1) + "{ apiVersion }"
    status, body, _ = await post(client, comments)
    assert status == 400 and body["errors"][0]["extensions"]["limit"] == "comments", body
    long = "{ apiVersion " + " " * limits.MAX_DOCUMENT_CHARS + "}"
    status, body, _ = await post(client, long)
    assert status == 400 and body["errors"][0]["extensions"]["limit"] == "characters", body
    assert body["errors"][0]["extensions"]["actual"] == len(long)
    get = await client.get("/graphql", params={"query": tokens})
    assert get.status_code == 400 and get.json()["errors"][0]["extensions"]["limit"] == "tokens"


def quadratic(pairs: int) -> dict[str, tuple[str, str | None]]:
    """Documents of about ``2 * pairs`` selections on which graphql-core's standard rules do work
    quadratic in their size."""
    documents = {
        # OverlappingFieldsCanBeMerged compares every pair of fields sharing a response name ...
        "same field": "{" + " viewer { authenticated }" * pairs + "}",
        "same list": "{" + " deals { data { name } }" * (2 * pairs // 3) + "}",
        # ... and every pair of fragments spread into one selection set
        "spreads": "{"
        + "".join(f" ...F{i}" for i in range(pairs))
        + "}"
        + "".join(f" fragment F{i} on Query {{ apiVersion }}" for i in range(pairs)),
        # NoUnusedVariables walks every fragment an operation uses, once per operation
        "operations": "".join(
            f" query Q{i}($v: Int) {{ ...C0 deals(limit: $v) {{ total }} }}" for i in range(2 * pairs // 5)
        )
        + "".join(f" fragment C{i} on Query {{ apiVersion ...C{i + 1} }}" for i in range(2 * pairs // 5 - 1))
        + f" fragment C{2 * pairs // 5 - 1} on Query {{ apiVersion }}",
    }
    return {name: (doc, "Q0" if name == "operations" else None) for name, doc in documents.items()}


async def test_documents_with_too_many_selections_are_refused_before_validation(
    client: Any, factory: Any
) -> None:
    tenant = await factory.tenant()
    for name, (document, operation) in quadratic(300).items():
        assert selections(document) > limits.MAX_SELECTIONS
        status, body, calls = await post(client, document, tenant.token, operation)
        assert status == 400, (name, body)
        assert body["errors"][0]["extensions"]["limit"] == "selections", (name, body)
        # parsing and counting only, linear in the document; the standard rules would make millions
        assert calls < 10 * len(document), (name, calls)


async def test_the_worst_documents_within_the_limits_stay_cheap(client: Any, factory: Any) -> None:
    """At the selection limit, the quadratic rules stay within a bounded amount of work."""
    tenant = await factory.tenant()
    for name, (document, operation) in quadratic(limits.MAX_SELECTIONS // 2 - 2).items():
        assert selections(document) <= limits.MAX_SELECTIONS, name
        status, body, calls = await post(client, document, tenant.token, operation)
        assert status == 200 and "errors" not in body, (name, body)
        assert calls < 2_000_000, (name, calls)


async def test_nul_in_a_graphql_argument_is_bad_user_input(client: Any, factory: Any) -> None:
    tenant = await factory.tenant()
    status, body, _ = await post(client, '{ deals(q: "a\\u0000b") { total } }', tenant.token)
    assert status == 400 and codes(body) == ["BAD_USER_INPUT"], body
    assert "NUL" in body["errors"][0]["message"]
