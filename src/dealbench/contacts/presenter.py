"""The wire shape of a contact, shared by REST and GraphQL (the fields of
:class:`dealbench.contacts.schemas.ContactOut`; ``accountId`` is the column ``account_external_id``)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from dealbench.contacts.schemas import ContactOut
from dealbench.kit.presenter import Shape
from dealbench.models import Contact

_C = Contact.__table__.c
#: The fields whose column has another name.
COLUMN_OF = {"account_id": "account_external_id"}

CONTACT = Shape(
    [(info.alias or name, _C[COLUMN_OF.get(name, name)]) for name, info in ContactOut.model_fields.items()]
)


def contact(obj: Any) -> dict[str, Any]:
    """One contact (an ORM object or a row of ``CONTACT.columns``)."""
    return CONTACT.one(obj)


def contacts(rows: Iterable[Sequence[Any]]) -> list[dict[str, Any]]:
    """A page of rows selected with ``CONTACT.columns``."""
    return CONTACT.many(rows)
