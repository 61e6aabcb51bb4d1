from __future__ import annotations

from typing import Any
from zoneinfo import available_timezones

from pydantic import Field, JsonValue, field_validator

from dealbench.kit.schemas import InModel, OutModel, Timestamp


class OrganizationSettings(InModel):
    api_access_enabled: bool | None = None
    api_download_enabled_default: bool | None = None


class OrganizationOut(OutModel):
    id: int
    name: str
    slug: str = Field(description="The organization's subdomain.")
    timezone: str
    currency: str
    created_at: Timestamp
    updated_at: Timestamp
    settings: dict[str, Any] = Field(
        description="Organization settings (apiAccessEnabled, apiDownloadEnabledDefault)."
    )


class OrganizationUpdate(InModel):
    name: str | None = Field(default=None, min_length=1, max_length=200)
    timezone: str | None = Field(
        default=None,
        description="An IANA time zone (`Europe/Paris`).",
        json_schema_extra={"enum": list[JsonValue](sorted(available_timezones()))},
    )
    currency: str | None = Field(default=None, pattern=r"^[A-Z]{3}$")
    settings: OrganizationSettings | None = None

    @field_validator("timezone")
    @classmethod
    def _iana(cls, value: str | None) -> str | None:
        if value is not None and value not in available_timezones():
            raise ValueError(f"Unknown IANA time zone '{value}'.")
        return value
