"""Concurrent writes of one object are atomic and serial: every request answers (never a 500), and
the final state is exactly that of one request (the last to take the object's lock).

The requests run really concurrently: ``asyncio.gather`` through the ASGI app onto the pooled
engine (PostgreSQL row locks; SQLite writers queue on ``BEGIN IMMEDIATE``).
"""

from __future__ import annotations

import asyncio
from typing import Any

from tests.factories import unique
from tests.sales.helpers import make_deal


def _no_server_error(responses: list[Any]) -> None:
    errors = [(r.status_code, r.text[:200]) for r in responses if r.status_code >= 500]
    assert not errors, errors


async def _plan(client: Any, headers: dict[str, str], **fields: Any) -> dict[str, Any]:
    r = await client.post("/v1/evaluations", headers=headers, json={"title": unique("POC "), **fields})
    assert r.status_code == 201, r.text
    return r.json()  # type: ignore[no-any-return]


async def test_concurrent_additions_to_a_plan_get_distinct_positions(client: Any, factory: Any) -> None:
    t = await factory.tenant()
    plan = await _plan(client, t.headers)
    base = f"/v1/evaluations/{plan['id']}"
    responses = await asyncio.gather(
        *(client.post(f"{base}/criteria", headers=t.headers, json={"title": f"c{i}"}) for i in range(30))
    )
    _no_server_error(responses)
    assert {r.status_code for r in responses} == {201}
    items = (await client.get(f"{base}/criteria", headers=t.headers)).json()["items"]
    assert sorted(c["position"] for c in items) == list(range(30))
    activity = (await client.get(f"{base}/activity?limit=1000", headers=t.headers)).json()["items"]
    assert sum(a["action"] == "criterion.created" for a in activity) == 30


async def test_concurrent_reorders_and_deletions_keep_positions_dense(client: Any, factory: Any) -> None:
    t = await factory.tenant()
    plan = await _plan(client, t.headers)
    base = f"/v1/evaluations/{plan['id']}"
    ids = [
        (await client.post(f"{base}/tasks", headers=t.headers, json={"title": f"t{i}"})).json()["id"]
        for i in range(8)
    ]
    reorders = [
        client.post(f"{base}/tasks/reorder", headers=t.headers, json={"ids": ids[::-1]}) for _ in range(10)
    ]
    deletions = [client.delete(f"{base}/tasks/{i}", headers=t.headers) for i in ids[:3]]
    responses = await asyncio.gather(*reorders, *deletions)
    _no_server_error(responses)
    # A reorder that lost the race against a deletion names a task that is gone: a 400, nothing stored.
    assert {r.status_code for r in responses} <= {200, 400}
    assert all(r.status_code == 200 for r in responses[10:])
    items = (await client.get(f"{base}/tasks", headers=t.headers)).json()["items"]
    assert sorted(i["position"] for i in items) == list(range(5))
    assert {i["id"] for i in items} == set(ids[3:])


async def test_two_plans_taking_one_deal_at_once_one_wins(client: Any, factory: Any) -> None:
    t = await factory.tenant()
    deal = await make_deal(client, t.headers)
    plans = [await _plan(client, t.headers) for _ in range(12)]
    responses = await asyncio.gather(
        *(
            client.patch(f"/v1/evaluations/{p['id']}", headers=t.headers, json={"dealId": deal["id"]})
            for p in plans
        )
    )
    _no_server_error(responses)
    assert sorted(r.status_code for r in responses) == [200] + [409] * 11
    winner = plans[[r.status_code for r in responses].index(200)]
    assert (await client.get(f"/v1/deals/{deal['id']}", headers=t.headers)).json()["evaluationId"] == winner[
        "id"
    ]


async def test_deals_taking_one_plan_at_once_one_wins(client: Any, factory: Any) -> None:
    t = await factory.tenant()
    plan = await _plan(client, t.headers)
    deals = [await make_deal(client, t.headers) for _ in range(12)]
    updates = [
        client.patch(f"/v1/deals/{d['id']}", headers=t.headers, json={"evaluationId": plan["id"]})
        for d in deals
    ]
    # ... while the plan itself is linked to yet another deal, from the plan's side.
    other = await make_deal(client, t.headers)
    from_plan = client.patch(f"/v1/evaluations/{plan['id']}", headers=t.headers, json={"dealId": other["id"]})
    responses = await asyncio.gather(*updates, from_plan)
    _no_server_error(responses)
    assert {r.status_code for r in responses} <= {200, 409}
    linked = (await client.get("/v1/deals?limit=1000", headers=t.headers)).json()["items"]
    assert sum(d["evaluationId"] == plan["id"] for d in linked) == 1
    shown = (await client.get(f"/v1/evaluations/{plan['id']}", headers=t.headers)).json()["dealId"]
    assert [d["id"] for d in linked if d["evaluationId"] == plan["id"]] == [shown]


async def test_concurrent_partial_template_updates_lose_nothing(client: Any, factory: Any) -> None:
    t = await factory.tenant()
    tpl = await client.post("/v1/plan-templates", headers=t.headers, json={"title": "T"})
    assert tpl.status_code == 201, tpl.text
    url = f"/v1/plan-templates/{tpl.json()['id']}"

    def body(i: int) -> dict[str, Any]:
        # Each request replaces one part of the content and leaves the other as it finds it.
        return {"criteria": [{"title": f"c{i}"}]} if i % 2 else {"tasks": [{"title": f"k{i}"}]}

    # Fewer requests than pooled connections: they all read before any of them writes.
    responses = await asyncio.gather(*(client.patch(url, headers=t.headers, json=body(i)) for i in range(8)))
    _no_server_error(responses)
    assert {r.status_code for r in responses} == {200}
    final = (await client.get(url, headers=t.headers)).json()
    assert len(final["criteria"]) == 1 and len(final["tasks"]) == 1, final


async def test_concurrent_plan_updates_form_one_chain_of_changes(client: Any, factory: Any) -> None:
    t = await factory.tenant()
    plan = await _plan(client, t.headers, title="start")
    url = f"/v1/evaluations/{plan['id']}"
    responses = await asyncio.gather(
        *(client.patch(url, headers=t.headers, json={"title": f"t{i}"}) for i in range(30))
    )
    _no_server_error(responses)
    activity = (await client.get(f"{url}/activity?limit=1000", headers=t.headers)).json()["items"]
    titles = [a["changes"]["title"] for a in activity if a["action"] == "evaluation.updated"]
    # Each update read what the previous one wrote: "from" is always the previous "to".
    assert [c["from"] for c in titles] == ["start"] + [c["to"] for c in titles[:-1]]
    assert (await client.get(url, headers=t.headers)).json()["title"] == titles[-1]["to"]


async def test_adding_a_library_criterion_while_it_is_deleted_is_never_a_500(
    client: Any, factory: Any
) -> None:
    t = await factory.tenant()
    plans = [await _plan(client, t.headers) for _ in range(6)]
    for _ in range(3):
        lib = await client.post(
            "/v1/criteria", headers=t.headers, json={"title": unique("SSO "), "category": "x"}
        )
        assert lib.status_code == 201, lib.text
        lib_id = lib.json()["id"]
        adds = [
            client.post(
                f"/v1/criteria/{lib_id}/add-to-plan", headers=t.headers, json={"evaluationId": p["id"]}
            )
            for p in plans
        ]
        responses = await asyncio.gather(
            *adds[:3], client.delete(f"/v1/criteria/{lib_id}", headers=t.headers), *adds[3:]
        )
        _no_server_error(responses)
        assert {r.status_code for r in responses} <= {200, 201, 400, 404}
        for p in plans:  # copies made before the deletion lost their link, none points at nothing
            items = (await client.get(f"/v1/evaluations/{p['id']}/criteria", headers=t.headers)).json()[
                "items"
            ]
            assert all(c["libraryCriterionId"] is None for c in items)


async def test_a_plan_from_a_template_naming_a_deleted_library_criterion(client: Any, factory: Any) -> None:
    t = await factory.tenant()
    lib = (
        await client.post("/v1/criteria", headers=t.headers, json={"title": "SSO", "category": "x"})
    ).json()
    tpl = await client.post(
        "/v1/plan-templates",
        headers=t.headers,
        json={"title": "T", "criteria": [{"title": "SSO", "libraryCriterionId": lib["id"]}]},
    )
    assert tpl.status_code == 201, tpl.text
    assert (await client.delete(f"/v1/criteria/{lib['id']}", headers=t.headers)).status_code == 200
    plan = await client.post(
        "/v1/evaluations", headers=t.headers, json={"title": "x", "templateId": tpl.json()["id"]}
    )
    assert plan.status_code == 201, plan.text
    items = (await client.get(f"/v1/evaluations/{plan.json()['id']}/criteria", headers=t.headers)).json()[
        "items"
    ]
    assert [(c["title"], c["libraryCriterionId"]) for c in items] == [("SSO", None)]


async def test_concurrent_contacts_and_targets_with_one_key_make_one(client: Any, factory: Any) -> None:
    t = await factory.tenant()
    email = f"{unique('c')}@example.com"
    contacts = await asyncio.gather(
        *(client.post("/v1/contacts", headers=t.headers, json={"email": email}) for _ in range(10))
    )
    _no_server_error(contacts)
    assert sorted(r.status_code for r in contacts) == [201] + [409] * 9
    rep = await factory.user(t)
    body = {"userId": rep.id, "month": "2025-03", "amount": 5}
    targets = await asyncio.gather(
        *(client.post("/v1/sales-targets", headers=t.headers, json=body) for _ in range(10))
    )
    _no_server_error(targets)
    assert sorted(r.status_code for r in targets) == [201] + [409] * 9
