"""Engine, sessions and the declarative base shared by every model."""

from __future__ import annotations

import contextlib
import logging
import sqlite3
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import JSON, DateTime, MetaData, event, func, select
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Dialect, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, IntegrityError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.pool import NullPool
from sqlalchemy.types import TypeDecorator

from dealbench.kit.errors import Conflict, DatabaseUnavailable

log = logging.getLogger("dealbench.db")

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on every backend (SQLite stores them naive)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        value = value.astimezone(UTC)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None or value.tzinfo is UTC:
            return value
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


#: Whether the current unit of work may write. On SQLite a writing transaction starts with
#: ``BEGIN IMMEDIATE`` (queue for the write lock, never fail on upgrade); reads stay deferred.
write_intent: ContextVar[bool] = ContextVar("write_intent", default=True)

JSONType = JSON().with_variant(JSONB(), "postgresql")


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: dict[Any, Any] = {datetime: UTCDateTime()}


def utcnow() -> datetime:
    return datetime.now(UTC)


def async_url(url: str) -> str:
    """Turn the configured URL (``sqlite:///`` or ``postgresql://``) into an async driver URL."""
    if url.startswith("sqlite:"):
        return "sqlite+aiosqlite:" + url[len("sqlite:") :]
    for prefix in ("postgresql+asyncpg:", "postgres:", "postgresql:"):
        if url.startswith(prefix):
            return "postgresql+asyncpg:" + url[len(prefix) :]
    return url


def is_sqlite(url: str) -> bool:
    return url.startswith("sqlite")


def describe_url(url: str) -> str:
    """The database URL without its password, for messages."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "(an invalid database URL)"


_last_warning = [0.0]


def _guard_connect(engine: AsyncEngine, url: str) -> None:
    """A connection that cannot be opened raises :class:`DatabaseUnavailable` (a 503 with
    ``Retry-After`` in every dialect, one line from the command line), logged at most once a minute."""
    where = describe_url(url)
    # SQLite: the first connection is tried synchronously first. An aiosqlite connection that fails
    # to open still hands its thread work for the event loop, which a command that stops right away
    # has already closed.
    probe = [is_sqlite(url)]

    @event.listens_for(engine.sync_engine, "do_connect")
    def _connect(dialect: Dialect, _record: Any, cargs: Any, cparams: Any) -> Any:
        try:
            if probe[0]:
                sqlite3.connect(*cargs, **cparams).close()
                probe[0] = False
            return dialect.connect(*cargs, **cparams)
        except Exception as exc:
            reason = (str(exc).strip().splitlines() or [type(exc).__name__])[0][:300]
        now = time.monotonic()
        if now - _last_warning[0] > 60:
            _last_warning[0] = now
            log.warning("cannot connect to the database %s: %s", where, reason)
        # Raised outside the handler: the driver's error (and the half-made connection its frames
        # hold) is released now, not when the caller lets go of this one.
        raise DatabaseUnavailable(where, reason)


def unavailable(exc: BaseException) -> DatabaseUnavailable | None:
    """The 503 a database failure deserves (unreachable, connection lost, pool exhausted), if any."""
    if isinstance(exc, DatabaseUnavailable):
        return exc
    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        return DatabaseUnavailable(reason="the connection to the database was lost")
    if isinstance(exc, PoolTimeout):
        return DatabaseUnavailable(
            reason="no database connection was free in time",
            message="The server is busy: no database connection is free; try again shortly.",
        )
    return None


def create_engine(url: str, *, pool_size: int = 10) -> AsyncEngine:
    aurl = async_url(url)
    if is_sqlite(aurl):
        path = aurl.split(":///", 1)[-1]
        if path and path != ":memory:":
            # A folder that cannot be made shows when connecting: a 503, or one line at start.
            with contextlib.suppress(OSError):
                Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_async_engine(aurl, connect_args={"timeout": 30}, poolclass=NullPool)
        _guard_connect(engine, url)

        @event.listens_for(engine.sync_engine, "connect")
        def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
            dbapi_conn.isolation_level = None  # SQLAlchemy emits BEGIN itself, below
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.close()

        @event.listens_for(engine.sync_engine, "begin")
        def _sqlite_begin(conn: Any) -> None:
            # Writers take the lock up front so concurrent writers queue instead of deadlocking.
            conn.exec_driver_sql("BEGIN IMMEDIATE" if write_intent.get() else "BEGIN")

        return engine
    engine = create_async_engine(
        aurl,
        pool_size=pool_size,
        max_overflow=pool_size,
        pool_pre_ping=False,
        pool_recycle=1800,
        connect_args={"timeout": 10},  # an unreachable host answers 503 after 10 s, not 60
    )
    _guard_connect(engine, url)
    return engine


def make_sessionmaker(
    engine: AsyncEngine, *, info: dict[str, Any] | None = None
) -> async_sessionmaker[AsyncSession]:
    """Sessions of ``engine``; ``info`` is copied into each session's ``info`` (process-wide switches
    the services read from their session, such as whether domain events are recorded)."""
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=False, info=info or {})


async def lock_key(session: AsyncSession, namespace: int, key: str) -> None:
    """Serialize the transactions that take the same ``(namespace, key)`` until they end.

    For check-then-insert rules no unique index can state (e.g. one *pending* invitation per email):
    on PostgreSQL a transaction-level advisory lock on ``hashtext(key)``; on SQLite writers already
    run one at a time (``BEGIN IMMEDIATE``).
    """
    if session.get_bind().dialect.name == "postgresql":
        await session.execute(select(func.pg_advisory_xact_lock(namespace, func.hashtext(key))))


@asynccontextmanager
async def unique_or_conflict(session: AsyncSession, message: str) -> AsyncIterator[None]:
    """Write inside a savepoint: when a unique index refuses the row (a concurrent request wrote the
    same key after our check), the savepoint is rolled back and the answer is a 409, never a 500.

    Make the changes *inside* the block: ``begin_nested`` first flushes what is already pending,
    outside the savepoint, where a refused row would leave the session unusable (and the message
    could no longer be built from the object): so ``message`` is built beforehand.
    """
    try:
        async with session.begin_nested():
            yield
            await session.flush()
    except IntegrityError as exc:
        raise Conflict(message) from exc
