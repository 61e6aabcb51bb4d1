"""The wire shape of an API token (never its secret), shared by REST and GraphQL."""

from __future__ import annotations

from typing import Any

from dealbench.kit.presenter import Shape
from dealbench.models import ApiToken
from dealbench.tokens.schemas import TokenOut

_T = ApiToken.__table__.c


#: Wire fields whose column has another name.
_COLUMN_OF = {"prefix": "display_prefix"}

TOKEN = Shape(
    [(info.alias or name, _T[_COLUMN_OF.get(name, name)]) for name, info in TokenOut.model_fields.items()]
)


def token(obj: Any) -> dict[str, Any]:
    return TOKEN.one(obj)


def tokens(rows: Any) -> list[dict[str, Any]]:
    return TOKEN.many(rows)


def created(obj: Any, plaintext: str) -> dict[str, Any]:
    """A new token with its plaintext: the only answer that ever carries it."""
    return {**TOKEN.one(obj), "token": plaintext}
