"""Configuration, read from ``DEALBENCH_*`` environment variables (pydantic-settings)."""

from __future__ import annotations

import os
import secrets
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="DEALBENCH_", extra="ignore")

    var_dir: Path = Path("./var")
    database_url: str = ""
    redis_url: str | None = None
    #: Server processes sharing this deployment (``dealbench serve --workers`` sets it): without
    #: Redis, the per-process principal cache is on only with one (see ``kit/versions.py``).
    workers: int = Field(default=1, ge=1)
    #: Prefix of the rate-limit keys in Redis: deployments (or test runs) sharing one Redis keep apart.
    redis_key_prefix: str = "dealbench-rl"
    secret_key: str | None = None
    rate_limit_per_minute: int = Field(default=50, ge=1)
    #: What rate limits do while Redis fails: ``local`` (each process limits alone), ``open`` (no
    #: limits) or ``closed`` (every API request is a 503).
    rate_limit_failure: Literal["local", "open", "closed"] = "local"
    base_domain: str | None = None
    storage_url: str = "file://./var/files"
    max_upload_bytes: int = 2 * 1024**3
    #: S3-compatible storage (``storage_url=s3://bucket/prefix``); unset values fall back to AWS_* variables.
    s3_endpoint: str | None = None
    s3_region: str | None = None
    s3_access_key_id: str | None = None
    s3_secret_access_key: str | None = None
    #: fsync each stored file before it is renamed into place (local storage).
    storage_fsync: bool = True
    max_request_body_bytes: int = 10 * 1024**2
    maintenance: bool = False
    smtp_url: str | None = None
    public_url: str | None = None
    #: hosts whose ``Host`` header may name this server in the links it hands out when ``public_url``
    #: is unset (comma-separated; ``*.example.com`` for subdomains); see ``kit/links.py``
    allowed_hosts: Annotated[list[str], NoDecode] = Field(default_factory=list)
    #: CSV imports of the pipeline API: largest CSV upload, and the sender of error-file emails
    import_max_bytes: int = 20 * 1024 * 1024
    mail_from: str = "Dealbench <dealbench@localhost>"
    graphql_playground_readonly: bool = False
    log_level: str = "info"
    #: ``text`` (one readable line per record) or ``json`` (one JSON object a line).
    log_format: Literal["text", "json"] = "text"
    #: Comma-separated addresses or CIDR networks of the reverse proxies whose ``X-Forwarded-For``,
    #: ``X-Forwarded-Proto`` and ``X-Request-Id`` are believed (see ``kit/clientinfo.py``).
    trusted_proxies: str = ""
    #: The web app's sessions: signed out after this long without a request, and this long after
    #: signing in whatever happens.
    session_idle_seconds: int = Field(default=8 * 3600, ge=60)
    session_max_age_seconds: int = Field(default=7 * 24 * 3600, ge=60)
    #: Sign-in attempts allowed per minute for one account (email), and from one client address.
    signin_attempts_per_account: int = Field(default=10, ge=1)
    signin_attempts_per_address: int = Field(default=60, ge=1)
    #: The buyer portal: requests a minute per plan (access code) and per client address, the life
    #: of a buyer's session, and how long a buyer's notifications wait to go out in one mail.
    portal_requests_per_code: int = Field(default=300, ge=1)
    portal_requests_per_address: int = Field(default=120, ge=1)
    buyer_session_max_age_seconds: int = Field(default=7 * 24 * 3600, ge=60)
    buyer_notification_delay_seconds: float = Field(default=300, ge=0)
    #: When set, ``/metrics`` answers only ``Authorization: Bearer <this value>``.
    metrics_token: str | None = None
    #: Record domain events (the outbox of webhooks and ``GET /v1/events``); off, nothing is recorded.
    record_events: bool = True
    #: How long events are kept (days); older ones are purged by the delivery worker.
    events_retention_days: float = Field(default=30, gt=0)
    #: ``embedded``: the server process delivers webhooks; ``off``: only ``dealbench worker`` does.
    webhook_delivery: Literal["embedded", "off"] = "embedded"
    #: Seconds between the attempts of a failed delivery, comma-separated (about a day in all).
    webhook_retry_delays: Annotated[list[float], NoDecode] = Field(
        default_factory=lambda: [5.0, 60.0, 300.0, 1800.0, 7200.0, 21600.0, 43200.0, 12600.0]
    )
    #: Allow destinations on loopback, private and link-local addresses, and plain http (development, tests).
    webhook_allow_private: bool = False
    #: An endpoint whose deliveries have all failed for this long (hours) is disabled.
    webhook_disable_after_hours: float = Field(default=72, ge=0)
    #: Seconds to wait for a destination (connect, then the answer).
    webhook_timeout: float = Field(default=10, gt=0)
    #: How much of a destination's answer is read (bytes); the delivery log keeps the first 2 KiB.
    webhook_response_limit: int = Field(default=64 * 1024, ge=0)
    #: Seconds between the delivery worker's polls when there is nothing to do.
    webhook_poll_interval: float = Field(default=1.0, gt=0)

    @field_validator("allowed_hosts", mode="before")
    @classmethod
    def _split_hosts(cls, value: Any) -> Any:
        if isinstance(value, str):
            return [h.strip() for h in value.split(",") if h.strip()]
        return value

    @field_validator("webhook_retry_delays", mode="before")
    @classmethod
    def _split_delays(cls, value: Any) -> Any:
        if isinstance(value, str):
            return [float(d) for d in value.split(",") if d.strip()]
        return value

    @property
    def effective_database_url(self) -> str:
        return self.database_url or f"sqlite:///{self.var_dir / 'dealbench.db'}"

    def resolved_secret_key(self) -> str:
        """The secret key: from the environment, else generated once and kept under ``var_dir``."""
        if self.secret_key:
            return self.secret_key
        path = self.var_dir / "secret.key"
        if not path.exists():
            self.var_dir.mkdir(parents=True, exist_ok=True)
            try:
                fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            except FileExistsError:
                pass  # another process won the race: read what it wrote
            else:
                with os.fdopen(fd, "w") as fh:
                    fh.write(secrets.token_urlsafe(48))
        key = path.read_text().strip()
        if not key:
            raise RuntimeError(f"{path} is empty; delete it or set DEALBENCH_SECRET_KEY")
        self.secret_key = key
        return key


@lru_cache
def get_settings() -> Settings:
    return Settings()
