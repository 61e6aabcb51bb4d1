from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from dealbench.kit.db import Base, JSONType


class IdempotencyKey(Base):
    """A request made with an ``Idempotency-Key``: claimed while it runs, then its answer (sealed) for
    replays until it expires. ``scope`` is a keyed hash of the token and the key: keys are per token."""

    __tablename__ = "idempotency_keys"
    __table_args__ = (Index("ix_idempotency_keys_expires_at", "expires_at"),)

    scope: Mapped[str] = mapped_column(String(64), primary_key=True)
    #: SHA-256 of the method, the path with its query and the body.
    fingerprint: Mapped[str] = mapped_column(String(64))
    #: Until when a request still running holds the key (a crashed one lets go when it passes).
    claimed_until: Mapped[datetime | None] = mapped_column(default=None)
    status: Mapped[int | None] = mapped_column(default=None)
    headers: Mapped[list[list[str]] | None] = mapped_column(JSONType, default=None)
    #: The answer's body, sealed with a key derived from DEALBENCH_SECRET_KEY (it may hold a secret).
    body: Mapped[bytes | None] = mapped_column(LargeBinary, default=None)
    created_at: Mapped[datetime] = mapped_column()
    expires_at: Mapped[datetime] = mapped_column()
