from __future__ import annotations

from pydantic import Field

from dealbench.kit.schemas import InModel, OutModel, Timestamp


class TeamOut(OutModel):
    id: int
    name: str
    description: str | None
    created_at: Timestamp
    updated_at: Timestamp


class TeamCreate(InModel):
    name: str = Field(min_length=1, max_length=200)
    description: str | None = Field(default=None, max_length=2000)
