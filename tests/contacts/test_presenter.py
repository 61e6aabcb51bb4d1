"""The contact presenter answers what the REST routes document, GraphQL the same values, and a
list runs one statement whatever its length."""

from __future__ import annotations

from typing import Any

from dealbench.contacts.schemas import ContactOut


async def test_answers_match_the_documented_schema_in_both_dialects(client: Any, factory: Any) -> None:
    t = await factory.tenant()
    made = await client.post(
        "/v1/contacts",
        headers=t.headers,
        json={"email": "ada@example.com", "firstName": "Ada", "lastName": "Lovelace", "accountId": "A1"},
    )
    assert made.status_code == 201, made.text
    contact = made.json()
    assert list(contact) == [info.alias for info in ContactOut.model_fields.values()]
    # (the model reads ``accountId`` from the column's name)
    ContactOut.model_validate({**contact, "account_external_id": contact["accountId"]})
    assert (contact["fullName"], contact["accountId"]) == ("Ada Lovelace", "A1")
    assert (await client.get(f"/v1/contacts/{contact['id']}", headers=t.headers)).json() == contact
    (listed,) = (await client.get("/v1/contacts", headers=t.headers)).json()["items"]
    assert listed == contact
    fields = " ".join(contact)
    r = await client.post(
        "/graphql", headers=t.headers, json={"query": f"{{ contacts {{ data {{ {fields} }} total }} }}"}
    )
    assert r.json() == {"data": {"contacts": {"data": [contact], "total": 1}}}


async def test_lists_run_one_statement_whatever_the_limit(
    client: Any, factory: Any, count_statements: Any
) -> None:
    t = await factory.tenant()
    for i in range(4):
        await client.post("/v1/contacts", headers=t.headers, json={"email": f"c{i}@example.com"})
    counts = []
    for limit in (1, 3, 100):
        await client.get("/v1/contacts?limit=1", headers=t.headers)  # warm the token's lastUsedAt
        count_statements.reset()
        r = await client.get(f"/v1/contacts?limit={limit}", headers=t.headers)
        assert r.status_code == 200 and len(r.json()["items"]) == min(limit, 4)
        assert r.json()["totalCount"] == 4
        counts.append(count_statements.count)
    assert counts[0] == counts[1] == counts[2] <= 2, count_statements.statements  # token, the page
