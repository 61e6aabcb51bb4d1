"""The wire shape of an app (never its client secret but at registration)."""

from __future__ import annotations

from typing import Any

from dealbench.apps.schemas import AppOut
from dealbench.kit.presenter import Shape
from dealbench.models import App

_A = App.__table__.c

APP = Shape([(info.alias or name, _A[name]) for name, info in AppOut.model_fields.items()])


def app(obj: Any) -> dict[str, Any]:
    return APP.one(obj)


def apps(rows: Any) -> list[dict[str, Any]]:
    return APP.many(rows)


def created(obj: Any, client_secret: str) -> dict[str, Any]:
    return {**APP.one(obj), "clientSecret": client_secret}
