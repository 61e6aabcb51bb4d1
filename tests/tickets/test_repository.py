"""The batch reads of the tickets repository: grouped per key, in id order, one statement per call,
nothing for an empty page, nothing of another organization."""

from __future__ import annotations

from typing import Any

from dealbench.kit.repository import TenantOf
from dealbench.tickets.presenter import LINKED_DEAL
from dealbench.tickets.repository import TicketRepository
from tests.sales.helpers import make_deal, make_ticket


async def test_batch_reads_group_by_deal_and_ticket(
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
        repo = TicketRepository(session, TenantOf(t.org.id))
        count_statements.reset()
        of_deals = await repo.of_deals(deal_ids)
        links, labels = await repo.relations([first["id"], second["id"]])
        assert count_statements.count == 2
        assert await repo.of_deals([]) == []
        assert await repo.relations([]) == ({}, {})
        assert count_statements.count == 2  # an empty page asks nothing
        foreign = TicketRepository(session, TenantOf(other.org.id))
        assert await foreign.of_deals(deal_ids) == []
        assert await foreign.relations([first["id"], second["id"]]) == ({}, {})
    tickets: dict[int, list[int]] = {d: [] for d in deal_ids}
    for row in of_deals:
        tickets[row.deal_id].append(row.id)
    assert tickets == {d1["id"]: [first["id"]], d2["id"]: [first["id"], second["id"]], lonely["id"]: []}
    by_deal: dict[int, list[tuple[int, str]]] = {d: [] for d in deal_ids}
    for ticket_id, rows in sorted(links.items()):
        for link in LINKED_DEAL.many(rows):
            by_deal[link["id"]].append((ticket_id, link["priority"]))
    assert by_deal == {
        d1["id"]: [(first["id"], "IMPORTANT")],
        d2["id"]: [(first["id"], "BLOCKER"), (second["id"], "IMPORTANT")],
        lonely["id"]: [],
    }
    assert [row[0] for row in links[first["id"]]] == [d1["id"], d2["id"]]
    assert [row[-1] for row in links[first["id"]]] == [5, 7]
    assert labels == {second["id"]: ["a", "z"]}
