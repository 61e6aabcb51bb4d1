"""The wire shape of an organization, shared by REST and GraphQL."""

from __future__ import annotations

from typing import Any

from dealbench.kit.presenter import Shape
from dealbench.models import Organization
from dealbench.models.organization import DEFAULT_SETTINGS
from dealbench.organizations.schemas import OrganizationOut

_O = Organization.__table__.c

#: Every field but ``settings`` (the stored settings over the defaults: :func:`settings_of`).
ORGANIZATION = Shape(
    [
        (info.alias or name, _O[name])
        for name, info in OrganizationOut.model_fields.items()
        if name != "settings"
    ]
)


def settings_of(org: Organization) -> dict[str, Any]:
    """The organization's settings: what is stored, over the defaults."""
    return {**DEFAULT_SETTINGS, **(org.settings or {})}


def organization(org: Organization) -> dict[str, Any]:
    return {**ORGANIZATION.one(org), "settings": settings_of(org)}
