from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from dealbench.kit.db import Base


class WebSession(Base):
    """A signed-in browser: the web app's server-side session.

    The cookie carries a random id; the table keeps only its HMAC (``id_hash``), so a copy of the
    database signs nobody in. A session ends when it is idle for too long (``last_seen_at``), at its
    absolute end (``expires_at``), at sign-out, or when its user's password changes.
    """

    __tablename__ = "web_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    id_hash: Mapped[str] = mapped_column(String(64), unique=True)
    organization_id: Mapped[int] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    #: The token every unsafe request of this session must carry (a form field or ``X-CSRF-Token``).
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column()
    last_seen_at: Mapped[datetime] = mapped_column()
    expires_at: Mapped[datetime] = mapped_column(index=True)
