"""The process's document storage, built on first use from ``DEALBENCH_STORAGE_URL``."""

from __future__ import annotations

import asyncio
import logging

from dealbench.kit.db import write_intent
from dealbench.kit.services import Services
from dealbench.kit.storage import Storage, blob_key, build_storage

log = logging.getLogger("dealbench.documents")


def get_storage(services: Services) -> Storage:
    storage = services.extras.get("storage")
    if storage is None:
        storage = build_storage(services.settings)
        services.extras["storage"] = storage
    return storage  # type: ignore[no-any-return]


#: The first wait of a collector that finds an organization import running (doubling, up to a minute).
COLLECT_RETRY_SECONDS = 1.0


async def _pause(seconds: float) -> None:
    await asyncio.sleep(seconds)


async def collect_blobs(services: Services, digests: list[str]) -> None:
    """After the commit: remove the blobs that no version uses any more.

    While an organization import runs (it holds the collection lock until it commits), the
    collector waits without holding a database connection, and tries again.
    """
    if not digests:
        return
    from dealbench.documents.files import lock_blob, lock_collection, unreferenced

    delay = COLLECT_RETRY_SECONDS
    while True:
        reset = write_intent.set(True)  # SQLite: BEGIN IMMEDIATE, so no upload commits in between
        try:
            async with services.sessionmaker() as session:
                if await lock_collection(session, exclusive=False, wait=False):
                    for sha in sorted(set(digests)):
                        await lock_blob(session, sha)
                    gone = await unreferenced(session, digests)
                    storage = get_storage(services)
                    for sha in gone:
                        await storage.delete(blob_key(sha))
                    await session.commit()
                    return
                await session.rollback()
        except Exception:
            log.warning("could not collect blobs %s", digests, exc_info=True)
            return
        finally:
            write_intent.reset(reset)
        await _pause(delay)
        delay = min(delay * 2, 60.0)
