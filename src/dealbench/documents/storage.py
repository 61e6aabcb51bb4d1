"""The process's document storage, built on first use from ``DEALBENCH_STORAGE_URL``, and the
collector of the blobs no version uses any more."""

from __future__ import annotations

import asyncio
import logging

from sqlalchemy.ext.asyncio import AsyncSession

from dealbench.documents.repository import BlobRepository
from dealbench.kit.services import Services
from dealbench.kit.storage import Storage, blob_key, build_storage
from dealbench.kit.uow import transaction

log = logging.getLogger("dealbench.documents")


def get_storage(services: Services) -> Storage:
    storage = services.extras.get("storage")
    if storage is None:
        storage = build_storage(services.settings)
        services.extras["storage"] = storage
    return storage  # type: ignore[no-any-return]


async def lock_collection(session: AsyncSession, *, exclusive: bool, wait: bool = True) -> bool:
    """The collection lock (see :meth:`BlobRepository.lock_collection`): an organization import
    holds it exclusively until it commits, collectors shared."""
    return await BlobRepository(session).lock_collection(exclusive=exclusive, wait=wait)


#: The first wait of a collector that finds an organization import running (doubling, up to a minute).
COLLECT_RETRY_SECONDS = 1.0


async def _pause(seconds: float) -> None:
    await asyncio.sleep(seconds)


async def _collect(session: AsyncSession, storage: Storage, digests: list[str]) -> bool:
    """Delete the blobs of ``digests`` that no version uses; False when an import holds the
    collection lock (nothing was done)."""
    blobs = BlobRepository(session)
    if not await blobs.lock_collection(exclusive=False, wait=False):
        return False
    for sha in sorted(set(digests)):
        await blobs.lock(sha)
    for sha in await blobs.unreferenced(digests):
        await storage.delete(blob_key(sha))
    return True


async def collect_blobs(services: Services, digests: list[str]) -> None:
    """After the commit: remove the blobs that no version uses any more.

    Each attempt is a write transaction (on SQLite ``BEGIN IMMEDIATE``, so no upload commits in
    between). While an organization import runs (it holds the collection lock until it commits),
    the collector waits without holding a database connection, and tries again.
    """
    if not digests:
        return
    delay = COLLECT_RETRY_SECONDS
    while True:
        try:
            async with transaction(services.sessionmaker) as session:
                done = await _collect(session, get_storage(services), digests)
        except Exception:
            log.warning("could not collect blobs %s", digests, exc_info=True)
            return
        if done:
            return
        await _pause(delay)
        delay = min(delay * 2, 60.0)
