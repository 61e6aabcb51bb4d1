"""Organizations: creation (bootstrap, demo), the organization of a principal, its settings."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from dealbench.auth.principal import Principal
from dealbench.kit.errors import Conflict, ValidationFailed
from dealbench.kit.locks import lock_organization
from dealbench.models import Organization
from dealbench.models.organization import DEFAULT_SETTINGS
from dealbench.organizations import repository
from dealbench.organizations.presenter import settings_of
from dealbench.organizations.schemas import OrganizationUpdate

SLUG = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")


async def get_by_slug(session: AsyncSession, slug: str) -> Organization | None:
    return await repository.by_slug(session, slug)


async def create_organization(
    session: AsyncSession, *, name: str, slug: str, timezone: str = "UTC", currency: str = "USD"
) -> Organization:
    if not SLUG.match(slug):
        raise ValidationFailed.at(["slug"], "A slug is 1..63 lower-case letters, digits and inner hyphens.")
    if await repository.by_slug(session, slug) is not None:
        raise Conflict(f"An organization with slug '{slug}' already exists.")
    org = Organization(
        name=name, slug=slug, timezone=timezone, currency=currency, settings=dict(DEFAULT_SETTINGS)
    )
    return await repository.add(session, org)


async def get_organization(session: AsyncSession, principal: Principal) -> Organization:
    """The caller's organization (read with its token: no statement)."""
    return principal.organization


async def locked_organization(session: AsyncSession, principal: Principal) -> Organization:
    """The caller's organization read again under the row lock of its update (what a conditional
    update compares with the version its client holds)."""
    await lock_organization(session, principal.organization)
    found = await session.get(Organization, principal.organization.id)
    assert found is not None  # the principal's organization exists while its token does
    return found


async def update_organization(
    session: AsyncSession, principal: Principal, data: OrganizationUpdate
) -> Organization:
    """Change the name, time zone, currency or settings; settings are merged into what is stored."""
    org = principal.organization
    await lock_organization(session, org)  # the settings are merged into what is stored now
    sent = data.provided()
    for name in ("name", "timezone", "currency"):
        if sent.get(name) is not None:
            setattr(org, name, sent[name])
    if data.settings is not None:
        changes = {
            key: value
            for key, value in data.settings.model_dump(by_alias=True, exclude_unset=True).items()
            if value is not None
        }
        org.settings = {**settings_of(org), **changes}
    session.add(org)
    await session.flush()
    return org


async def change_settings(
    session: AsyncSession, org: Organization, changes: dict[str, Any]
) -> dict[str, Any]:
    """Merge ``changes`` into the organization's stored settings (the server's operator, on the
    command line); the organization is locked first, as the API's update does. The settings now."""
    await lock_organization(session, org)
    org.settings = {**settings_of(org), **changes}
    await session.flush()
    return settings_of(org)
