"""The wire shapes of the sales processes domain, shared by REST and GraphQL: a process and a stage
(the fields of :class:`SalesProcessOut` and :class:`StageOut`)."""

from __future__ import annotations

from typing import Any

from dealbench.kit.presenter import Shape
from dealbench.models import SalesProcess, SalesProcessStage
from dealbench.sales_processes.schemas import SalesProcessOut, StageOut

_P = SalesProcess.__table__.c
_S = SalesProcessStage.__table__.c

PROCESS = Shape([(info.alias or name, _P[name]) for name, info in SalesProcessOut.model_fields.items()])
STAGE = Shape([(info.alias or name, _S[name]) for name, info in StageOut.model_fields.items()])


def process(obj: Any) -> dict[str, Any]:
    return PROCESS.one(obj)


def processes(rows: Any) -> list[dict[str, Any]]:
    """A page of rows selected with ``PROCESS.columns``."""
    return PROCESS.many(rows)


def stage(obj: Any) -> dict[str, Any]:
    return STAGE.one(obj)


def stages(rows: Any) -> list[dict[str, Any]]:
    """A page of rows selected with ``STAGE.columns``."""
    return STAGE.many(rows)
