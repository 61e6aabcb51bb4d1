"""Units of work: where transactions end. Services never commit.

- :func:`transaction`: one session whose transaction commits when the block succeeds and rolls
  back when it raises. The request boundary (:mod:`dealbench.kit.session`), the GraphQL endpoint,
  the CLI and background work all open their sessions here.
- :func:`checkpoint`: commit what a long request has done so far and go on in a new transaction
  (an upload's stored blob before its metadata, an import's phases, each GraphQL mutation).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from dealbench.kit.db import write_intent


@asynccontextmanager
async def transaction(
    sessionmaker: async_sessionmaker[AsyncSession], *, write: bool = True
) -> AsyncIterator[AsyncSession]:
    """A session in one transaction: committed on success, rolled back on error.

    ``write=False`` declares a read: on SQLite it starts a deferred transaction instead of taking
    the write lock up front (``BEGIN IMMEDIATE``).
    """
    token = write_intent.set(write)
    try:
        async with sessionmaker() as session:
            try:
                yield session
                await session.commit()
            except BaseException:
                await session.rollback()
                raise
    finally:
        write_intent.reset(token)


async def checkpoint(session: AsyncSession) -> None:
    """Commit the work so far; the session goes on in a new transaction."""
    await session.commit()
