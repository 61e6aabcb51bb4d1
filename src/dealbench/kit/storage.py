"""Content-addressed blob storage: local files or S3-compatible object storage.

A blob is written through a :class:`PendingBlob` (the upload sink): every chunk is hashed
(SHA-256 and MD5) and written to a temporary object as it arrives, with bounded memory. Nothing
is visible until :meth:`PendingBlob.promote` moves it to its content address
(``blobs/ab/cd/<sha256>``); :meth:`PendingBlob.discard` throws it away. Identical content is
stored once.

- ``file://DIR``: temporary file under ``DIR/tmp`` (in the process's own scratch directory, so
  the leftovers of a killed process are removed at the next start), fsynced, then renamed into place
  (atomic on POSIX), so a crash never leaves a half-written blob at its address.
- ``s3://bucket/prefix``: through obstore (Rust ``object_store``): a streamed multipart upload to
  ``prefix/tmp/<uuid>``, then a server-side copy to the content address. Endpoint, region and
  credentials come from ``DEALBENCH_S3_*`` settings, else the usual ``AWS_*`` variables.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import os
import uuid
from abc import ABC, abstractmethod
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import anyio.to_thread

from dealbench.kit.scratch import ScratchSpace
from dealbench.settings import Settings

#: Chunks are gathered to this size before they are hashed and written (in a worker thread).
BUFFER_BYTES = 1024 * 1024
READ_CHUNK_BYTES = 1024 * 1024


@dataclass(frozen=True, slots=True)
class BlobInfo:
    size: int
    sha256: str
    md5: str

    @property
    def key(self) -> str:
        return blob_key(self.sha256)


def blob_key(sha256: str) -> str:
    return f"blobs/{sha256[:2]}/{sha256[2:4]}/{sha256}"


class PendingBlob(ABC):
    """An upload sink: ``write`` chunks, ``close``, then ``promote`` (or ``discard`` on any error).

    Hashing and writing a full buffer run in a worker thread while the next buffer fills (at most
    one flush in flight), so memory stays at about two buffers per upload.
    """

    def __init__(self) -> None:
        self._sha256 = hashlib.sha256()
        self._md5 = hashlib.md5(usedforsecurity=False)
        self._buf = bytearray()
        self._pending: asyncio.Task[None] | None = None
        self.size = 0
        self.closed = False
        self.info: BlobInfo | None = None

    async def write(self, chunk: bytes) -> None:
        self._buf += chunk
        self.size += len(chunk)
        if len(self._buf) >= BUFFER_BYTES:
            data, self._buf = bytes(self._buf), bytearray()
            await self._wait()
            self._pending = asyncio.ensure_future(self._flush(data))

    async def _wait(self) -> None:
        if self._pending is not None:
            task, self._pending = self._pending, None
            await task

    async def _flush(self, data: bytes) -> None:
        def hash_sha() -> None:
            self._sha256.update(data)

        def hash_md5_and_write() -> None:
            self._md5.update(data)
            self._write_sync(data)

        await asyncio.gather(
            anyio.to_thread.run_sync(hash_sha),
            self._write_async(data, hash_md5_and_write),
        )

    async def _write_async(self, data: bytes, fallback: Any) -> None:
        """Write ``data`` (in a thread by default, through ``_write_sync``)."""
        await anyio.to_thread.run_sync(fallback)

    def _write_sync(self, data: bytes) -> None:  # pragma: no cover - overridden
        raise NotImplementedError

    async def close(self) -> None:
        """All bytes received: flush the rest, finish the temporary object and the hashes."""
        if self.closed:
            return
        await self._wait()
        if self._buf:
            data, self._buf = bytes(self._buf), bytearray()
            await self._flush(data)
        await self._finish()
        self.closed = True
        self.info = BlobInfo(size=self.size, sha256=self._sha256.hexdigest(), md5=self._md5.hexdigest())

    @abstractmethod
    async def _finish(self) -> None:
        """Make the temporary object complete (flush, fsync, finish the upload)."""

    @abstractmethod
    async def promote(self) -> BlobInfo:
        """Move the temporary object to its content address; returns what was stored."""

    @abstractmethod
    async def discard(self) -> None:
        """Remove the temporary object (safe to call at any point, and more than once)."""

    async def _cancel_pending(self) -> None:
        if self._pending is not None:
            task, self._pending = self._pending, None
            with contextlib.suppress(BaseException):
                await task


class Storage(ABC):
    url: str

    @abstractmethod
    async def begin(self) -> PendingBlob: ...

    @abstractmethod
    def stream(self, key: str, start: int = 0, end: int | None = None) -> AsyncIterator[bytes]:
        """The bytes ``[start, end)`` of a blob (``end`` None: to the end)."""

    @abstractmethod
    async def exists(self, key: str) -> bool: ...

    @abstractmethod
    async def delete(self, key: str) -> None: ...

    @abstractmethod
    async def check(self) -> None:
        """Raise when the storage does not answer (a cheap call, for the readiness probe)."""

    async def close(self) -> None:
        return None

    def clear_leftovers(self) -> int:
        """Remove the temporary objects of uploads whose process is gone (at start)."""
        return 0


# --------------------------------------------------------------------------- local files


class _LocalPending(PendingBlob):
    def __init__(self, storage: LocalStorage, tmp: Path, fh: Any) -> None:
        super().__init__()
        self.storage = storage
        self.tmp = tmp
        self.fh = fh

    def _write_sync(self, data: bytes) -> None:
        self.fh.write(data)

    async def _finish(self) -> None:
        def finish() -> None:
            self.fh.flush()
            if self.storage.fsync:
                os.fsync(self.fh.fileno())
            self.fh.close()

        await anyio.to_thread.run_sync(finish)

    async def promote(self) -> BlobInfo:
        await self.close()
        assert self.info is not None
        final = self.storage.path(self.info.key)

        def move() -> None:
            final.parent.mkdir(parents=True, exist_ok=True)
            if final.exists() and final.stat().st_size == self.info.size:  # type: ignore[union-attr]
                self.tmp.unlink(missing_ok=True)  # same content already stored
            else:
                os.replace(self.tmp, final)

        await anyio.to_thread.run_sync(move)
        return self.info

    async def discard(self) -> None:
        await self._cancel_pending()

        def drop() -> None:
            with contextlib.suppress(Exception):
                self.fh.close()
            self.tmp.unlink(missing_ok=True)

        await anyio.to_thread.run_sync(drop)


class LocalStorage(Storage):
    def __init__(self, root: Path, *, fsync: bool = True) -> None:
        self.root = root
        self.fsync = fsync
        self.url = f"file://{root}"
        (root / "tmp").mkdir(parents=True, exist_ok=True)
        self.scratch = ScratchSpace(root / "tmp")

    def path(self, key: str) -> Path:
        if ".." in key.split("/"):
            raise ValueError("bad storage key")
        return self.root / key

    def clear_leftovers(self) -> int:
        return self.scratch.clear_leftovers()

    async def close(self) -> None:
        self.scratch.close()

    async def begin(self) -> PendingBlob:
        def open_tmp() -> Any:
            tmp = self.scratch.directory / f"{uuid.uuid4().hex}.part"
            return tmp, open(tmp, "wb", buffering=0)

        tmp, fh = await anyio.to_thread.run_sync(open_tmp)
        return _LocalPending(self, tmp, fh)

    async def stream(self, key: str, start: int = 0, end: int | None = None) -> AsyncIterator[bytes]:
        path = self.path(key)
        fd = await anyio.to_thread.run_sync(os.open, str(path), os.O_RDONLY)
        try:
            if end is None:
                end = os.fstat(fd).st_size
            pos = start
            while pos < end:
                n = min(READ_CHUNK_BYTES, end - pos)
                chunk = await anyio.to_thread.run_sync(os.pread, fd, n, pos)
                if not chunk:
                    break
                pos += len(chunk)
                yield chunk
        finally:
            os.close(fd)

    async def exists(self, key: str) -> bool:
        return await anyio.to_thread.run_sync(self.path(key).exists)

    async def delete(self, key: str) -> None:
        await anyio.to_thread.run_sync(lambda: self.path(key).unlink(missing_ok=True))

    async def check(self) -> None:
        def writable() -> None:
            tmp = self.root / "tmp"
            if not (tmp.is_dir() and os.access(tmp, os.W_OK | os.X_OK)):
                raise OSError("the storage directory is missing or not writable")

        await anyio.to_thread.run_sync(writable)


# --------------------------------------------------------------------------- S3-compatible

_DONE = object()


class _S3Pending(PendingBlob):
    def __init__(self, storage: S3Storage, tmp_key: str) -> None:
        super().__init__()
        self.storage = storage
        self.tmp_key = tmp_key
        self.queue: asyncio.Queue[Any] = asyncio.Queue(maxsize=4)
        self.upload: asyncio.Task[Any] = asyncio.ensure_future(self._upload())

    async def _chunks(self) -> AsyncIterator[bytes]:
        while True:
            item = await self.queue.get()
            if item is _DONE:
                return
            if isinstance(item, BaseException):
                raise item
            yield item

    async def _upload(self) -> Any:
        import obstore

        return await obstore.put_async(
            self.storage.store,
            self.tmp_key,
            self._chunks(),
            chunk_size=5 * 1024 * 1024,
            max_concurrency=2,
        )

    async def _write_async(self, data: bytes, fallback: Any) -> None:
        await anyio.to_thread.run_sync(self._md5.update, data)
        await self._put(data)

    async def _put(self, item: Any) -> None:
        while True:
            if self.upload.done():
                self.upload.result()  # raises the upload's error
                raise RuntimeError("the object upload ended early")
            try:
                await asyncio.wait_for(self.queue.put(item), timeout=1.0)
                return
            except TimeoutError:
                continue

    async def _finish(self) -> None:
        await self._put(_DONE)
        await self.upload

    async def promote(self) -> BlobInfo:
        import obstore

        await self.close()
        assert self.info is not None
        key = self.info.key
        if not await self.storage.exists(key):
            await obstore.copy_async(self.storage.store, self.tmp_key, key)
        await self.storage.delete(self.tmp_key)
        return self.info

    async def discard(self) -> None:
        await self._cancel_pending()
        if not self.upload.done():
            self.upload.cancel()
            with contextlib.suppress(BaseException):
                await self.upload
        await self.storage.delete(self.tmp_key)


class S3Storage(Storage):
    def __init__(self, url: str, settings: Settings) -> None:
        from obstore.store import S3Store

        rest = url.split("://", 1)[1]
        bucket, _, prefix = rest.partition("/")
        config: dict[str, Any] = {}
        if settings.s3_endpoint:
            config["endpoint"] = settings.s3_endpoint
        if settings.s3_region:
            config["region"] = settings.s3_region
        if settings.s3_access_key_id:
            config["access_key_id"] = settings.s3_access_key_id
        if settings.s3_secret_access_key:
            config["secret_access_key"] = settings.s3_secret_access_key
        endpoint = settings.s3_endpoint or os.environ.get("AWS_ENDPOINT_URL") or ""
        client_options: Any = {"allow_http": True} if endpoint.startswith("http://") else None
        self.store = S3Store(
            bucket,
            prefix=prefix.strip("/") or None,
            config=config or None,  # type: ignore[arg-type]
            client_options=client_options,
        )
        self.url = url

    async def begin(self) -> PendingBlob:
        return _S3Pending(self, f"tmp/{uuid.uuid4().hex}")

    async def stream(self, key: str, start: int = 0, end: int | None = None) -> AsyncIterator[bytes]:
        import obstore

        if end is not None and end <= start:
            return
        options: Any = None
        if start or end is not None:
            options = {"range": (start, end)} if end is not None else {"range": {"offset": start}}
        result = await obstore.get_async(self.store, key, options=options)
        async for chunk in result.stream(min_chunk_size=READ_CHUNK_BYTES):
            yield bytes(chunk)

    async def exists(self, key: str) -> bool:
        import obstore
        from obstore.exceptions import NotFoundError

        try:
            await obstore.head_async(self.store, key)
        except (NotFoundError, FileNotFoundError):
            return False
        return True

    async def delete(self, key: str) -> None:
        import obstore
        from obstore.exceptions import NotFoundError

        with contextlib.suppress(NotFoundError, FileNotFoundError):
            await obstore.delete_async(self.store, key)

    async def check(self) -> None:
        """List at most one object: the bucket answers, and these credentials may read it."""
        import obstore

        with contextlib.suppress(StopAsyncIteration):
            await anext(obstore.list(self.store, prefix="tmp/", chunk_size=1))


def build_storage(settings: Settings) -> Storage:
    """The backend named by ``DEALBENCH_STORAGE_URL`` (``file://DIR`` or ``s3://bucket/prefix``)."""
    url = settings.storage_url
    if url.startswith("file://"):
        return LocalStorage(Path(url[len("file://") :]).expanduser(), fsync=settings.storage_fsync)
    if url.startswith(("s3://", "s3a://")):
        return S3Storage(url, settings)
    if "://" not in url:
        return LocalStorage(Path(url).expanduser(), fsync=settings.storage_fsync)
    raise ValueError(f"Unsupported DEALBENCH_STORAGE_URL {url!r}: use file://DIR or s3://bucket/prefix")
