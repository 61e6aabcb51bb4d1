from __future__ import annotations

from typing import Annotated

from pydantic import Field

from dealbench.kit.schemas import Id, InModel, NotNullable, OutModel, Timestamp

Category = Annotated[
    str | None, Field(default=None, max_length=64, description="Free text, e.g. EVALUATION.")
]


class SalesProcessOut(OutModel):
    id: int
    created_at: Timestamp
    updated_at: Timestamp
    name: str
    description: str | None
    is_default: bool
    created_by_user_id: int | None


class StageOut(OutModel):
    id: int
    title: str
    category: str | None
    deleted_at: Timestamp | None
    sales_process_id: int
    position: int


class StageIn(InModel):
    title: str = Field(min_length=1, max_length=255)
    category: Category = None


class SalesProcessCreate(InModel):
    name: str = Field(min_length=1, max_length=255)
    description: Annotated[str, Field(max_length=10_000)] | None = None
    is_default: bool = False
    stages: list[StageIn] = Field(default_factory=list, max_length=100)


class SalesProcessUpdate(InModel):
    name: NotNullable[Annotated[str, Field(min_length=1, max_length=255)]] = None
    description: Annotated[str, Field(max_length=10_000)] | None = None
    is_default: NotNullable[bool] = None


class StageCreate(StageIn):
    sales_process_id: Id
    position: Annotated[int, Field(ge=0)] | None = Field(default=None, description="0-based; default: last.")


class StageUpdate(InModel):
    title: NotNullable[Annotated[str, Field(min_length=1, max_length=255)]] = None
    category: Category = None
    position: NotNullable[Annotated[int, Field(ge=0)]] = None
