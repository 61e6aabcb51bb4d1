"""The buyer portal: the buyers invited to a plan, the comments on a plan's criteria and tasks, the
one-time sign-in links and the sessions of buyers, and the mail queued for buyers.

A buyer is no user of the organization: a name on an email address, invited to one plan. What a
buyer may do is bounded by the plan (a buyer session opens one plan only).
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from dealbench.kit.db import Base, utcnow


class TaskSide(enum.StrEnum):
    BUYER = "BUYER"
    SELLER = "SELLER"


def _org_fk() -> Mapped[int]:
    return mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))


def _plan_fk() -> Mapped[int]:
    return mapped_column(ForeignKey("evaluations.id", ondelete="CASCADE"))


class EvaluationBuyer(Base):
    """A buyer invited to a plan (unique by email within the plan)."""

    __tablename__ = "evaluation_buyers"
    __table_args__ = (UniqueConstraint("evaluation_id", "email", name="uq_evaluation_buyers_plan_email"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = _org_fk()
    evaluation_id: Mapped[int] = _plan_fk()
    email: Mapped[str] = mapped_column(String(320))
    name: Mapped[str | None] = mapped_column(String(255), default=None)
    created_by_user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class EvaluationComment(Base):
    """A comment on a success criterion or a task of a plan, by a buyer (``author_email``) or by a
    seller (``user_id``); ``parent_id`` names the comment it answers."""

    __tablename__ = "evaluation_comments"
    __table_args__ = (Index("ix_evaluation_comments_eval_id", "evaluation_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = _org_fk()
    evaluation_id: Mapped[int] = _plan_fk()
    criterion_id: Mapped[int | None] = mapped_column(
        ForeignKey("success_criteria.id", ondelete="CASCADE"), default=None
    )
    task_id: Mapped[int | None] = mapped_column(
        ForeignKey("evaluation_tasks.id", ondelete="CASCADE"), default=None
    )
    parent_id: Mapped[int | None] = mapped_column(
        ForeignKey("evaluation_comments.id", ondelete="CASCADE"), default=None
    )
    #: The buyer who wrote it (their email then), or none for a seller's answer.
    author_email: Mapped[str | None] = mapped_column(String(320), default=None)
    author_name: Mapped[str | None] = mapped_column(String(255), default=None)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), default=None)
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class BuyerSignInLink(Base):
    """A one-time sign-in link of a buyer to one plan: only the HMAC of its code is kept."""

    __tablename__ = "buyer_sign_in_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    organization_id: Mapped[int] = _org_fk()
    evaluation_id: Mapped[int] = mapped_column(ForeignKey("evaluations.id", ondelete="CASCADE"), index=True)
    email: Mapped[str] = mapped_column(String(320))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column()
    used_at: Mapped[datetime | None] = mapped_column(default=None)


class BuyerSession(Base):
    """A signed-in buyer: good for one plan only; the cookie holds a random id, the table its HMAC.
    Rotating the plan's access code deletes its sessions and links."""

    __tablename__ = "buyer_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    id_hash: Mapped[str] = mapped_column(String(64), unique=True)
    organization_id: Mapped[int] = _org_fk()
    evaluation_id: Mapped[int] = mapped_column(ForeignKey("evaluations.id", ondelete="CASCADE"), index=True)
    email: Mapped[str] = mapped_column(String(320))
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(index=True)


class BuyerMail(Base):
    """Mail to a buyer, queued in the transaction that decides it and sent by the mail pass:
    sign-in links at once, notifications batched per buyer and plan."""

    __tablename__ = "buyer_mail"
    __table_args__ = (Index("ix_buyer_mail_pending", "sent_at", "send_after"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = _org_fk()
    evaluation_id: Mapped[int] = _plan_fk()
    to_email: Mapped[str] = mapped_column(String(320))
    #: ``sign_in`` (sent alone) or ``notification`` (batched).
    kind: Mapped[str] = mapped_column(String(32))
    subject: Mapped[str] = mapped_column(String(255))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    send_after: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(default=None)
