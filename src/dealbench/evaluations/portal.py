"""The buyer's side of a plan (the portal at ``/p/{accessCode}``): opening a plan by its code,
signing in with a one-time link, the buyer's session, what the buyer sees and does.

- A plan opens only when it is active and not a DRAFT; any other code is a 404 like an unknown one.
- ``RESTRICTED``: the buyer asks for a sign-in link with their email; an invited buyer or a contact
  of the plan's deal gets one by mail (queued, :mod:`dealbench.evaluations.mailing`), anyone else the
  same answer and no mail, so the portal tells nobody who is invited.
- A buyer's session opens one plan; rotating the plan's access code ends it.
- Acting (checking a buyer-side task, commenting) always needs a signed-in buyer, so every action
  has a name on it; each is recorded in the plan's activity and as a domain event whose actor is
  the buyer (``{"type": "buyer", "email"}``).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from dealbench.evaluations import presenter
from dealbench.evaluations.buyers import issue_link, link_digest
from dealbench.evaluations.content import CRITERIA, MEETINGS, PHASES, TASKS
from dealbench.evaluations.mailing import queue_sign_in
from dealbench.evaluations.repository import (
    ActivityRepository,
    BuyerRepository,
    CommentRepository,
    EvaluationRepository,
    PortalLookups,
)
from dealbench.events import outbox
from dealbench.kit.crypto import keyed_hash
from dealbench.kit.db import utcnow
from dealbench.kit.errors import Forbidden, NotFound, ValidationFailed
from dealbench.kit.locks import Lock
from dealbench.models import BuyerSession, Evaluation, EvaluationActivity, EvaluationComment, Organization
from dealbench.models.sales import EvaluationMode

COMMENT_MAX = 10_000


@dataclass(frozen=True, slots=True)
class OpenPlan:
    """A plan a portal request opened by its code: the plan and the seller's organization."""

    evaluation: Evaluation
    organization: Organization

    @property
    def organization_id(self) -> int:
        return self.organization.id


@dataclass(frozen=True, slots=True)
class Buyer:
    """A signed-in buyer: one plan, one email (a tenant of the plan's organization)."""

    organization_id: int
    evaluation_id: int
    email: str
    name: str | None
    csrf_token: str
    session_id: int


def _session_digest(secret_key: str, value: str) -> str:
    return keyed_hash(secret_key, f"buyer-session:{value}")


async def open_plan(session: AsyncSession, code: str) -> OpenPlan:
    """The plan of an access code: 404 for an unknown code, a DRAFT or an inactive plan."""
    found = await PortalLookups(session).plan_by_code(code) if 20 <= len(code) <= 64 else None
    if found is None or not found[0].active or found[0].mode == EvaluationMode.DRAFT.value:
        raise NotFound("No plan here.")
    return OpenPlan(*found)


def _log(session: AsyncSession, plan: OpenPlan, action: str, changes: dict[str, Any]) -> None:
    ActivityRepository(session, plan).add(
        EvaluationActivity(
            evaluation_id=plan.evaluation.id,
            action=action,
            changes=changes,
        )
    )


async def _may_sign_in(session: AsyncSession, plan: OpenPlan, email: str) -> str | None:
    """The buyer's name when ``email`` may sign in: an invited buyer or a contact of the deal."""
    repo = BuyerRepository(session, plan)
    buyer = await repo.by_email(plan.evaluation.id, email)
    if buyer is not None:
        return buyer.name or ""
    contact = await repo.contact_of_deal(plan.evaluation.id, email)
    if contact is not None:
        return " ".join(p for p in (contact.first_name, contact.last_name) if p) or ""
    return None


async def request_sign_in(
    session: AsyncSession, plan: OpenPlan, secret_key: str, email: str, base_url: str
) -> None:
    """Queue a sign-in link for ``email`` when it may sign in; nothing otherwise (same answer)."""
    if await _may_sign_in(session, plan, email) is None:
        return
    issued = issue_link(session, plan, secret_key, plan.evaluation, email)
    body = (
        f"{plan.organization.name} shared the evaluation plan “{plan.evaluation.title}” with you.\n\n"
        f"Open it with this link (good for 15 minutes, once):\n{base_url}{issued.path}\n\n"
        "If you did not ask for it, ignore this mail.\n"
    )
    queue_sign_in(session, plan, plan.evaluation.id, email, f"Your link to {plan.evaluation.title}", body)
    await session.flush()


async def redeem_link(
    session: AsyncSession, plan: OpenPlan, secret_key: str, code: str, max_age_seconds: int
) -> str:
    """Use a one-time link: a new buyer session of this plan (the cookie's value), or 404."""
    link = await PortalLookups(session).link_by_hash(link_digest(secret_key, code), lock=Lock.UPDATE)
    now = utcnow()
    if (
        link is None
        or link.evaluation_id != plan.evaluation.id
        or link.used_at is not None
        or link.expires_at <= now
    ):
        raise NotFound("This sign-in link is not valid any more: ask for a new one.")
    if await _may_sign_in(session, plan, link.email) is None:
        raise NotFound("This sign-in link is not valid any more: ask for a new one.")
    link.used_at = now
    value = secrets.token_urlsafe(32)
    PortalLookups(session).add_session(
        BuyerSession(
            id_hash=_session_digest(secret_key, value),
            organization_id=plan.organization_id,
            evaluation_id=plan.evaluation.id,
            email=link.email,
            csrf_token=secrets.token_urlsafe(32),
            created_at=now,
            expires_at=now + timedelta(seconds=max_age_seconds),
        )
    )
    await session.flush()
    return value


async def current_buyer(
    session: AsyncSession, plan: OpenPlan, secret_key: str, value: str | None
) -> Buyer | None:
    """The signed-in buyer of this plan, or None (no cookie, another plan's, expired, ended)."""
    if not value or len(value) > 200:
        return None
    row = await PortalLookups(session).session_by_hash(_session_digest(secret_key, value))
    if row is None or row.evaluation_id != plan.evaluation.id or row.expires_at <= utcnow():
        return None
    name = await _may_sign_in(session, plan, row.email)
    if name is None:
        return None  # no longer invited, nor a contact of the deal
    return Buyer(plan.organization_id, plan.evaluation.id, row.email, name or None, row.csrf_token, row.id)


async def sign_out(session: AsyncSession, buyer: Buyer) -> None:
    await PortalLookups(session).end_session(buyer.session_id)


async def record_view(session: AsyncSession, plan: OpenPlan, buyer: Buyer | None) -> None:
    """A visit: ``buyer.viewed`` in the plan's activity (with the buyer's email when signed in)."""
    email = buyer.email if buyer is not None else None
    _log(session, plan, "buyer.viewed", {"email": email})
    await session.flush()
    await outbox.record(
        session,
        None,
        "evaluation.buyer.viewed",
        {"evaluationId": plan.evaluation.id, "email": email},
        tenant=plan,
        actor=outbox.buyer_actor(email) if email else {"type": "buyer", "email": None},
    )


@dataclass(frozen=True, slots=True)
class PortalView:
    """What the buyer sees of a plan: its content (presented), the comments, the buyers' names."""

    phases: list[dict[str, Any]]
    criteria: list[dict[str, Any]]
    tasks: list[dict[str, Any]]
    meetings: list[dict[str, Any]]
    comments: list[EvaluationComment]
    buyer_names: dict[int, str]
    deal_id: int | None


async def view(session: AsyncSession, plan: OpenPlan) -> PortalView:
    """The plan's content in plan order, a fixed number of statements whatever its size."""
    plan_id = plan.evaluation.id
    parts = {
        kind.name: presenter.items(kind.shape, await kind.repository(session, plan).of_plan(plan_id))
        for kind in (PHASES, CRITERIA, TASKS, MEETINGS)
    }
    buyers = await BuyerRepository(session, plan).of_plan(plan_id)
    return PortalView(
        phases=parts["phase"],
        criteria=parts["criterion"],
        tasks=parts["task"],
        meetings=parts["meeting"],
        comments=await CommentRepository(session, plan).of_plan(plan_id),
        buyer_names={b.id: b.name or b.email for b in buyers},
        deal_id=await view_deal(session, plan),
    )


async def view_deal(session: AsyncSession, plan: OpenPlan) -> int | None:
    """The id of the plan's deal (whose shared documents and requests the buyer sees)."""
    return await EvaluationRepository(session, plan).deal_id_of(plan.evaluation.id)


async def meeting(session: AsyncSession, plan: OpenPlan, meeting_id: int) -> Any:
    found = await MEETINGS.repository(session, plan).in_plan(plan.evaluation.id, meeting_id)
    if found is None:
        raise NotFound("Meeting not found.")
    return found


async def complete_task(
    session: AsyncSession, plan: OpenPlan, buyer: Buyer, task_id: int, done: bool
) -> None:
    """Check off (or reopen) a buyer-side task."""
    evaluation = await EvaluationRepository(session, plan).one(plan.evaluation.id, lock=Lock.UPDATE)
    task = await TASKS.repository(session, plan).in_plan(evaluation.id, task_id)
    if task is None:
        raise NotFound("Task not found.")
    if task.side != "BUYER":
        raise Forbidden("This task is the seller's: only the seller checks it off.")
    if task.completed == done:
        return
    now = utcnow()
    task.completed, task.completed_at, task.updated_at = done, now if done else None, now
    _log(session, plan, "buyer.task_completed", {"email": buyer.email, "taskId": task.id, "completed": done})
    await session.flush()
    await outbox.record(
        session,
        None,
        "evaluation.buyer.task_completed",
        TASKS.shape.one(task),
        tenant=plan,
        actor=outbox.buyer_actor(buyer.email),
    )


async def comment(
    session: AsyncSession,
    plan: OpenPlan,
    buyer: Buyer,
    *,
    criterion_id: int | None,
    task_id: int | None,
    body: str,
) -> EvaluationComment:
    """A buyer's comment on a success criterion or a task of the plan."""
    body = body.strip()
    if not body or len(body) > COMMENT_MAX:
        raise ValidationFailed.at(["body"], f"Write between 1 and {COMMENT_MAX} characters.")
    evaluation = await EvaluationRepository(session, plan).one(plan.evaluation.id, lock=Lock.UPDATE)
    kind, item_id = (CRITERIA, criterion_id) if criterion_id is not None else (TASKS, task_id)
    if item_id is None or await kind.repository(session, plan).in_plan(evaluation.id, item_id) is None:
        raise NotFound(f"{kind.what} not found.")
    created = EvaluationComment(
        evaluation_id=evaluation.id,
        criterion_id=criterion_id,
        task_id=task_id if criterion_id is None else None,
        author_email=buyer.email,
        author_name=buyer.name,
        body=body,
    )
    CommentRepository(session, plan).add(created)
    await session.flush()
    _log(session, plan, "buyer.commented", {"email": buyer.email, "commentId": created.id})
    await session.flush()
    await outbox.record(
        session,
        None,
        "evaluation.buyer.commented",
        presenter.COMMENT.one(created),
        tenant=plan,
        actor=outbox.buyer_actor(buyer.email),
    )
    return created
