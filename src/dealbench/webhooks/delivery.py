"""Delivering events: the worker that turns recorded events into signed requests.

One pass (:func:`run_once`):

1. **Dispatch**: the oldest events not yet dispatched (locked ``FOR UPDATE SKIP LOCKED`` on
   PostgreSQL, so several workers take different events; SQLite writers run one at a time) become
   one delivery per matching enabled subscription, in the same transaction that marks them dispatched.
2. **Claim**: the deliveries due now are locked the same way and leased (their next attempt moves
   past the time an attempt can take), then the transaction ends: no lock is held while sending. A
   process that dies mid-delivery leaves its lease to run out, and the attempt is made again.
3. **Send** each (at most ``concurrency`` at once), then **record** the attempt: success ends the
   delivery; a failure schedules the next attempt after the next of ``DEALBENCH_WEBHOOK_RETRY_DELAYS``
   or gives up when they are spent. A subscription whose deliveries have all failed for
   ``DEALBENCH_WEBHOOK_DISABLE_AFTER_HOURS`` is disabled and the organization's admins are emailed.

Every attempt of one event to one subscription carries the same ``webhook-id``. Ordering is not
promised. Deliveries run in the server process (``DEALBENCH_WEBHOOK_DELIVERY=embedded``, a task of
the app's lifespan) and in ``dealbench worker`` processes.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from urllib.parse import urlencode

import httpx
import orjson
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from dealbench.kit import outbound
from dealbench.kit.crypto import unseal
from dealbench.kit.db import utcnow
from dealbench.kit.mail import MailError, build_message, send_mail
from dealbench.kit.metrics import webhook_delivered, webhook_failed
from dealbench.kit.presenter import iso
from dealbench.kit.uow import transaction
from dealbench.models import App, Event, WebhookAttempt, WebhookDelivery, WebhookEndpoint
from dealbench.settings import Settings
from dealbench.webhooks import patterns
from dealbench.webhooks import repository as repo
from dealbench.webhooks.subscriptions import APP_PAYLOAD_PURPOSE, APP_SECRET_PURPOSE, SECRET_PURPOSE

log = logging.getLogger("dealbench.webhooks")


@dataclass(frozen=True, slots=True)
class Job:
    """One claimed delivery, ready to send."""

    delivery_id: int
    url: str
    content: bytes
    headers: dict[str, str]


@dataclass
class Worker:
    """The delivery machinery of one process."""

    sessionmaker: async_sessionmaker[AsyncSession]
    settings: Settings
    secret_key: str
    batch: int = 200
    concurrency: int = 32
    client: httpx.AsyncClient | None = None
    _last_purge: float = field(default=0.0)

    @property
    def lease(self) -> timedelta:
        return timedelta(seconds=self.settings.webhook_timeout * 2 + 30)

    async def __aenter__(self) -> Worker:
        self.client = outbound.new_client(self.settings.webhook_timeout)
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self.client is not None:
            await self.client.aclose()
            self.client = None

    # ------------------------------------------------------------------ one pass

    async def run_once(self) -> int:
        """Dispatch, claim, send and record once; how many events and deliveries it handled."""
        async with transaction(self.sessionmaker, write=False) as session:
            if not await repo.has_work(session, utcnow()):
                return 0
        done = await self.dispatch()
        jobs = await self.claim()
        if jobs:
            limit = asyncio.Semaphore(self.concurrency)

            async def one(job: Job) -> outbound.Answer:
                async with limit:
                    return await self.send(job)

            answers = await asyncio.gather(*(one(job) for job in jobs))
            await self.record(list(zip(jobs, answers, strict=True)))
        return done + len(jobs)

    async def drain(self, *, passes: int = 100) -> int:
        """Run passes until nothing is due (for tests and the benchmark)."""
        total = 0
        for _ in range(passes):
            n = await self.run_once()
            if n == 0:
                break
            total += n
        return total

    async def run_forever(self, stop: asyncio.Event) -> None:
        """Poll until ``stop`` is set; an error of one pass is logged and the next pass runs."""
        while not stop.is_set():
            try:
                handled = await self.run_once()
                await self.maybe_purge()
            except Exception:  # the worker outlives a failed pass (a database restart, a bug)
                log.exception("webhook delivery pass failed")
                handled = 0
            if not handled:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), self.settings.webhook_poll_interval)

    async def maybe_purge(self) -> None:
        """Drop the events past their retention time, at most once an hour."""
        if time.monotonic() - self._last_purge < 3600:
            return
        self._last_purge = time.monotonic()
        moment = utcnow() - timedelta(days=self.settings.events_retention_days)
        async with transaction(self.sessionmaker) as session:
            await repo.purge_events(session, moment)

    # ------------------------------------------------------------------ the steps

    async def dispatch(self) -> int:
        async with transaction(self.sessionmaker) as session:
            events = await repo.undispatched_events(session, self.batch)
            if not events:
                return 0
            endpoints = await repo.enabled_endpoints(session, {e.organization_id for e in events})
            now = utcnow()
            rows = [
                {
                    "organization_id": e.organization_id,
                    "endpoint_id": ep.id,
                    "event_id": e.id,
                    "message_id": e.public_id,
                    "event_type": e.type,
                    "status": "pending",
                    "attempts": 0,
                    "next_attempt_at": now,
                    "created_at": now,
                }
                for e in events
                for ep in endpoints.get(e.organization_id, ())
                if patterns.matches_any(ep.events, e.type)
            ]
            await repo.add_deliveries(session, rows)
            await repo.mark_dispatched(session, [e.id for e in events])
            return len(events)

    async def claim(self) -> list[Job]:
        async with transaction(self.sessionmaker) as session:
            now = utcnow()
            due = await repo.due_deliveries(session, now, self.batch)
            if not due:
                return []
            events = await repo.by_ids(session, Event, (d.event_id for d in due))
            endpoints = await repo.by_ids(session, WebhookEndpoint, (d.endpoint_id for d in due))
            apps = await repo.by_ids(session, App, (d.app_id for d in due))
            jobs = []
            for delivery in due:
                job = self._job(delivery, events, endpoints, apps, now)
                if job is None:
                    delivery.status, delivery.next_attempt_at = "failed", None
                    delivery.payload_sealed = None
                else:
                    delivery.next_attempt_at = now + self.lease
                    jobs.append(job)
            await session.flush()
            return jobs

    def _job(
        self,
        delivery: WebhookDelivery,
        events: dict[int, Event],
        endpoints: dict[int, WebhookEndpoint],
        apps: dict[int, App],
        now: datetime,
    ) -> Job | None:
        """The request of a delivery, signed now; ``None`` when there is nothing left to send to."""
        if delivery.endpoint_id is not None:
            endpoint = endpoints.get(delivery.endpoint_id)
            event = events.get(delivery.event_id or 0)
            if endpoint is None or not endpoint.enabled or event is None:
                return None
            body = orjson.dumps(
                {
                    "type": event.type,
                    "timestamp": iso(event.occurred_at),
                    "data": event.data,
                    "actor": event.actor,
                }
            )
            headers = outbound.standard_headers(
                self._secrets(endpoint, now), delivery.message_id, now, body.decode()
            )
            return Job(delivery.id, endpoint.url, body, {**headers, "content-type": "application/json"})
        app = apps.get(delivery.app_id or 0)
        if app is None or delivery.payload_sealed is None:
            return None
        fields = json.loads(unseal(self.secret_key, APP_PAYLOAD_PURPOSE, delivery.payload_sealed))
        body = urlencode(fields).encode()
        client_secret = unseal(self.secret_key, APP_SECRET_PURPOSE, app.client_secret_sealed).decode()
        headers = outbound.standard_headers([client_secret], delivery.message_id, now, body.decode())
        return Job(
            delivery.id,
            app.webhook_url,
            body,
            {**headers, "content-type": "application/x-www-form-urlencoded"},
        )

    def _secrets(self, endpoint: WebhookEndpoint, now: datetime) -> list[str]:
        out = [unseal(self.secret_key, SECRET_PURPOSE, endpoint.secret_sealed).decode()]
        expires = endpoint.previous_secret_expires_at
        if endpoint.previous_secret_sealed is not None and expires is not None and expires > now:
            out.append(unseal(self.secret_key, SECRET_PURPOSE, endpoint.previous_secret_sealed).decode())
        return out

    async def send(self, job: Job) -> outbound.Answer:
        assert self.client is not None, "use the worker in `async with`"
        return await outbound.send(
            self.client,
            job.url,
            content=job.content,
            headers=job.headers,
            allow_private=self.settings.webhook_allow_private,
            response_limit=self.settings.webhook_response_limit,
            deadline=self.settings.webhook_timeout * 2,
        )

    async def record(self, results: list[tuple[Job, outbound.Answer]]) -> None:
        """Record a pass's attempts in one transaction: the deliveries locked in id order, then the
        subscriptions that failed (a success only clears ``failing_since`` where it is set)."""
        disabled: list[tuple[int, str]] = []
        async with transaction(self.sessionmaker) as session:
            now = utcnow()
            answers = {job.delivery_id: answer for job, answer in results}
            deliveries = await repo.lock_deliveries(session, sorted(answers))
            succeeded: set[int] = set()
            failed: set[int] = set()
            delays = self.settings.webhook_retry_delays
            for delivery in deliveries:
                if delivery.status != "pending":
                    continue
                answer = answers[delivery.id]
                repo.add_attempt(
                    session,
                    WebhookAttempt(
                        delivery_id=delivery.id,
                        attempted_at=now,
                        status_code=answer.status,
                        duration_ms=answer.duration_ms,
                        response=answer.body,
                        error=answer.error,
                        succeeded=answer.ok,
                    ),
                )
                delivery.attempts += 1
                (webhook_delivered if answer.ok else webhook_failed)()
                if answer.ok:
                    delivery.status, delivery.next_attempt_at = "succeeded", None
                    delivery.payload_sealed = None  # an app's token is kept only until delivered
                    if delivery.endpoint_id is not None:
                        succeeded.add(delivery.endpoint_id)
                    continue
                if delivery.attempts <= len(delays):
                    delivery.next_attempt_at = now + timedelta(seconds=delays[delivery.attempts - 1])
                else:
                    delivery.status, delivery.next_attempt_at = "failed", None
                    delivery.payload_sealed = None
                if delivery.endpoint_id is not None:
                    failed.add(delivery.endpoint_id)
            await session.flush()
            await repo.clear_failing(session, succeeded)
            limit = timedelta(hours=self.settings.webhook_disable_after_hours)
            for endpoint in await repo.lock_endpoints(session, sorted(failed - succeeded)):
                if not endpoint.enabled:
                    continue
                endpoint.failing_since = endpoint.failing_since or now
                if now - endpoint.failing_since >= limit:
                    endpoint.enabled = False
                    endpoint.disabled_reason = "Every delivery failed for too long."
                    endpoint.updated_at = now
                    await session.flush()
                    await repo.give_up_pending(session, endpoint.id)
                    disabled.append((endpoint.organization_id, endpoint.url))
            await session.flush()
        for organization_id, url in disabled:
            await self.tell_admins(organization_id, url)

    async def tell_admins(self, organization_id: int, url: str) -> None:
        """Email the organization's admins that a subscription was disabled (when mail is set up)."""
        if not self.settings.smtp_url:
            return
        async with transaction(self.sessionmaker, write=False) as session:
            to = await repo.admin_emails(session, organization_id)
        if not to:
            return
        msg = build_message(
            sender=self.settings.mail_from,
            to=to,
            subject="Dealbench disabled a webhook subscription",
            body=(
                f"Every delivery to {url} has failed for "
                f"{self.settings.webhook_disable_after_hours:g} hours, so Dealbench stopped sending "
                "to it. Fix the destination, then enable the subscription again "
                "(PATCH /v1/webhooks/{id} with enabled: true).\n"
            ),
        )
        try:
            await send_mail(self.settings.smtp_url, msg)
        except MailError as exc:
            log.warning("could not email the admins of organization %s: %s", organization_id, exc)
