from __future__ import annotations

from pydantic import Field

from dealbench.auth.scopes import ScopeName
from dealbench.kit.schemas import InModel, OutModel, Timestamp
from dealbench.webhooks.subscriptions import EventFilter


class AppCreate(InModel):
    name: str = Field(min_length=1, max_length=200)
    webhook_url: str = Field(
        min_length=1,
        max_length=2000,
        description="Where the app receives `app_install`, `organization_token_updated`, `app_uninstall` "
        "(and its `events`): https:// on a public address.",
    )
    scopes: list[ScopeName] = Field(
        min_length=1, max_length=100, description="The scopes of the app's token (never more than yours)."
    )
    events: list[EventFilter] | None = Field(
        default=None, max_length=100, description="Domain events to send the app as Standard Webhooks."
    )


class AppOut(OutModel):
    id: int
    name: str
    webhook_url: str = Field(description="Where the app receives its lifecycle posts and events.")
    scopes: list[str] = Field(description="The scopes of the app's token.")
    events: list[str] = Field(description="The domain events sent to the app (`*` patterns).")
    client_id: str = Field(description="The app's public identifier, in its lifecycle posts.")
    token_id: int | None = Field(description="The app's organization token while it is installed.")
    installed_at: Timestamp | None = Field(description="When the app was installed; null when it is not.")
    created_at: Timestamp


class AppCreated(AppOut):
    client_secret: str = Field(description="Shown in this answer only.")
