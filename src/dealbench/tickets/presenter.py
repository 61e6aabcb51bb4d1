"""The wire shape of a ticket, shared by REST, GraphQL and the pages.

A ticket is its own columns (:data:`TICKET`, the fields of
:class:`dealbench.tickets.schemas.TicketOut`) followed by three fields assembled from its
relations: ``linkedDeals`` (the non-deleted deals it is linked to, by deal id, with the link's
priority and sharing), ``dealAmountSum`` (the summed amount of those deals: the revenue at stake)
and ``labels`` (names, sorted).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from dealbench.kit.presenter import Shape
from dealbench.models import Deal, Ticket, TicketDealLink
from dealbench.tickets.schemas import LinkedDealOut, TicketOut

_T = Ticket.__table__.c
_D = Deal.__table__.c
_TD = TicketDealLink.__table__.c

#: The fields assembled from a ticket's relations; they close its wire dict, in this order.
RELATED = ("linked_deals", "deal_amount_sum", "labels")

TICKET = Shape(
    [(info.alias or name, _T[name]) for name, info in TicketOut.model_fields.items() if name not in RELATED]
)

_LINK_COLUMNS = {
    "id": _D.id,
    "evaluation_id": _D.evaluation_id,
    "name": _D.name,
    "priority": _TD.priority,
    "shared_with_buyer": _TD.shared_with_buyer,
}
#: A deal a ticket is linked to: the deal's columns and the link's.
LINKED_DEAL = Shape(
    [(info.alias or name, _LINK_COLUMNS[name]) for name, info in LinkedDealOut.model_fields.items()]
)
#: What a link row carries after :data:`LINKED_DEAL`'s columns: the deal's amount (for the sum only).
LINK_COLUMNS = [*LINKED_DEAL.columns, _D.amount]


@dataclass(frozen=True, slots=True)
class Tickets:
    """Tickets and their relations: what the tickets services answer, for every adapter to present.

    ``rows`` are rows selected with ``TICKET.columns`` first (a page, one ticket) or ``Ticket``
    objects (a ticket just written); ``links`` and ``labels`` are by ticket id, each link a row of
    :data:`LINK_COLUMNS` (by deal id), each label list sorted. A ticket without an entry has none.
    """

    rows: Sequence[Any]
    links: Mapping[int, Sequence[Sequence[Any]]] = field(default_factory=dict)
    labels: Mapping[int, Sequence[str]] = field(default_factory=dict)


def _relate(item: dict[str, Any], tickets: Tickets) -> dict[str, Any]:
    links = tickets.links.get(item["id"], ())
    total = 0.0
    for link in links:
        amount = link[-1]
        if amount is not None:
            total += amount
    item["linkedDeals"] = LINKED_DEAL.many(links)  # the trailing amount is left out
    item["dealAmountSum"] = total
    item["labels"] = list(tickets.labels.get(item["id"], ()))
    return item


def tickets(found: Tickets) -> list[dict[str, Any]]:
    """The wire dicts of rows selected with ``TICKET.columns`` first (the hot list path)."""
    return [_relate(item, found) for item in TICKET.many(found.rows)]


def ticket(found: Tickets) -> dict[str, Any]:
    """The wire dict of the one ticket of ``found`` (a row or a ``Ticket`` object)."""
    (row,) = found.rows
    return _relate(TICKET.one(row), found)
