"""Concurrent writes of one object are atomic and serial: every request answers (never a 500), and
the final state is exactly that of one request (the last to take the object's lock).

The requests run really concurrently: ``asyncio.gather`` through the ASGI app onto the pooled
engine (PostgreSQL row locks; SQLite writers queue on ``BEGIN IMMEDIATE``).
"""

from __future__ import annotations

import asyncio
from typing import Any

from tests.factories import unique
from tests.sales.helpers import make_deal, make_ticket

PRIORITIES = ["BLOCKER", "IMPORTANT", "NICE_TO_HAVE"]


def _no_server_error(responses: list[Any]) -> None:
    errors = [(r.status_code, r.text[:200]) for r in responses if r.status_code >= 500]
    assert not errors, errors


async def test_200_concurrent_ticket_updates_leave_the_state_of_one(client: Any, factory: Any) -> None:
    t = await factory.tenant()
    deals = [await make_deal(client, t.headers) for _ in range(10)]
    ticket = await make_ticket(client, t.headers, labels=["old"])

    def body(i: int) -> dict[str, Any]:
        return {
            "title": f"title {i}",
            "labels": [f"a{i}", f"b{i}"],
            "deals": [{"id": deals[i % 10]["id"], "priority": PRIORITIES[i % 3]}],
        }

    responses = await asyncio.gather(
        *(client.put(f"/v1/tickets/{ticket['id']}", json=body(i), headers=t.headers) for i in range(200))
    )
    _no_server_error(responses)
    assert {r.status_code for r in responses} == {200}, [r.text for r in responses if r.status_code != 200][
        :3
    ]
    final = (await client.get(f"/v1/tickets/{ticket['id']}", headers=t.headers)).json()
    last = int(final["title"].split()[1])
    assert final["labels"] == sorted([f"a{last}", f"b{last}"])
    # Every answer saw its own write whole: its labels, its title.
    for i, r in enumerate(responses):
        assert r.json()["labels"] == sorted([f"a{i}", f"b{i}"]) and r.json()["title"] == f"title {i}"
    # Links are added (never replaced): all ten, each with the priority of the last request that set it.
    links = {link["id"]: link["priority"] for link in final["linkedDeals"]}
    assert set(links) == {d["id"] for d in deals}
    assert links[deals[last % 10]["id"]] == PRIORITIES[last % 3]


async def test_concurrent_ticket_creations_with_the_same_new_labels_in_any_order(
    client: Any, factory: Any
) -> None:
    t = await factory.tenant()
    names = [unique("l-") for _ in range(6)]
    bodies = [
        {"title": f"t{i}", "type": "BUG", "state": "OPEN", "labels": names[i % 6 :] + names[: i % 6]}
        for i in range(40)
    ]
    responses = await asyncio.gather(*(client.post("/v1/tickets", json=b, headers=t.headers) for b in bodies))
    _no_server_error(responses)
    assert {r.status_code for r in responses} == {201}
    assert all(r.json()["labels"] == sorted(names) for r in responses)
