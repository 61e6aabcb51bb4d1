"""Optix apps in the GraphQL dialect: ``apps``, ``app``; ``registerApp``, ``installApp``,
``rotateAppToken``, ``uninstallApp`` — the same services as ``/v1/apps``."""

from __future__ import annotations

from typing import Any

import strawberry

from dealbench.apps import presenter, service
from dealbench.apps.schemas import AppCreate, AppCreated, AppOut
from dealbench.kit.graphql.context import ctx
from dealbench.kit.graphql.fields import scoped_field, scoped_mutation
from dealbench.kit.graphql.generate import input_type, output_type
from dealbench.kit.graphql.types import Limit, Offset, Page, PageNumber, page, paging, to_model, wire

AppType: Any = output_type(
    AppOut, "App", description="An app of the organization: it receives an organization token when installed."
)
AppWithSecretType: Any = output_type(
    AppCreated, "AppWithSecret", description="A newly registered app with its client secret (shown once)."
)
AppRegisterInput: Any = input_type(
    AppCreate, "AppRegisterInput", description="A new app of the organization."
)

_ID = {"id": "The app's id."}


def _keys(info: strawberry.Info) -> service.Keys:
    services = ctx(info).services
    return service.Keys(services.secret_key, services.settings.webhook_allow_private)


@strawberry.type
class Query:
    @scoped_field(scope="apps:read", description="The organization's apps, by id.")
    async def apps(
        self, info: strawberry.Info, limit: Limit = 100, offset: Offset = None, page_number: PageNumber = None
    ) -> Page[AppType] | None:
        rows, total = await ctx(info).call(service.list_apps, paging(limit, offset, page_number))
        return page(presenter.apps(rows), total)

    @scoped_field(scope="apps:read", description="One app.", args=_ID)
    async def app(self, info: strawberry.Info, id: int) -> AppType | None:
        return wire(presenter.app(await ctx(info).call(service.get_app, id)))


@strawberry.type
class Mutation:
    @scoped_mutation(
        scope="apps:write",
        description="Register an app (administrators): its token will carry `scopes` (never more than "
        "the caller's); the client secret is shown once.",
    )
    async def register_app(self, info: strawberry.Info, input: AppRegisterInput) -> AppWithSecretType | None:
        data = to_model(AppCreate, input)
        app, secret = await ctx(info).mutate(service.create_app, data, _keys(info))
        return wire(presenter.created(app, secret))

    @scoped_mutation(
        scope="apps:write",
        description="Install the app: an organization token is minted and posted to its `webhookUrl` "
        "as `app_install`.",
        args=_ID,
    )
    async def install_app(self, info: strawberry.Info, id: int) -> AppType | None:
        return wire(presenter.app(await ctx(info).mutate(service.install_app, id, _keys(info))))

    @scoped_mutation(
        scope="apps:write",
        description="A new token for the app; the old one is revoked and `organization_token_updated` posted.",
        args=_ID,
    )
    async def rotate_app_token(self, info: strawberry.Info, id: int) -> AppType | None:
        return wire(presenter.app(await ctx(info).mutate(service.rotate_token, id, _keys(info))))

    @scoped_mutation(
        scope="apps:write", description="Revoke the app's token and post `app_uninstall`.", args=_ID
    )
    async def uninstall_app(self, info: strawberry.Info, id: int) -> AppType | None:
        return wire(presenter.app(await ctx(info).mutate(service.uninstall_app, id, _keys(info))))
