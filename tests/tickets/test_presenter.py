"""The ticket presenter on its own: the ticket's columns, then ``linkedDeals``, ``dealAmountSum`` and
``labels`` assembled from its relations — the one definition REST and GraphQL both answer."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from dealbench.models import Ticket
from dealbench.tickets import presenter
from dealbench.tickets.presenter import TICKET, Tickets
from dealbench.tickets.schemas import TicketOut

NOW = datetime(2025, 10, 30, 12, 55, 20, 367000, tzinfo=UTC)


def _row(ticket_id: int, **fields: Any) -> tuple[Any, ...]:
    """A row as the repository selects it: ``TICKET.columns`` in order, then a trailing column."""
    values = {
        "type": "BUG",
        "state": "OPEN",
        "id": ticket_id,
        "createdAt": NOW,
        "updatedAt": NOW,
        "closedAt": None,
        "organizationId": 1,
        "createdByUserId": 2,
        "title": f"Ticket {ticket_id}",
        "description": None,
        "vendorEntityId": None,
        "vendorEntityKey": None,
        "integrationInstallationId": None,
        "targetDueDate": None,
        "vendorEntityUrl": None,
        **fields,
    }
    return (*(values[k] for k in TICKET.keys), "trailing")


def _link(deal_id: int, amount: float | None, priority: str = "IMPORTANT") -> tuple[Any, ...]:
    """A link row: the linked deal's fields, then the deal's amount."""
    return (deal_id, None, f"Deal {deal_id}", priority, False, amount)


def test_linked_deals_leave_the_amount_out_and_keep_their_order() -> None:
    found = Tickets(
        [_row(1)],
        links={1: [_link(10, 1000.0, "BLOCKER"), _link(11, 250.5)]},
        labels={1: ["SSO", "sso"]},
    )
    (item,) = presenter.tickets(found)
    assert item["linkedDeals"] == [
        {"id": 10, "evaluationId": None, "name": "Deal 10", "priority": "BLOCKER", "sharedWithBuyer": False},
        {
            "id": 11,
            "evaluationId": None,
            "name": "Deal 11",
            "priority": "IMPORTANT",
            "sharedWithBuyer": False,
        },
    ]
    assert item["dealAmountSum"] == 1250.5
    assert item["labels"] == ["SSO", "sso"]


def test_deal_amount_sum_skips_deals_without_an_amount_and_is_a_float() -> None:
    found = Tickets([_row(1), _row(2)], links={1: [_link(10, None), _link(11, 7.0)], 2: [_link(12, None)]})
    first, second = presenter.tickets(found)
    assert first["dealAmountSum"] == 7.0
    assert second["dealAmountSum"] == 0.0 and isinstance(second["dealAmountSum"], float)
    assert [d["id"] for d in second["linkedDeals"]] == [12]


def test_a_ticket_without_relations_answers_empty_lists_and_zero() -> None:
    (item,) = presenter.tickets(Tickets([_row(3)]))
    assert (item["linkedDeals"], item["dealAmountSum"], item["labels"]) == ([], 0.0, [])


def test_the_wire_dict_has_the_documented_fields_in_order() -> None:
    (item,) = presenter.tickets(Tickets([_row(1)], links={1: [_link(10, 5.0)]}, labels={1: ["a"]}))
    assert list(item) == [*TICKET.keys, "linkedDeals", "dealAmountSum", "labels"]
    assert set(item) == {info.alias for info in TicketOut.model_fields.values()}
    assert item["createdAt"] == "2025-10-30T12:55:20.367Z"
    TicketOut.model_validate(item)  # the REST route documents this schema


def test_one_written_ticket_presents_like_a_row() -> None:
    obj = Ticket(
        id=4,
        organization_id=1,
        created_at=NOW,
        updated_at=NOW,
        closed_at=None,
        created_by_user_id=2,
        title="Ticket 4",
        type="BUG",
        state="OPEN",
        description=None,
        vendor_entity_id=None,
        vendor_entity_key=None,
        integration_installation_id=None,
        target_due_date=None,
        vendor_entity_url=None,
    )
    links = {4: [_link(10, 2.5)]}
    from_object = presenter.ticket(Tickets([obj], links=links, labels={4: ["x"]}))
    (from_row,) = presenter.tickets(Tickets([_row(4)], links=links, labels={4: ["x"]}))
    assert from_object == from_row
    assert list(from_object) == list(from_row)
