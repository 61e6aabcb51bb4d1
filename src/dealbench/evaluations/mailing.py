"""Mail to buyers: queued in the transaction that decides it (a row of ``buyer_mail``), sent by the
mail pass after commit (:func:`send_due`, run beside webhook delivery). A request never waits for
SMTP, so asking for a sign-in link takes the same time whether or not a mail is sent.

- A sign-in link goes at the next pass, alone.
- Notifications (a task assigned to the buyer, an answer to the buyer's comment) wait
  ``DEALBENCH_BUYER_NOTIFICATION_DELAY_SECONDS``; then every pending notification of that buyer
  about that plan goes in one mail.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from dealbench.evaluations.repository import BuyerAccessRepository, PortalLookups
from dealbench.kit.db import utcnow
from dealbench.kit.mail import MailError, build_message, send_mail
from dealbench.kit.repository import Tenant
from dealbench.kit.uow import transaction
from dealbench.models import BuyerMail

log = logging.getLogger("dealbench.portal")

SIGN_IN = "sign_in"
NOTIFICATION = "notification"


def queue_sign_in(
    session: AsyncSession, tenant: Tenant, evaluation_id: int, email: str, subject: str, body: str
) -> None:
    BuyerAccessRepository(session, tenant).add_mail(
        BuyerMail(evaluation_id=evaluation_id, to_email=email, kind=SIGN_IN, subject=subject, body=body)
    )


def queue_notification(
    session: AsyncSession, tenant: Tenant, evaluation_id: int, email: str, text: str, delay_seconds: float
) -> None:
    """One line of the next notification mail of ``email`` about the plan."""
    BuyerAccessRepository(session, tenant).add_mail(
        BuyerMail(
            evaluation_id=evaluation_id,
            to_email=email,
            kind=NOTIFICATION,
            subject="News on your evaluation plan",
            body=text,
            send_after=utcnow() + timedelta(seconds=delay_seconds),
        )
    )


def _message(settings: Any, rows: Sequence[BuyerMail]) -> Any:
    first = rows[0]
    if first.kind == SIGN_IN:
        return build_message(
            sender=settings.mail_from, to=[first.to_email], subject=first.subject, body=first.body
        )
    lines = "\n".join(f"- {r.body}" for r in rows)
    body = f"Here is what changed on your evaluation plan:\n\n{lines}\n"
    return build_message(sender=settings.mail_from, to=[first.to_email], subject=first.subject, body=body)


async def send_due(
    sessionmaker: async_sessionmaker[AsyncSession], settings: Any, *, now: datetime | None = None
) -> int:
    """One pass: send the mail that is due (notifications batched per buyer and plan), then mark it
    sent; how many rows it sent. SMTP is spoken outside any transaction (a slow server holds no
    lock); a mail that fails stays queued for the next pass. Without ``DEALBENCH_SMTP_URL`` the mail
    stays queued (the seller copies a sign-in link from the app instead). Expired buyer sessions
    and links are purged on the way. ``now`` stands in for the clock (tests)."""
    now = now or utcnow()
    async with transaction(sessionmaker) as session:
        await PortalLookups(session).purge_expired(now)
    if not settings.smtp_url:
        return 0
    batches: list[tuple[list[int], Any]] = []
    async with transaction(sessionmaker, write=False) as session:
        lookups = PortalLookups(session)
        seen: set[tuple[int, int, str]] = set()
        for row in await lookups.due_mail(now):
            if row.kind == SIGN_IN:
                batches.append(([row.id], _message(settings, [row])))
                continue
            key = (row.organization_id, row.evaluation_id, row.to_email)
            if key not in seen:
                seen.add(key)
                rows = await lookups.pending_notifications(*key)
                batches.append(([r.id for r in rows], _message(settings, rows)))
    sent: list[int] = []
    for ids, message in batches:
        try:
            await send_mail(settings.smtp_url, message)
        except MailError as exc:
            log.warning("could not mail a buyer: %s", exc)
            continue
        sent += ids
    if sent:
        async with transaction(sessionmaker) as session:
            await PortalLookups(session).mark_sent(sent, now)
    return len(sent)


async def run_forever(
    sessionmaker: async_sessionmaker[AsyncSession], settings: Any, stop: asyncio.Event
) -> None:
    """Run passes until ``stop`` is set (beside webhook delivery: in the server process by default,
    or in ``dealbench worker``); a failed pass is logged and the next one runs."""
    while not stop.is_set():
        try:
            await send_due(sessionmaker, settings)
        except Exception:  # the loop outlives a failed pass (a database restart, a bug)
            log.exception("buyer mail pass failed")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), settings.webhook_poll_interval)
