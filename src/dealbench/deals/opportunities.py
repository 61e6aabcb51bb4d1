"""The pipeline dialect's reads: "my opportunities" with their activity and relationship indexes.

activity_index (0..100), over the last 30 days:
    min(100, 10 x deal notes + 5 x evaluation-plan changes + 10 x buyer requests (tickets) linked)

relationship_index (0..100), from the deal's contacts:
    min(60, 20 x contacts) + 25 if one of them has an executive title (chief, C-level, VP, president,
    director, head, founder, owner, partner) + 15 if one of them has a phone number
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import Select, case, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from dealbench.auth.principal import Principal
from dealbench.deals import stages as normalize
from dealbench.kit.db import utcnow
from dealbench.models import Contact, Deal, DealNote, EvaluationActivity, TicketDealLink

ACTIVITY_WINDOW = timedelta(days=30)
EXECUTIVE_TITLE_PATTERNS = (
    "%chief%",
    "%ceo%",
    "%cto%",
    "%cfo%",
    "%cio%",
    "%coo%",
    "%ciso%",
    "%vp%",
    "%vice president%",
    "%president%",
    "%director%",
    "%head%",
    "%founder%",
    "%owner%",
    "%partner%",
)


def activity_index(notes: int, plan_changes: int, ticket_links: int) -> int:
    return min(100, 10 * notes + 5 * plan_changes + 10 * ticket_links)


def relationship_index(contacts: int, executive: bool, phone: bool) -> int:
    return min(100, min(60, 20 * contacts) + (25 if executive else 0) + (15 if phone else 0))


def _zone(name: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def close_date_object(value: datetime | None, timezone: str | None) -> dict[str, Any] | None:
    """PHP's DateTime JSON: ``{"date": "2017-02-15 00:00:00.000000", "timezone_type": 3, "timezone": ...}``."""
    if value is None:
        return None
    zone = _zone(timezone)
    return {
        "date": value.astimezone(zone).strftime("%Y-%m-%d %H:%M:%S.%f"),
        "timezone_type": 3,
        "timezone": zone.key,
    }


def _amount(value: float | None) -> float | int | None:
    if value is None:
        return None
    return int(value) if float(value).is_integer() else float(value)


def _visible_deals(principal: Principal) -> Select[Any]:
    stmt = select(Deal.id).where(Deal.organization_id == principal.organization_id, Deal.deleted.is_(False))
    if principal.is_personal:
        assert principal.user is not None
        stmt = stmt.where(Deal.owner_user_id == principal.user.id)
    return stmt


async def my_opportunities(
    session: AsyncSession, principal: Principal, *, limit: int | None = None, offset: int = 0
) -> list[dict[str, Any]]:
    """The deals the token's user owns (personal token) or all of the organization's (organization
    token), not deleted, in id order; five queries whatever the number of deals."""
    ids = _visible_deals(principal).order_by(Deal.id).offset(offset)
    if limit is not None:
        ids = ids.limit(limit)
    id_subquery = ids.scalar_subquery()
    rows = (
        await session.execute(
            select(
                Deal.id,
                Deal.uuid,
                Deal.closed,
                Deal.won,
                Deal.vendor_entity_id,
                Deal.name,
                Deal.company_vendor_entity_id,
                Deal.account_name,
                Deal.amount,
                Deal.close_date,
                Deal.stage,
                Deal.forecast_category,
                Deal.opportunity_type,
                Deal.account_website,
            )
            .where(Deal.id.in_(id_subquery))
            .order_by(Deal.id)
        )
    ).all()
    if not rows:
        return []
    since = utcnow() - ACTIVITY_WINDOW
    notes = dict(
        (
            await session.execute(
                select(DealNote.deal_id, func.count())
                .where(DealNote.deal_id.in_(id_subquery), DealNote.created_at >= since)
                .group_by(DealNote.deal_id)
            )
        ).all()
    )
    plan_changes = dict(
        (
            await session.execute(
                select(Deal.id, func.count())
                .join(EvaluationActivity, EvaluationActivity.evaluation_id == Deal.evaluation_id)
                .where(Deal.id.in_(id_subquery), EvaluationActivity.created_at >= since)
                .group_by(Deal.id)
            )
        ).all()
    )
    links = dict(
        (
            await session.execute(
                select(TicketDealLink.deal_id, func.count())
                .where(TicketDealLink.deal_id.in_(id_subquery), TicketDealLink.created_at >= since)
                .group_by(TicketDealLink.deal_id)
            )
        ).all()
    )
    title = func.lower(func.coalesce(Contact.title, ""))
    executive = or_(*(title.like(p) for p in EXECUTIVE_TITLE_PATTERNS))
    has_phone = or_(func.coalesce(Contact.phone, "") != "", func.coalesce(Contact.mobile_phone, "") != "")
    contacts = {
        deal_id: (count, bool(exe), bool(ph))
        for deal_id, count, exe, ph in (
            await session.execute(
                select(
                    Contact.deal_id,
                    func.count(),
                    func.max(case((executive, 1), else_=0)),
                    func.max(case((has_phone, 1), else_=0)),
                )
                .where(
                    Contact.organization_id == principal.organization_id,
                    Contact.deal_id.in_(id_subquery),
                )
                .group_by(Contact.deal_id)
            )
        ).all()
    }
    timezone = principal.organization.timezone
    out = []
    for r in rows:
        stage_system = normalize.stage_system(r.stage)
        n_contacts, exe, ph = contacts.get(r.id, (0, False, False))
        out.append(
            {
                "id": str(r.uuid),
                "active": "0" if r.closed else "1",
                "external_opp_id": r.vendor_entity_id or "",
                "name": r.name,
                "external_account_id": r.company_vendor_entity_id or "",
                "account": r.account_name or "",
                "amount": _amount(r.amount),
                "close_date": close_date_object(r.close_date, timezone),
                "stage": r.stage or "",
                "forecast": normalize.forecast(r.forecast_category, r.stage, r.closed, r.won),
                "stage_system": stage_system,
                "forecast_system": normalize.forecast_system(r.stage, r.closed, r.won),
                "activity_index": activity_index(
                    notes.get(r.id, 0), plan_changes.get(r.id, 0), links.get(r.id, 0)
                ),
                "relationship_index": relationship_index(n_contacts, exe, ph),
                "type": r.opportunity_type or "",
                "website": r.account_website or "",
            }
        )
    return out
