"""The demo organization of ``dealbench serve --demo``: created once, re-keyed at every start."""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable

from sqlalchemy.ext.asyncio import AsyncSession

from dealbench.kit.repository import TenantOf
from dealbench.models import Organization, Role, User
from dealbench.organizations.service import create_organization, get_by_slug
from dealbench.tokens.service import issue_token, revoke_named
from dealbench.users.directory import add_user, find_by_email, set_password
from dealbench.users.schemas import UserCreate

DEMO_SLUG = "demo"
DEMO_KEY_NAME = "demo key (dealbench serve --demo)"
DEMO_PERSONAL_KEY_NAME = "demo personal key (dealbench serve --demo)"
#: The demo keys are for clicking around in the API docs and the GraphQL playground: 600 requests a
#: minute each. Every other token keeps its own limit or the server's (DEALBENCH_RATE_LIMIT_PER_MINUTE).
DEMO_RATE_LIMIT_PER_MINUTE = 600

DEMO_USERS = [
    ("ada@demo.dealbench.dev", "Ada", "Admin", Role.ADMIN),
    ("sam@demo.dealbench.dev", "Sam", "Seller", Role.MEMBER),
    ("erin@demo.dealbench.dev", "Erin", "Engineer", Role.MEMBER),
    ("vic@demo.dealbench.dev", "Vic", "Viewer", Role.VIEWER),
]

#: The seeders of demo content, in order: ``(session, org, users) -> None``.
DemoSeeder = Callable[[AsyncSession, Organization, list[User]], Awaitable[None]]


def _seeders() -> list[DemoSeeder]:
    from dealbench.demo.documents import seed_documents
    from dealbench.demo.pipeline import seed_pipeline
    from dealbench.demo.sales import seed_sales

    return [seed_sales, seed_documents, seed_pipeline]


async def ensure_demo(
    session: AsyncSession, secret_key: str
) -> tuple[Organization, str, bool, tuple[str, str]]:
    """Create the demo organization when missing; mint a fresh ``*`` key (older demo keys are
    revoked) and a fresh password for the demo admin: ``(org, key, created, (email, password))``."""
    org = await get_by_slug(session, DEMO_SLUG)
    created = org is None
    if org is None:
        org = await create_organization(session, name="Demo", slug=DEMO_SLUG, timezone="America/New_York")
        users = [
            await add_user(
                session,
                TenantOf(org.id),
                UserCreate(email=email, first_name=first, last_name=last, role=role),
            )
            for email, first, last, role in DEMO_USERS
        ]
        for seeder in _seeders():
            await seeder(session, org, users)
    await revoke_named(session, TenantOf(org.id), DEMO_KEY_NAME)
    _, plaintext = await issue_token(
        session,
        organization=org,
        name=DEMO_KEY_NAME,
        secret_key=secret_key,
        rate_limit_per_minute=DEMO_RATE_LIMIT_PER_MINUTE,
    )
    # One fresh password for every demo person (the admin, a seller, a viewer ...), at every start.
    password = secrets.token_urlsafe(12)
    for email, *_ in DEMO_USERS:
        user = await find_by_email(session, TenantOf(org.id), email)
        if user is not None:
            await set_password(session, user, password)
    return org, plaintext, created, (DEMO_USERS[0][0], password)


async def ensure_demo_personal_key(
    session: AsyncSession, organization: Organization, secret_key: str
) -> tuple[User, str] | None:
    """Mint a fresh personal ``*`` key of the demo's administrator (older ones are revoked), so that
    what only a person has (GraphQL's ``me``) can be tried: ``(user, plaintext)``, or ``None`` when
    that user is gone."""
    tenant = TenantOf(organization.id)
    user = await find_by_email(session, tenant, DEMO_USERS[0][0])
    if user is None:
        return None
    await revoke_named(session, tenant, DEMO_PERSONAL_KEY_NAME)
    _, plaintext = await issue_token(
        session,
        organization=organization,
        name=DEMO_PERSONAL_KEY_NAME,
        secret_key=secret_key,
        user=user,
        rate_limit_per_minute=DEMO_RATE_LIMIT_PER_MINUTE,
    )
    return user, plaintext
