from __future__ import annotations

from datetime import datetime

from pydantic import Field

from dealbench.auth.scopes import ScopeName
from dealbench.kit.schemas import Id, InModel, OutModel, Timestamp
from dealbench.models import TokenKind


class TokenOut(OutModel):
    id: int
    name: str
    kind: TokenKind
    user_id: int | None
    scopes: list[str]
    created_by_user_id: int | None
    created_at: Timestamp
    expires_at: Timestamp | None
    last_used_at: Timestamp | None
    revoked_at: Timestamp | None
    rate_limit_per_minute: int | None
    prefix: str = Field(
        validation_alias="display_prefix", description="The first characters of the token, to recognise it."
    )


class TokenCreated(TokenOut):
    #: The plaintext token: shown in this answer only.
    token: str


class TokenCreate(InModel):
    name: str = Field(min_length=1, max_length=200)
    user_id: Id | None = Field(default=None, description="Omit for an organization token.")
    scopes: list[ScopeName] | None = Field(default=None, min_length=1, max_length=100)
    expires_at: datetime | None = None
    rate_limit_per_minute: int | None = Field(default=None, ge=1, le=1_000_000)
