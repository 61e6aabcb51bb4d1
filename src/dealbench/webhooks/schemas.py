from __future__ import annotations

from pydantic import Field

from dealbench.kit.schemas import InModel, NotNullable, OutModel, Timestamp
from dealbench.webhooks.patterns import EventFilter


class WebhookCreate(InModel):
    url: str = Field(min_length=1, max_length=2000, description="An https:// URL on a public address.")
    events: list[EventFilter] = Field(
        min_length=1,
        max_length=100,
        description="Event types; `*` stands for one or more segments (`ticket.*`, `evaluation.*`, `*`).",
    )
    description: str | None = Field(default=None, max_length=500)


class WebhookUpdate(InModel):
    url: NotNullable[str] = Field(
        default=None, min_length=1, max_length=2000, description="An https:// URL on a public address."
    )
    events: NotNullable[list[EventFilter]] = Field(
        default=None,
        min_length=1,
        max_length=100,
        description="Event types; `*` stands for one or more segments (`ticket.*`, `evaluation.*`, `*`).",
    )
    description: str | None = Field(default=None, max_length=500)
    enabled: NotNullable[bool] = Field(default=None, description="`true` enables a disabled endpoint again.")


class WebhookOut(OutModel):
    id: int
    url: str = Field(description="Where the events are sent.")
    events: list[str] = Field(description="The event types it receives (`*` patterns).")
    description: str | None
    enabled: bool = Field(description="Whether events are sent; false once disabled after failing.")
    disabled_reason: str | None = Field(description="Why the subscription was disabled; null while enabled.")
    failing_since: Timestamp | None = Field(description="Since when every delivery has failed.")
    app_id: int | None = Field(description="The app this subscription belongs to.")
    created_at: Timestamp
    updated_at: Timestamp


class WebhookWithSecret(WebhookOut):
    secret: str = Field(description="`whsec_...`: shown in this answer only.")


class AttemptOut(OutModel):
    attempted_at: Timestamp
    status_code: int | None = Field(description="The answer's HTTP status; null without an answer.")
    duration_ms: int
    response: str | None = Field(description="The first 2 KiB of the answer's body.")
    error: str | None = Field(description="Why there was no answer (timeout, connection refused ...).")
    succeeded: bool


class DeliveryOut(OutModel):
    id: int
    message_id: str = Field(description="The `webhook-id` header: the same on every attempt.")
    event_type: str = Field(description="The type of the event delivered.")
    status: str = Field(description="`pending`, `succeeded` or `failed` (retries exhausted).")
    attempts: int = Field(description="How many attempts were made.")
    next_attempt_at: Timestamp | None = Field(description="When the next attempt is due; null when none is.")
    created_at: Timestamp
    log: list[AttemptOut] = Field(description="Every attempt, oldest first.")
