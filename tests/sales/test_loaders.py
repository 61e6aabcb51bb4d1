"""The page-level batch loaders GraphQL uses: grouped per key, in id order, one statement per call,
nothing for an empty page, nothing of another organization."""

from __future__ import annotations

from typing import Any

from dealbench.tickets import loaders
from tests.sales.helpers import make_deal, make_ticket


async def test_loaders_group_by_deal_and_ticket(
    client: Any, factory: Any, services: Any, count_statements: Any
) -> None:
    t, other = await factory.tenant(), await factory.tenant()
    d1, d2 = await make_deal(client, t.headers, amount=5), await make_deal(client, t.headers, amount=7)
    lonely = await make_deal(client, t.headers)
    first = await make_ticket(
        client, t.headers, deals=[{"id": d1["id"]}, {"id": d2["id"], "priority": "BLOCKER"}]
    )
    second = await make_ticket(client, t.headers, deals=[{"id": d2["id"]}], labels=["z", "a"])
    deal_ids = [d1["id"], d2["id"], lonely["id"]]
    async with services.sessionmaker() as session:
        count_statements.reset()
        tickets = await loaders.tickets_by_deal_ids(session, t.org.id, deal_ids)
        links = await loaders.links_by_deal_ids(session, t.org.id, deal_ids)
        linked = await loaders.linked_deals_by_ticket_ids(session, [first["id"], second["id"]])
        labels = await loaders.labels_by_ticket_ids(session, [first["id"], second["id"]])
        assert count_statements.count == 4
        assert await loaders.tickets_by_deal_ids(session, t.org.id, []) == {}
        assert await loaders.links_by_deal_ids(session, t.org.id, []) == {}
        assert await loaders.linked_deals_by_ticket_ids(session, []) == {}
        assert await loaders.labels_by_ticket_ids(session, []) == {}
        assert count_statements.count == 4  # an empty page asks nothing
        foreign = await loaders.tickets_by_deal_ids(session, other.org.id, deal_ids)
    assert {k: [x.id for x in v] for k, v in tickets.items()} == {
        d1["id"]: [first["id"]],
        d2["id"]: [first["id"], second["id"]],
        lonely["id"]: [],
    }
    assert {k: [(x.ticket_id, str(x.priority)) for x in v] for k, v in links.items()} == {
        d1["id"]: [(first["id"], "IMPORTANT")],
        d2["id"]: [(first["id"], "BLOCKER"), (second["id"], "IMPORTANT")],
        lonely["id"]: [],
    }
    assert [d["id"] for d in linked[first["id"]]] == [d1["id"], d2["id"]]
    assert [d["amount"] for d in linked[first["id"]]] == [5, 7]
    assert labels == {first["id"]: [], second["id"]: ["a", "z"]}
    assert foreign == {d1["id"]: [], d2["id"]: [], lonely["id"]: []}
