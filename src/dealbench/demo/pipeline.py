"""Demo content of the pipeline domain: a few contacts (on the demo deals, when there are any)
and this quarter's sales targets of the demo sales reps."""

from __future__ import annotations

from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from dealbench.contacts.repository import ContactRepository
from dealbench.deals.repository import DealRepository
from dealbench.kit.repository import TenantOf
from dealbench.models import Contact, Organization, Role, SalesTarget, User
from dealbench.sales_targets.repository import SalesTargetRepository

CONTACTS = [
    ("grace.hopper@navy.example", "Grace Hopper", "CTO", "+1 555 0100"),
    ("alan.turing@bletchley.example", "Alan Turing", "Principal Engineer", None),
    ("katherine.johnson@nasa.example", "Katherine Johnson", "VP Engineering", "+1 555 0101"),
    ("linus.t@kernel.example", "Linus Torvalds", "Maintainer", None),
]


async def seed_pipeline(session: AsyncSession, org: Organization, users: list[User]) -> None:
    tenant = TenantOf(org.id)
    deals = await DealRepository(session, tenant).oldest(4)
    contacts, targets = ContactRepository(session, tenant), SalesTargetRepository(session, tenant)
    for i, (email, name, title, phone) in enumerate(CONTACTS):
        deal = deals[i % len(deals)] if deals else None
        contacts.add(
            Contact(
                deal_id=deal.id if deal is not None else None,
                email=email,
                full_name=name,
                first_name=name.split()[0],
                last_name=name.split()[-1],
                title=title,
                company_name=(deal.account_name if deal is not None else None)
                or email.split("@")[1].split(".")[0].title(),
                phone=phone,
            )
        )
    today = date.today()
    for user in users:
        if user.role is Role.VIEWER:
            continue
        for k in range(3):
            month = date(today.year + (today.month - 1 + k) // 12, (today.month - 1 + k) % 12 + 1, 1)
            targets.add(SalesTarget(user_id=user.id, month=month, amount=50_000 + 10_000 * k))
    await session.flush()
