"""Process-wide resources, built once per app: settings, engine, sessions, limiter."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated, Any

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from dealbench.kit.db import create_engine, make_sessionmaker
from dealbench.kit.ratelimit import RateLimiter
from dealbench.kit.scratch import ScratchSpace
from dealbench.kit.sessionstore import RedisSessionStore
from dealbench.kit.versions import VersionCounter
from dealbench.settings import Settings

#: The key of a session's ``info`` holding the deployment's auth :class:`VersionCounter`.
AUTH_VERSIONS = "auth_versions"
#: The key of a session's ``info`` holding the web app's :class:`RedisSessionStore` (absent
#: without Redis: the sessions are rows of the database).
WEB_SESSIONS = "web_sessions"


@dataclass
class Services:
    settings: Settings
    engine: AsyncEngine
    sessionmaker: async_sessionmaker[AsyncSession]
    rate_limiter: RateLimiter
    secret_key: str
    #: This process's temporary files (spooled uploads and imports), under ``var_dir/tmp``.
    scratch: ScratchSpace
    #: The version of what authenticates a request (tokens, users, organizations): raised after
    #: every commit that changed one, compared by the per-process principal cache.
    auth_versions: VersionCounter
    #: Optional per-domain resources (storage, mailer ...), added by the domains that need them.
    extras: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def build(cls, settings: Settings) -> Services:
        engine = create_engine(settings.effective_database_url)
        auth_versions = VersionCounter.for_deployment(settings, "auth")
        info: dict[str, Any] = {
            "record_events": settings.record_events,
            "buyer_notification_delay": settings.buyer_notification_delay_seconds,
            AUTH_VERSIONS: auth_versions,
        }
        if settings.redis_url:
            info[WEB_SESSIONS] = RedisSessionStore(settings.redis_url, settings.redis_key_prefix)
        return cls(
            settings=settings,
            engine=engine,
            sessionmaker=make_sessionmaker(engine, info=info),
            rate_limiter=RateLimiter(
                settings.redis_url,
                failure_mode=settings.rate_limit_failure,
                key_prefix=settings.redis_key_prefix,
            ),
            secret_key=settings.resolved_secret_key(),
            scratch=ScratchSpace(settings.var_dir / "tmp"),
            auth_versions=auth_versions,
        )

    async def close(self) -> None:
        await self.engine.dispose()
        await self.auth_versions.close()
        await self.rate_limiter.close()
        web_sessions = self.sessionmaker.kw.get("info", {}).get(WEB_SESSIONS)
        if web_sessions is not None:
            await web_sessions.close()
        storage = self.extras.get("storage")
        if storage is not None:
            await storage.close()
        self.scratch.close()


async def get_services(request: Request) -> Services:
    return request.app.state.services  # type: ignore[no-any-return]


#: For routers that need a process-wide resource: ``services: AppServices``.
AppServices = Annotated[Services, Depends(get_services)]
