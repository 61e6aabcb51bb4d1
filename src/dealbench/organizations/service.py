"""Organizations: creation (bootstrap, demo) and the organization of a principal."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from dealbench.auth.principal import Principal
from dealbench.kit.errors import Conflict, ValidationFailed
from dealbench.kit.tenancy import lock_organization
from dealbench.models import Organization
from dealbench.models.organization import DEFAULT_SETTINGS
from dealbench.organizations.schemas import OrganizationUpdate

SLUG = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")


async def get_by_slug(session: AsyncSession, slug: str) -> Organization | None:
    return (await session.execute(select(Organization).where(Organization.slug == slug))).scalar_one_or_none()


async def create_organization(
    session: AsyncSession, *, name: str, slug: str, timezone: str = "UTC", currency: str = "USD"
) -> Organization:
    if not SLUG.match(slug):
        raise ValidationFailed.at(["slug"], "A slug is 1..63 lower-case letters, digits and inner hyphens.")
    if await get_by_slug(session, slug) is not None:
        raise Conflict(f"An organization with slug '{slug}' already exists.")
    org = Organization(
        name=name, slug=slug, timezone=timezone, currency=currency, settings=dict(DEFAULT_SETTINGS)
    )
    session.add(org)
    await session.flush()
    return org


def settings_of(org: Organization) -> dict[str, Any]:
    return {**DEFAULT_SETTINGS, **(org.settings or {})}


def get_organization(principal: Principal) -> Organization:
    return principal.organization


async def update_organization(
    session: AsyncSession, principal: Principal, data: OrganizationUpdate
) -> Organization:
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
