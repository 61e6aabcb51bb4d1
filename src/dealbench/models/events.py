"""Domain events (the outbox), webhook subscriptions and their deliveries, and Optix apps."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Index, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from dealbench.kit.db import Base, JSONType, utcnow


class Event(Base):
    """A change of a resource, written in the transaction of the change (so a rolled-back change
    leaves none) and handed to the webhook dispatcher after commit."""

    __tablename__ = "events"
    __table_args__ = (
        Index("ix_events_organization_id_id", "organization_id", "id"),
        Index("ix_events_dispatched_id", "dispatched", "id"),
        Index("ix_events_occurred_at", "occurred_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: ``evt_`` + 26 random characters: the event's id on the wire and its Standard Webhooks ``webhook-id``.
    public_id: Mapped[str] = mapped_column(String(40), unique=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    type: Mapped[str] = mapped_column(String(100))
    occurred_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: ``{"type": "user"|"token"|"app"|"buyer", "id": ..., "email"?: ...}``
    actor: Mapped[dict[str, Any]] = mapped_column(JSONType)
    #: The object as ``GET`` on ``/v1`` renders it (or what the event is about).
    data: Mapped[dict[str, Any]] = mapped_column(JSONType)
    #: Whether the dispatcher has made this event's deliveries.
    dispatched: Mapped[bool] = mapped_column(Boolean, default=False)


class WebhookEndpoint(Base):
    """A subscription: where to send which events, signed with its secret (sealed at rest)."""

    __tablename__ = "webhook_endpoints"

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE"), index=True
    )
    #: The app this subscription belongs to (its ``events``), or none.
    app_id: Mapped[int | None] = mapped_column(Integer, default=None)
    url: Mapped[str] = mapped_column(String(2000))
    events: Mapped[list[str]] = mapped_column(JSONType)
    description: Mapped[str | None] = mapped_column(String(500), default=None)
    secret_sealed: Mapped[bytes] = mapped_column(LargeBinary)
    #: The secret before the last rotation: it keeps signing beside the new one until it expires.
    previous_secret_sealed: Mapped[bytes | None] = mapped_column(LargeBinary, default=None)
    previous_secret_expires_at: Mapped[datetime | None] = mapped_column(default=None)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    disabled_reason: Mapped[str | None] = mapped_column(String(200), default=None)
    #: Since when every delivery has failed (none since the last success): cleared by a success.
    failing_since: Mapped[datetime | None] = mapped_column(default=None)
    created_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class WebhookDelivery(Base):
    """One message to one destination: an event to a subscription, or an Optix lifecycle post to an
    app. Retried until it succeeds or its delays run out."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        Index("ix_webhook_deliveries_status_next_attempt_at", "status", "next_attempt_at"),
        Index("ix_webhook_deliveries_endpoint_id_id", "endpoint_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    endpoint_id: Mapped[int | None] = mapped_column(
        ForeignKey("webhook_endpoints.id", ondelete="CASCADE"), default=None
    )
    app_id: Mapped[int | None] = mapped_column(ForeignKey("apps.id", ondelete="CASCADE"), default=None)
    event_id: Mapped[int | None] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), default=None)
    #: The Standard Webhooks ``webhook-id``: the same on every attempt.
    message_id: Mapped[str] = mapped_column(String(40))
    event_type: Mapped[str] = mapped_column(String(100))
    #: An Optix lifecycle post's form fields (they hold a token): sealed, and purged once delivered.
    payload_sealed: Mapped[bytes | None] = mapped_column(LargeBinary, default=None)
    #: ``pending``, ``succeeded`` or ``failed`` (gave up).
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(default=utcnow)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class WebhookAttempt(Base):
    """One attempt of a delivery: when, the answer's status, how long, the start of its body."""

    __tablename__ = "webhook_attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    delivery_id: Mapped[int] = mapped_column(
        ForeignKey("webhook_deliveries.id", ondelete="CASCADE"), index=True
    )
    attempted_at: Mapped[datetime] = mapped_column(default=utcnow)
    status_code: Mapped[int | None] = mapped_column(Integer, default=None)
    duration_ms: Mapped[int] = mapped_column(Integer, default=0)
    response: Mapped[str | None] = mapped_column(Text, default=None)
    error: Mapped[str | None] = mapped_column(String(500), default=None)
    succeeded: Mapped[bool] = mapped_column(Boolean, default=False)


class App(Base):
    """An Optix-style app of an organization: installed, it holds an organization token with the
    scopes given at registration, delivered to its ``webhook_url``."""

    __tablename__ = "apps"

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(200))
    webhook_url: Mapped[str] = mapped_column(String(2000))
    scopes: Mapped[list[str]] = mapped_column(JSONType)
    events: Mapped[list[str]] = mapped_column(JSONType)
    client_id: Mapped[str] = mapped_column(String(64), unique=True)
    #: The client secret, sealed: it signs every post to the app.
    client_secret_sealed: Mapped[bytes] = mapped_column(LargeBinary)
    token_id: Mapped[int | None] = mapped_column(Integer, default=None)
    installed_at: Mapped[datetime | None] = mapped_column(default=None)
    created_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
