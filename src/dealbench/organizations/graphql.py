"""The organization in the GraphQL dialect: ``organization`` (scope ``organization:read``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import strawberry
from strawberry.scalars import JSON

from dealbench.kit.graphql.context import ctx
from dealbench.kit.graphql.fields import scoped_field
from dealbench.kit.graphql.types import orm
from dealbench.organizations import service


async def _get(_session: Any, principal: Any) -> Any:
    return service.get_organization(principal)


@strawberry.type(name="Organization", description="The organization of the token.")
class OrganizationType:
    id: int
    name: str
    slug: str = strawberry.field(description="The organization's subdomain.")
    timezone: str
    currency: str
    created_at: datetime
    updated_at: datetime

    @strawberry.field(description="Organization settings (apiAccessEnabled, apiDownloadEnabledDefault).")
    def settings(self) -> JSON:
        return service.settings_of(self)  # type: ignore[arg-type,return-value]


@strawberry.type
class Query:
    @scoped_field(scope="organization:read", description="The token's organization.")
    async def organization(self, info: strawberry.Info) -> OrganizationType | None:
        return orm(await ctx(info).call(_get))
