"""The statements of the organizations table.

An organization is the tenant itself, so these do not start from a caller's organization: a request
reads its own organization through its principal (the token lookup answers it), and an organization
is found by its slug only by the server's operator (the command line, the demo) — that lookup runs
across organizations by nature.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from dealbench.models import Organization


async def by_slug(session: AsyncSession, slug: str) -> Organization | None:
    return (await session.execute(select(Organization).where(Organization.slug == slug))).scalar_one_or_none()


async def add(session: AsyncSession, organization: Organization) -> Organization:
    session.add(organization)
    await session.flush()
    return organization
