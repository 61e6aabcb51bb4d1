"""Demo content of the pipeline domain: a few contacts (on the demo deals, when there are any)
and this quarter's sales targets of the demo sales reps."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from dealbench.models import Contact, Deal, Organization, Role, SalesTarget, User

CONTACTS = [
    ("grace.hopper@navy.example", "Grace Hopper", "CTO", "+1 555 0100"),
    ("alan.turing@bletchley.example", "Alan Turing", "Principal Engineer", None),
    ("katherine.johnson@nasa.example", "Katherine Johnson", "VP Engineering", "+1 555 0101"),
    ("linus.t@kernel.example", "Linus Torvalds", "Maintainer", None),
]


async def seed_pipeline(session: AsyncSession, org: Organization, users: list[User]) -> None:
    deals = list(
        (
            await session.execute(
                select(Deal.id, Deal.account_name)
                .where(Deal.organization_id == org.id)
                .order_by(Deal.id)
                .limit(4)
            )
        ).all()
    )
    for i, (email, name, title, phone) in enumerate(CONTACTS):
        deal = deals[i % len(deals)] if deals else None
        session.add(
            Contact(
                organization_id=org.id,
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
            session.add(
                SalesTarget(organization_id=org.id, user_id=user.id, month=month, amount=50_000 + 10_000 * k)
            )
    await session.flush()
