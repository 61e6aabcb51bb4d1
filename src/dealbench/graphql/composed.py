"""The GraphQL types that several domains contribute fields to, assembled from each one's part.

A domain declares the fields of its own resource (``DealFields``) and the relation fields it adds to
another domain's resource (the tickets domain adds ``Deal.tickets``), so no domain imports the
domain on the other side of the relation. The domains refer to the assembled type by name
(``strawberry.lazy("dealbench.graphql.composed")``), resolved when the schema is built.
"""

from __future__ import annotations

import strawberry

from dealbench.deals.graphql import DealFields
from dealbench.evaluations.graphql import DealPlan
from dealbench.teams.graphql import UserTeams
from dealbench.tickets.graphql import DealTickets
from dealbench.users.graphql import UserFields


@strawberry.type(description="A deal (opportunity). `id` or `eid:<vendorEntityId>` finds it.")
class Deal(DealFields, DealTickets, DealPlan):  # type: ignore[misc,valid-type]
    pass


@strawberry.type(description="A person of the organization.")
class User(UserFields, UserTeams):
    pass
