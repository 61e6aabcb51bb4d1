"""Optix apps in the Opine dialect: ``/v1/apps``, install, token rotation, uninstall."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter
from starlette.responses import Response

from dealbench.apps import presenter, service
from dealbench.apps.schemas import AppCreate, AppCreated, AppOut
from dealbench.auth.principal import Principal
from dealbench.auth.tokens import scoped
from dealbench.kit.etags import IfNoneMatch, tagged_response
from dealbench.kit.fastjson import json_response
from dealbench.kit.pagination import Paging
from dealbench.kit.schemas import Page, PathId
from dealbench.kit.services import AppServices, Services
from dealbench.kit.session import DbSession

router = APIRouter(prefix="/v1", tags=["Apps"])

AppsRead = Annotated[Principal, scoped("apps:read")]
AppsWrite = Annotated[Principal, scoped("apps:write")]


def keys(services: Services) -> service.Keys:
    return service.Keys(services.secret_key, services.settings.webhook_allow_private)


@router.post("/apps", response_model=AppCreated, status_code=201)
async def create_app(
    body: AppCreate, principal: AppsWrite, session: DbSession, services: AppServices
) -> Response:
    """Register an app (administrators). Its token will carry `scopes` (never more than the caller's);
    `events` subscribes it to domain events, signed with its `clientSecret` (in this answer only)."""
    app, secret = await service.create_app(session, principal, body, keys(services))
    return json_response(presenter.created(app, secret), 201)


@router.get("/apps", response_model=Page[AppOut])
async def list_apps(principal: AppsRead, session: DbSession, paging: Paging) -> Response:
    rows, total = await service.list_apps(session, principal, paging)
    return json_response(paging.page(presenter.apps(rows), total))


@router.get("/apps/{id}", response_model=AppOut)
async def get_app(
    id: PathId,
    principal: AppsRead,
    session: DbSession,
    if_none_match: IfNoneMatch = None,
) -> Response:
    return tagged_response(presenter.app(await service.get_app(session, principal, id)), if_none_match)


@router.post("/apps/{id}/install", response_model=AppOut)
async def install_app(
    id: PathId, principal: AppsWrite, session: DbSession, services: AppServices
) -> Response:
    """Install the app: an organization token (ending in `o`) is minted with the app's scopes and
    posted to its `webhookUrl` as Optix's `app_install` form (`client_id`, `created_timestamp`,
    `organization_id`, `event`, `request_signature`, `organization_token`), with Standard Webhooks
    headers signed with the client secret."""
    return json_response(presenter.app(await service.install_app(session, principal, id, keys(services))))


@router.post("/apps/{id}/rotate-token", response_model=AppOut)
async def rotate_app_token(
    id: PathId, principal: AppsWrite, session: DbSession, services: AppServices
) -> Response:
    """Mint a new token for the app, revoke the old one and post `organization_token_updated`."""
    return json_response(presenter.app(await service.rotate_token(session, principal, id, keys(services))))


@router.delete("/apps/{id}/install", response_model=AppOut)
async def uninstall_app(
    id: PathId, principal: AppsWrite, session: DbSession, services: AppServices
) -> Response:
    """Revoke the app's token and post `app_uninstall`."""
    return json_response(presenter.app(await service.uninstall_app(session, principal, id, keys(services))))
