"""The statements of the webhooks domain. Subscriptions and their delivery logs are read within the
caller's organization; the delivery worker's statements (the functions at the end) serve every
organization by nature: one worker delivers the events of all of them."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, exists, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from dealbench.kit.pagination import ListParams, paginate
from dealbench.kit.repository import Repository, is_id
from dealbench.models import App, Event, Role, User, WebhookAttempt, WebhookDelivery, WebhookEndpoint
from dealbench.webhooks.presenter import WEBHOOK


class EndpointRepository(Repository[WebhookEndpoint]):
    model = WebhookEndpoint
    what = "Webhook"

    async def page(self, params: ListParams) -> tuple[list[Any], int]:
        stmt = self.select(*WEBHOOK.columns).order_by(WebhookEndpoint.id)
        return await paginate(self.session, stmt, params)


class DeliveryRepository(Repository[WebhookDelivery]):
    model = WebhookDelivery
    what = "Delivery"

    async def page_of(self, endpoint_id: int, params: ListParams) -> tuple[list[Any], int]:
        """A page of an endpoint's deliveries, newest first."""
        stmt = (
            self.select()
            .where(WebhookDelivery.endpoint_id == endpoint_id)
            .order_by(WebhookDelivery.id.desc())
        )
        return await paginate(self.session, stmt, params)

    async def of_endpoint(self, endpoint_id: int, delivery_id: Any) -> WebhookDelivery | None:
        if not is_id(delivery_id):
            return None
        stmt = self.select().where(
            WebhookDelivery.endpoint_id == endpoint_id, WebhookDelivery.id == delivery_id
        )
        return (await self.session.execute(stmt.with_for_update())).scalar_one_or_none()

    async def attempts_of(self, delivery_ids: Sequence[int]) -> dict[int, list[WebhookAttempt]]:
        """The attempts of the organization's deliveries ``delivery_ids``, oldest first (one statement)."""
        out: dict[int, list[WebhookAttempt]] = {i: [] for i in delivery_ids}
        if not delivery_ids:
            return out
        stmt = (
            select(WebhookAttempt)
            .join(WebhookDelivery, WebhookDelivery.id == WebhookAttempt.delivery_id)
            .where(self.owned(), WebhookAttempt.delivery_id.in_(list(delivery_ids)))
            .order_by(WebhookAttempt.id)
        )
        for attempt in (await self.session.execute(stmt)).scalars():
            out[attempt.delivery_id].append(attempt)
        return out


# --------------------------------------------------------------------------- the delivery worker


async def has_work(session: AsyncSession, now: datetime) -> bool:
    """Whether an event waits for dispatch or a delivery is due (a read: no write lock when idle)."""
    stmt = select(
        exists().where(Event.dispatched.is_(False)),
        exists().where(WebhookDelivery.status == "pending", WebhookDelivery.next_attempt_at <= now),
    )
    row = (await session.execute(stmt)).one()
    return bool(row[0] or row[1])


async def undispatched_events(session: AsyncSession, limit: int) -> list[Event]:
    """The oldest events not yet dispatched, locked; rows another worker holds are skipped."""
    stmt = (
        select(Event)
        .where(Event.dispatched.is_(False))
        .order_by(Event.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return list((await session.execute(stmt)).scalars())


async def enabled_endpoints(session: AsyncSession, organization_ids: Iterable[int]) -> dict[int, list[Any]]:
    """The enabled subscriptions of each organization (id and filters)."""
    out: dict[int, list[Any]] = {}
    stmt = select(WebhookEndpoint.id, WebhookEndpoint.organization_id, WebhookEndpoint.events).where(
        WebhookEndpoint.organization_id.in_(list(organization_ids)), WebhookEndpoint.enabled.is_(True)
    )
    for row in (await session.execute(stmt)).all():
        out.setdefault(row.organization_id, []).append(row)
    return out


async def add_deliveries(session: AsyncSession, rows: list[dict[str, Any]]) -> None:
    if rows:
        await session.execute(insert(WebhookDelivery), rows)


async def mark_dispatched(session: AsyncSession, event_ids: list[int]) -> None:
    if event_ids:
        await session.execute(update(Event).where(Event.id.in_(event_ids)).values(dispatched=True))


async def due_deliveries(session: AsyncSession, now: datetime, limit: int) -> list[WebhookDelivery]:
    """The deliveries due now, locked; rows another worker holds are skipped."""
    stmt = (
        select(WebhookDelivery)
        .where(WebhookDelivery.status == "pending", WebhookDelivery.next_attempt_at <= now)
        .order_by(WebhookDelivery.next_attempt_at, WebhookDelivery.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return list((await session.execute(stmt)).scalars())


async def by_ids(session: AsyncSession, model: Any, ids: Iterable[int | None]) -> dict[int, Any]:
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    rows = await session.execute(select(model).where(model.id.in_(wanted)))
    return {r.id: r for r in rows.scalars()}


async def lock_deliveries(session: AsyncSession, ids: list[int]) -> list[WebhookDelivery]:
    """The deliveries ``ids``, locked in id order, read again."""
    stmt = (
        select(WebhookDelivery)
        .where(WebhookDelivery.id.in_(ids))
        .order_by(WebhookDelivery.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return list((await session.execute(stmt)).scalars())


async def lock_endpoints(session: AsyncSession, ids: list[int]) -> list[WebhookEndpoint]:
    """The subscriptions ``ids``, locked in id order, read again."""
    if not ids:
        return []
    stmt = (
        select(WebhookEndpoint)
        .where(WebhookEndpoint.id.in_(ids))
        .order_by(WebhookEndpoint.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return list((await session.execute(stmt)).scalars())


async def clear_failing(session: AsyncSession, ids: set[int]) -> None:
    """A success clears ``failing_since`` (rows where it is already clear are neither written nor locked)."""
    if ids:
        await session.execute(
            update(WebhookEndpoint)
            .where(WebhookEndpoint.id.in_(ids), WebhookEndpoint.failing_since.is_not(None))
            .values(failing_since=None)
        )


async def app_of(session: AsyncSession, app_id: int) -> App | None:
    return await session.get(App, app_id)


def add_attempt(session: AsyncSession, attempt: WebhookAttempt) -> None:
    session.add(attempt)


async def give_up_pending(session: AsyncSession, endpoint_id: int) -> None:
    """The pending deliveries of a disabled endpoint fail (nothing more is sent there)."""
    await session.execute(
        update(WebhookDelivery)
        .where(WebhookDelivery.endpoint_id == endpoint_id, WebhookDelivery.status == "pending")
        .values(status="failed", next_attempt_at=None)
    )


async def admin_emails(session: AsyncSession, organization_id: int) -> list[str]:
    stmt = select(User.email).where(
        User.organization_id == organization_id, User.role == Role.ADMIN, User.deleted_at.is_(None)
    )
    return list((await session.execute(stmt)).scalars())


async def purge_events(session: AsyncSession, moment: datetime) -> int:
    """Delete the dispatched events older than ``moment`` (the retention time is the server's)."""
    result = await session.execute(
        delete(Event).where(Event.occurred_at < moment, Event.dispatched.is_(True))
    )
    return int(getattr(result, "rowcount", 0) or 0)
