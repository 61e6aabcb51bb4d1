"""Where the web app's sessions live: rows of ``web_sessions`` in the database, or hashes in Redis
when ``DEALBENCH_REDIS_URL`` is set (:class:`dealbench.kit.sessionstore.RedisSessionStore`, found
in the database session's ``info``). Both keep the HMAC of the cookie's id, never the id; both
answer the same :class:`StoredSession`, so :mod:`dealbench.auth.sessions` applies the same rules
(idle and absolute ends, the user removed, the tenant's host) whichever keeps them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from dealbench.auth import repository
from dealbench.kit.services import WEB_SESSIONS
from dealbench.kit.sessionstore import RedisSessionStore
from dealbench.kit.uow import transaction
from dealbench.models import Organization, User, WebSession


@dataclass(frozen=True, slots=True)
class StoredSession:
    #: What names it in its store: the row's id, or the digest in Redis.
    key: int | str
    user_id: int
    csrf_token: str
    created_at: datetime
    last_seen_at: datetime
    expires_at: datetime
    #: In Redis: the mark of the user's password hash at sign-in (a session of an older password
    #: is over even if Redis could not be told); ``None`` in the database, which deletes the rows.
    password_mark: str | None = None


def redis_store(session: AsyncSession) -> RedisSessionStore | None:
    store = session.info.get(WEB_SESSIONS)
    return store if isinstance(store, RedisSessionStore) else None


async def create(
    session: AsyncSession,
    digest: str,
    user: User,
    csrf: str,
    now: datetime,
    expires: datetime,
    idle_seconds: int,
    password_mark: str,
) -> None:
    """Keep a new session of ``user`` (and forget their sessions that have ended)."""
    store = redis_store(session)
    if store is None:
        await repository.end_user_sessions(session, user.id, expired_before=now)
        repository.add_session(
            session,
            WebSession(
                id_hash=digest,
                organization_id=user.organization_id,
                user_id=user.id,
                csrf_token=csrf,
                created_at=now,
                last_seen_at=now,
                expires_at=expires,
            ),
        )
        await session.flush()
        return
    await store.prune_user(user.id)
    fields = {
        "user_id": str(user.id),
        "csrf_token": csrf,
        "created_at": now.isoformat(),
        "last_seen_at": now.isoformat(),
        "expires_at": expires.isoformat(),
        "password_mark": password_mark,
    }
    lifetime = int((expires - now).total_seconds())
    await store.create(digest, user.id, fields, min(idle_seconds, lifetime), lifetime)


async def find(session: AsyncSession, digest: str) -> tuple[StoredSession, Organization, User] | None:
    store = redis_store(session)
    if store is None:
        row = await repository.find_session(session, digest)
        if row is None:
            return None
        ws, org, user = row
        stored = StoredSession(
            ws.id, ws.user_id, ws.csrf_token, ws.created_at, ws.last_seen_at, ws.expires_at
        )
        return stored, org, user
    fields = await store.get(digest)
    if fields is None:
        return None
    stored = StoredSession(
        key=digest,
        user_id=int(fields["user_id"]),
        csrf_token=fields["csrf_token"],
        created_at=datetime.fromisoformat(fields["created_at"]),
        last_seen_at=datetime.fromisoformat(fields["last_seen_at"]),
        expires_at=datetime.fromisoformat(fields["expires_at"]),
        password_mark=fields.get("password_mark", ""),
    )
    found = await repository.user_and_organization(session, stored.user_id)
    if found is None:
        return None
    user, org = found
    return stored, org, user


async def touch(
    session: AsyncSession,
    sessionmaker: async_sessionmaker[AsyncSession],
    stored: StoredSession,
    now: datetime,
    idle_seconds: int,
    *,
    in_request: bool,
) -> None:
    """Record the activity of a session: in the request's own transaction (``in_request``: SQLite
    writers, which hold the write lock already) or in one of its own."""
    store = redis_store(session)
    if store is not None:
        assert isinstance(stored.key, str)
        remaining = int((stored.expires_at - now).total_seconds())
        await store.touch(stored.key, {"last_seen_at": now.isoformat()}, min(idle_seconds, remaining))
        return
    assert isinstance(stored.key, int)
    if in_request:
        await repository.touch_session(session, stored.key, now)
        return
    async with transaction(sessionmaker) as own:
        await repository.touch_session(own, stored.key, now)


async def end(session: AsyncSession, key: int | str, user_id: int) -> None:
    store = redis_store(session)
    if store is None:
        assert isinstance(key, int)
        await repository.end_session(session, key)
    else:
        assert isinstance(key, str)
        await store.end(key, user_id)


async def end_user(session: AsyncSession, user_id: int) -> None:
    """Every session of a user (sign-out everywhere, a new password, removal)."""
    store = redis_store(session)
    if store is None:
        await repository.end_user_sessions(session, user_id)
    else:
        await store.end_user(user_id)
