"""Optix apps: registered by an admin with the scopes their token will carry, installed (an
organization token is minted for the app and posted to its ``webhookUrl`` as Optix's
``app_install``), their token rotated (``organization_token_updated``) and uninstalled
(``app_uninstall``). Everything the app's token does is recorded against the app.

Optix's posts are forms with ``request_signature`` = hex SHA-1 of ``client_id + client_secret +
created_timestamp``; it does not cover the body, so the posts also carry Standard Webhooks headers
signed with the client secret. A post waiting for delivery is sealed, and purged once delivered.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from dealbench.apps import presenter
from dealbench.apps.repository import AppRepository
from dealbench.apps.schemas import AppCreate
from dealbench.auth.principal import Principal
from dealbench.auth.scopes import covers
from dealbench.events import outbox
from dealbench.kit.crypto import seal, unseal
from dealbench.kit.db import utcnow
from dealbench.kit.errors import Conflict, Forbidden
from dealbench.kit.locks import Lock
from dealbench.kit.pagination import ListParams
from dealbench.models import App
from dealbench.tokens.service import issue_token, revoke, validate_scopes
from dealbench.webhooks.subscriptions import (
    APP_SECRET_PURPOSE,
    check_destination,
    check_events,
    new_secret,
    queue_app_post,
    subscribe_app,
)


@dataclass(frozen=True, slots=True)
class Keys:
    """The server's secret key (tokens, sealing) and whether private destinations are allowed."""

    secret_key: str
    allow_private: bool


def request_signature(client_id: str, client_secret: str, created_timestamp: str) -> str:
    """Optix's signature of a lifecycle post: hex SHA-1 of ``client_id + client_secret + created_timestamp``."""
    return hashlib.sha1((client_id + client_secret + created_timestamp).encode()).hexdigest()


async def list_apps(session: AsyncSession, principal: Principal, params: ListParams) -> tuple[list[Any], int]:
    return await AppRepository(session, principal).page(params)


async def get_app(
    session: AsyncSession, principal: Principal, app_id: int, *, lock: Lock | None = None
) -> App:
    return await AppRepository(session, principal).one(app_id, lock=lock)


async def create_app(
    session: AsyncSession, principal: Principal, data: AppCreate, keys: Keys
) -> tuple[App, str]:
    """Register an app: its client id and secret (the secret shown once)."""
    principal.require_admin("registering apps")
    scopes = validate_scopes(data.scopes)
    for scope in scopes:
        if not covers(principal.scopes, scope):
            raise Forbidden(f"An app cannot have scope '{scope}': it exceeds the registering token's scopes.")
    events = check_events(data.events or [])
    url = await check_destination(data.webhook_url, keys.allow_private, "webhookUrl")
    client_secret = new_secret()
    app = AppRepository(session, principal).add(
        App(
            name=data.name,
            webhook_url=url,
            scopes=scopes,
            events=events,
            client_id="app_" + secrets.token_hex(12),
            client_secret_sealed=seal(keys.secret_key, APP_SECRET_PURPOSE, client_secret.encode()),
            created_by_user_id=principal.acting_user_id,
            created_at=utcnow(),
        )
    )
    await session.flush()
    if events:
        await subscribe_app(
            session,
            principal,
            app_id=app.id,
            url=url,
            events=events,
            signing_secret=client_secret,
            secret_key=keys.secret_key,
            created_by_user_id=principal.acting_user_id,
        )
    await outbox.record(session, principal, "app.created", presenter.app(app))
    return app, client_secret


def _client_secret(app: App, keys: Keys) -> str:
    return unseal(keys.secret_key, APP_SECRET_PURPOSE, app.client_secret_sealed).decode()


async def _post(
    session: AsyncSession, principal: Principal, app: App, event: str, keys: Keys, token: str | None
) -> None:
    created = str(int(utcnow().timestamp()))
    fields = {
        "client_id": app.client_id,
        "created_timestamp": created,
        "organization_id": str(app.organization_id),
        "event": event,
        "request_signature": request_signature(app.client_id, _client_secret(app, keys), created),
    }
    if token is not None:
        fields["organization_token"] = token
    await queue_app_post(
        session, principal, app_id=app.id, event=event, fields=fields, secret_key=keys.secret_key
    )


async def _mint(session: AsyncSession, principal: Principal, app: App, keys: Keys) -> str:
    token, plaintext = await issue_token(
        session,
        organization=principal.organization,
        name=f"App: {app.name}"[:200],
        secret_key=keys.secret_key,
        scopes=app.scopes,
        created_by_user_id=principal.acting_user_id,
    )
    token.app_id = app.id
    app.token_id = token.id
    await session.flush()
    return plaintext


async def _revoke_current(session: AsyncSession, principal: Principal, app: App) -> None:
    if app.token_id is not None:
        token = await AppRepository(session, principal).token(app.token_id)
        if token is not None:
            await revoke(session, token)
        app.token_id = None


async def install_app(session: AsyncSession, principal: Principal, app_id: int, keys: Keys) -> App:
    """Install: mint the app's organization token and post ``app_install`` with it."""
    principal.require_admin("installing apps")
    app = await get_app(session, principal, app_id, lock=Lock.UPDATE)
    if app.installed_at is not None:
        raise Conflict("This app is installed already; rotate its token instead.")
    plaintext = await _mint(session, principal, app, keys)
    app.installed_at = utcnow()
    await session.flush()
    await _post(session, principal, app, "app_install", keys, plaintext)
    await outbox.record(session, principal, "app.installed", presenter.app(app))
    return app


async def rotate_token(session: AsyncSession, principal: Principal, app_id: int, keys: Keys) -> App:
    """A new token for the app; the old one is revoked; ``organization_token_updated`` carries the new."""
    principal.require_admin("rotating an app's token")
    app = await get_app(session, principal, app_id, lock=Lock.UPDATE)
    if app.installed_at is None:
        raise Conflict("This app is not installed.")
    await _revoke_current(session, principal, app)
    plaintext = await _mint(session, principal, app, keys)
    await _post(session, principal, app, "organization_token_updated", keys, plaintext)
    await outbox.record(session, principal, "app.token_rotated", presenter.app(app))
    return app


async def uninstall_app(session: AsyncSession, principal: Principal, app_id: int, keys: Keys) -> App:
    """Revoke the app's token and post ``app_uninstall``."""
    principal.require_admin("uninstalling apps")
    app = await get_app(session, principal, app_id, lock=Lock.UPDATE)
    if app.installed_at is None:
        raise Conflict("This app is not installed.")
    await _revoke_current(session, principal, app)
    app.installed_at = None
    await session.flush()
    await _post(session, principal, app, "app_uninstall", keys, None)
    await outbox.record(session, principal, "app.uninstalled", presenter.app(app))
    return app
