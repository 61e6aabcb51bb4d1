"""Alembic environment: async engines, deterministic names, one migrator at a time on PostgreSQL."""

from __future__ import annotations

import asyncio
from typing import Any

from alembic import context
from sqlalchemy import text
from sqlalchemy.engine import Connection

from dealbench import models  # noqa: F401  (registers every table)
from dealbench.kit.db import Base, create_engine

config = context.config
target_metadata = Base.metadata
MIGRATION_LOCK = 7_220_011  # pg_advisory_lock key: several processes may start at once


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


async def _run_async(url: str) -> None:
    engine = create_engine(url)
    async with engine.connect() as connection:
        if connection.dialect.name == "postgresql":
            await connection.execute(text(f"SELECT pg_advisory_lock({MIGRATION_LOCK})"))
            await connection.commit()
        try:
            await connection.run_sync(_run)
            await connection.commit()
        finally:
            if connection.dialect.name == "postgresql":
                await connection.execute(text(f"SELECT pg_advisory_unlock({MIGRATION_LOCK})"))
                await connection.commit()
    await engine.dispose()


def main() -> None:
    url: Any = config.attributes.get("dealbench_url") or config.get_main_option("sqlalchemy.url")
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    asyncio.run(_run_async(url))


main()
