"""The request's database session: one per request, committed at the boundary."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession

from dealbench.kit.uow import transaction

_READ_METHODS = {"GET", "HEAD", "OPTIONS"}


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    """Commit when the handler succeeds, roll back when it raises; services never commit."""
    reading = request.method in _READ_METHODS
    async with transaction(request.app.state.services.sessionmaker, write=not reading) as session:
        if reading and session.get_bind().dialect.name == "postgresql":
            # Reads need no transaction: skip the BEGIN/COMMIT round trips.
            await session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})
        yield session


#: The request's session, for routers: ``session: DbSession``.
DbSession = Annotated[AsyncSession, Depends(get_session, scope="function")]
