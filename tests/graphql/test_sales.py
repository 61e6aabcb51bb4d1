"""Deals, tickets and sales processes over GraphQL: the same services, scopes and rules as REST."""

from __future__ import annotations

from typing import Any

from dealbench.models import Role
from tests.graphql.helpers import codes, gql


async def _deals_with_tickets(factory: Any, tenant: Any, n: int, tickets_per_deal: int = 2) -> list[int]:
    """``n`` deals, each linked to ``tickets_per_deal`` tickets (each also linked to the next deal)."""
    from dealbench.auth.principal import Principal
    from dealbench.deals.schemas import DealCreate
    from dealbench.deals.service import create_deal
    from dealbench.models import ApiToken, Organization
    from dealbench.tickets.schemas import TicketCreate
    from dealbench.tickets.service import create_ticket

    async with factory.services.sessionmaker() as session:
        org = await session.get(Organization, tenant.org.id)
        token = await session.get(ApiToken, tenant.token_row.id)
        principal = Principal(organization=org, token=token)
        deals = [
            await create_deal(
                session,
                principal,
                DealCreate(name=f"Deal {i}", amount=1000 + i, vendor_entity_id=f"V{tenant.org.id}-{i}"),
            )
            for i in range(n)
        ]
        from dealbench.evaluations import content, plans
        from dealbench.evaluations import schemas as es

        for deal in deals:
            plan = await plans.create_evaluation(
                session, principal, es.EvaluationCreate(title=f"Plan of {deal.name}", deal_id=deal.id)
            )
            for c in range(2):
                await content.add_item(
                    session,
                    principal,
                    plan.one.id,
                    content.CRITERIA,
                    es.CriterionCreate(title=f"Criterion {c}"),
                )
        for i, deal in enumerate(deals):
            nxt = deals[(i + 1) % n]
            for t in range(tickets_per_deal):
                await create_ticket(
                    session,
                    principal,
                    TicketCreate.model_validate(
                        {
                            "title": f"Ticket {i}.{t}",
                            "type": "BUG",
                            "state": "OPEN",
                            "deals": [{"id": deal.id}, {"id": nxt.id, "priority": "BLOCKER"}],
                            "labels": ["api"],
                        }
                    ),
                )
        await session.commit()
        return [d.id for d in deals]


DEALS_QUERY = """query ($n: Int) { deals(limit: $n) { total data { id name
  tickets { id title labels dealAmountSum linkedDeals { id name priority } } } } }"""


async def test_deals_with_tickets_and_linked_deals(client: Any, factory: Any) -> None:
    tenant = await factory.tenant()
    ids = await _deals_with_tickets(factory, tenant, 3)
    body = await gql(client, DEALS_QUERY, tenant.token, {"n": 10})
    assert "errors" not in body, body
    deals = body["data"]["deals"]
    assert deals["total"] == 3
    first = deals["data"][0]
    assert first["id"] == ids[0]
    titles = [t["title"] for t in first["tickets"]]
    assert "Ticket 0.0" in titles and "Ticket 2.1" in titles  # own tickets and the previous deal's
    ticket = next(t for t in first["tickets"] if t["title"] == "Ticket 0.0")
    assert ticket["labels"] == ["api"]
    assert [d["id"] for d in ticket["linkedDeals"]] == [ids[0], ids[1]]
    assert ticket["linkedDeals"][1]["priority"] == "BLOCKER"
    assert ticket["dealAmountSum"] == 2001.0
    by_eid = await gql(client, f'{{ deal(id: "eid:V{tenant.org.id}-1") {{ id name }} }}', tenant.token)
    assert by_eid["data"]["deal"] == {"id": ids[1], "name": "Deal 1"}


REQUIRED = (
    "{ deals(limit: 100) { data { tickets { linkedDeals { name } } evaluation { criteria { title } } } } }"
)


async def test_statement_count_of_the_issue_query(client: Any, factory: Any, count_statements: Any) -> None:
    small, large = await factory.tenant(), await factory.tenant()
    await _deals_with_tickets(factory, small, 2)
    await _deals_with_tickets(factory, large, 30)
    counts = []
    for tenant in (small, large):
        await gql(client, "{ apiVersion }", tenant.token)
        count_statements.reset()
        body = await gql(client, REQUIRED, tenant.token)
        assert "errors" not in body, body
        deals = body["data"]["deals"]["data"]
        assert len(deals) in {2, 30}
        assert all(
            d["evaluation"]["criteria"] == [{"title": "Criterion 0"}, {"title": "Criterion 1"}] for d in deals
        )
        assert all(len(d["tickets"]) == 4 for d in deals)
        counts.append(count_statements.count)
    assert counts[0] == counts[1], count_statements.statements
    # token, count, page, tickets, links, evaluations, criteria
    assert counts[1] <= 7, count_statements.statements


async def test_statement_count_depends_on_depth_not_size(
    client: Any, factory: Any, count_statements: Any
) -> None:
    small, large = await factory.tenant(), await factory.tenant()
    await _deals_with_tickets(factory, small, 2)
    await _deals_with_tickets(factory, large, 25)
    counts = []
    for tenant in (small, large):
        await gql(client, "{ apiVersion }", tenant.token)  # lastUsedAt written once, outside the count
        count_statements.reset()
        body = await gql(client, DEALS_QUERY, tenant.token, {"n": 100})
        assert "errors" not in body, body
        deals = body["data"]["deals"]
        assert deals["total"] == len(deals["data"]) in {2, 25}
        assert all(len(d["tickets"]) == 4 for d in deals["data"])
        counts.append(count_statements.count)
    assert counts[0] == counts[1], count_statements.statements
    # principal, count, page, tickets of the deals, links of the tickets, labels of the tickets
    assert counts[1] <= 6, count_statements.statements


async def test_deal_mutations(client: Any, factory: Any) -> None:
    tenant = await factory.tenant()
    created = await gql(
        client,
        'mutation { createDeal(input: {name: "Acme", amount: 5000, vendorEntityId: "006X"}) { id name amount } }',
        tenant.token,
    )
    assert "errors" not in created, created
    assert created["data"]["createDeal"]["name"] == "Acme" and created["data"]["createDeal"]["amount"] == 5000
    deal_id = created["data"]["createDeal"]["id"]
    updated = await gql(
        client,
        'mutation { updateDeal(id: "eid:006X", input: {stage: "Pilot", amount: null}) { id stage amount name } }',
        tenant.token,
    )
    assert updated["data"]["updateDeal"] == {"id": deal_id, "stage": "Pilot", "amount": None, "name": "Acme"}
    bad = await gql(client, 'mutation { createDeal(input: {name: ""}) { id } }', tenant.token)
    assert codes(bad) == ["BAD_USER_INPUT"]
    assert bad["errors"][0]["extensions"]["issues"][0]["path"] == ["input", "name"]
    assert bad["errors"][0]["extensions"]["issues"][0]["code"] == "too_small"
    # A required input field is non-null in the schema: leaving it out is refused before execution.
    missing = await gql(
        client, "mutation { createDeal(input: {amount: 1}) { id } }", tenant.token, status=400
    )
    assert codes(missing) == ["GRAPHQL_VALIDATION_FAILED"]
    assert "required field 'name'" in missing["errors"][0]["message"]
    note = await gql(
        client,
        f'mutation {{ addDealNote(id: "{deal_id}", input: {{title: "Kickoff", body: "**Go**"}}) {{ id title body }} }}',
        tenant.token,
    )
    assert note["data"]["addDealNote"]["title"] == "Kickoff"
    dup = await gql(
        client, 'mutation { createDeal(input: {name: "B", vendorEntityId: "006X"}) { id } }', tenant.token
    )
    assert codes(dup) == ["CONFLICT"]
    deleted = await gql(client, f'mutation {{ deleteDeal(id: "{deal_id}") {{ deleted }} }}', tenant.token)
    assert deleted["data"]["deleteDeal"]["deleted"] is True
    read = await gql(client, f'{{ deal(id: "{deal_id}") {{ deleted deletedDate }} }}', tenant.token)
    assert read["data"]["deal"]["deleted"] is True and read["data"]["deal"]["deletedDate"]
    listed = await gql(client, "{ deals { total } }", tenant.token)
    assert listed["data"]["deals"]["total"] == 0
    listed = await gql(client, "{ deals(includeDeleted: true) { total } }", tenant.token)
    assert listed["data"]["deals"]["total"] == 1


async def test_ticket_mutations_and_filters(client: Any, factory: Any) -> None:
    tenant = await factory.tenant()
    ids = await _deals_with_tickets(factory, tenant, 2, tickets_per_deal=1)
    made = await gql(
        client,
        """mutation ($input: TicketCreateInput!) { createTicket(input: $input) {
             id state linkedDeals { id priority } labels } }""",
        tenant.token,
        {
            "input": {
                "title": "Export",
                "type": "FEATURE",
                "state": "ROADMAP",
                "deals": [{"id": ids[0]}],
                "labels": ["x"],
            }
        },
    )
    assert "errors" not in made, made
    ticket = made["data"]["createTicket"]
    assert ticket["linkedDeals"] == [{"id": ids[0], "priority": "IMPORTANT"}]
    changed = await gql(
        client,
        f"""mutation {{ updateTicket(id: {ticket["id"]}, input: {{state: CLOSED, deals: [{{id: {ids[0]}, delete: true}}]}}) {{
             state linkedDeals {{ id }} }} }}""",
        tenant.token,
    )
    assert changed["data"]["updateTicket"] == {"state": "CLOSED", "linkedDeals": []}
    missing_deal = await gql(
        client,
        'mutation { createTicket(input: {title: "t", type: BUG, state: OPEN, deals: [{id: 999999999}]}) { id } }',
        tenant.token,
    )
    assert codes(missing_deal) == ["BAD_USER_INPUT"]
    assert missing_deal["errors"][0]["extensions"]["issues"][0]["path"][:2] == ["deals", 0]
    filtered = await gql(client, "{ tickets(state: CLOSED) { total data { id } } }", tenant.token)
    assert filtered["data"]["tickets"]["data"] == [{"id": ticket["id"]}]
    by_deal = await gql(client, f'{{ tickets(dealId: "{ids[1]}") {{ total }} }}', tenant.token)
    assert by_deal["data"]["tickets"]["total"] == 2
    gone = await gql(client, f"mutation {{ deleteTicket(id: {ticket['id']}) }}", tenant.token)
    assert gone["data"]["deleteTicket"] == ticket["id"]
    again = await gql(client, f"{{ ticket(id: {ticket['id']}) {{ id }} }}", tenant.token)
    assert codes(again) == ["NOT_FOUND"]


async def test_evaluation_queries_and_mutations(client: Any, factory: Any) -> None:
    tenant = await factory.tenant()
    ids = await _deals_with_tickets(factory, tenant, 1, tickets_per_deal=1)
    made = await gql(
        client,
        f"""mutation {{ createEvaluation(input: {{title: "POC", dealId: {ids[0]}}}) {{ id title dealId }} }}""",
        tenant.token,
    )
    assert codes(made) == ["CONFLICT"]  # the deal already has a plan
    made = await gql(
        client, 'mutation { createEvaluation(input: {title: "POC"}) { id title mode dealId } }', tenant.token
    )
    assert "errors" not in made, made
    plan = made["data"]["createEvaluation"]
    assert plan["dealId"] is None
    pid = plan["id"]
    phase = await gql(
        client,
        f'mutation {{ addPhase(evaluationId: {pid}, input: {{title: "Setup"}}) {{ id }} }}',
        tenant.token,
    )
    phase_id = phase["data"]["addPhase"]["id"]
    criterion = await gql(
        client,
        f'mutation {{ addCriterion(evaluationId: {pid}, input: {{title: "SSO", phaseId: {phase_id}}}) {{ id outcome }} }}',
        tenant.token,
    )
    cid = criterion["data"]["addCriterion"]["id"]
    await gql(
        client,
        f'mutation {{ addTask(evaluationId: {pid}, input: {{title: "Install", completed: true}}) {{ id }} }}',
        tenant.token,
    )
    meeting = await gql(
        client,
        f'mutation {{ addMeeting(evaluationId: {pid}, input: {{title: "Kickoff", startsAt: "2026-01-05T10:00:00Z", attendeeEmails: ["a@example.com"]}}) {{ id startsAt attendeeEmails }} }}',
        tenant.token,
    )
    assert meeting["data"]["addMeeting"]["startsAt"] == "2026-01-05T10:00:00.000Z"
    bad = await gql(
        client,
        f'mutation {{ addMeeting(evaluationId: {pid}, input: {{title: "x", startsAt: "2026-01-05T10:00:00Z", attendeeEmails: ["nope"]}}) {{ id }} }}',
        tenant.token,
    )
    assert codes(bad) == ["BAD_USER_INPUT"]
    assert bad["errors"][0]["extensions"]["issues"][0]["path"] == ["input", "attendeeEmails", 0]
    outcome = await gql(
        client,
        f'mutation {{ updateCriterion(evaluationId: {pid}, id: {cid}, input: {{outcome: MEETS, outcomeNote: "ok"}}) {{ outcome outcomeNote }} }}',
        tenant.token,
    )
    assert outcome["data"]["updateCriterion"] == {"outcome": "MEETS", "outcomeNote": "ok"}
    full = await gql(
        client,
        f"""{{ evaluation(id: {pid}) {{ title phases {{ title }} criteria {{ title outcome phaseId }}
             tasks {{ title completed }} meetings {{ title }}
             progress {{ criteriaTotal criteriaByOutcome tasksTotal tasksDone }} }} }}""",
        tenant.token,
    )
    assert "errors" not in full, full
    ev = full["data"]["evaluation"]
    assert ev["phases"] == [{"title": "Setup"}]
    assert ev["criteria"] == [{"title": "SSO", "outcome": "MEETS", "phaseId": phase_id}]
    assert ev["progress"]["criteriaTotal"] == 1 and ev["progress"]["criteriaByOutcome"]["MEETS"] == 1
    assert ev["progress"]["tasksDone"] == 1
    listed = await gql(client, "{ evaluations { total data { id } } }", tenant.token)
    assert listed["data"]["evaluations"]["total"] == 2
    gone = await gql(client, f"mutation {{ deleteCriterion(evaluationId: {pid}, id: {cid}) }}", tenant.token)
    assert gone["data"]["deleteCriterion"] == cid
    deleted = await gql(client, f"mutation {{ deleteEvaluation(id: {pid}) }}", tenant.token)
    assert deleted["data"]["deleteEvaluation"] == pid
    other = await factory.tenant()
    foreign = await gql(
        client, f'mutation {{ addTask(evaluationId: {ids[0]}, input: {{title: "x"}}) {{ id }} }}', other.token
    )
    assert codes(foreign) == ["NOT_FOUND"]


async def test_sales_scopes_and_tenancy(client: Any, factory: Any) -> None:
    mine, other = await factory.tenant(), await factory.tenant()
    other_ids = await _deals_with_tickets(factory, other, 1, tickets_per_deal=1)
    body = await gql(client, f'{{ deal(id: "{other_ids[0]}") {{ id }} }}', mine.token)
    assert codes(body) == ["NOT_FOUND"]
    updated = await gql(
        client, f'mutation {{ updateDeal(id: "{other_ids[0]}", input: {{name: "x"}}) {{ id }} }}', mine.token
    )
    assert codes(updated) == ["NOT_FOUND"]
    deals_only = await factory.token(other, scopes=["deals:read"])
    partial = await gql(client, "{ deals { data { name tickets { id } } } }", deals_only)
    assert partial["data"]["deals"]["data"][0]["tickets"] is None
    assert codes(partial) == ["FORBIDDEN"]
    assert "tickets:read" in partial["errors"][0]["message"]
    _, viewer = await factory.personal(other, Role.VIEWER)
    refused = await gql(client, 'mutation { createDeal(input: {name: "x"}) { id } }', viewer)
    assert codes(refused) == ["FORBIDDEN"]
    made = await client.post(
        "/v1/sales-processes", json={"name": "Enterprise", "isDefault": True}, headers=other.headers
    )
    processes = await gql(client, "{ salesProcesses { total data { id name isDefault } } }", other.token)
    assert "errors" not in processes, processes
    assert processes["data"]["salesProcesses"] == {
        "total": 1,
        "data": [{"id": made.json()["id"], "name": "Enterprise", "isDefault": True}],
    }
