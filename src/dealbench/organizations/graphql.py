"""The organization in the GraphQL dialect: ``organization`` (scope ``organization:read``)."""

from __future__ import annotations

from typing import Any

import strawberry

from dealbench.kit.graphql.context import ctx
from dealbench.kit.graphql.fields import scoped_field
from dealbench.kit.graphql.generate import output_type
from dealbench.kit.graphql.types import wire
from dealbench.organizations import presenter, service
from dealbench.organizations.schemas import OrganizationOut

OrganizationType: Any = output_type(
    OrganizationOut,
    "Organization",
    description="The organization of the token.",
    describe={
        "timezone": "The organization's IANA time zone (e.g. `Europe/Paris`).",
        "currency": "The organization's ISO 4217 currency code (e.g. `USD`).",
    },
)


@strawberry.type
class Query:
    @scoped_field(scope="organization:read", description="The token's organization.")
    async def organization(self, info: strawberry.Info) -> OrganizationType | None:
        return wire(presenter.organization(await ctx(info).call(service.get_organization)))
