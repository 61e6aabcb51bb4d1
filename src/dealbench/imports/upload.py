"""Receiving a CSV upload: streamed to a temporary file (in the server's scratch directory under
``var_dir/tmp``), the size limit enforced while streaming."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from starlette.requests import Request

from dealbench.kit.errors import BadRequest, PayloadTooLarge, UnsupportedMediaType, ValidationFailed
from dealbench.kit.uploads import FileSink, PartInfo, base_name, stream_multipart


class FileTooLarge(PayloadTooLarge):
    def jsend_data(self) -> dict[str, Any]:
        return {"file": self.message}


class FileMissing(ValidationFailed):
    """No usable ``file`` part: a Zod issue at the path ``["file"]`` (JSend: ``{"file": ...}``)."""

    def __init__(self, message: str) -> None:
        super().__init__([{"code": "custom", "path": ["file"], "message": message}], message)


class NotMultipart(UnsupportedMediaType):
    def jsend_data(self) -> dict[str, Any]:
        return {"file": self.message}


@dataclass
class ReceivedFile:
    path: Path
    filename: str | None
    size: int
    fields: dict[str, str]


class _TempSink:
    def __init__(self, fh: Any) -> None:
        self.fh = fh
        self.size = 0

    async def write(self, chunk: bytes) -> None:
        self.fh.write(chunk)
        self.size += len(chunk)

    async def close(self) -> None:
        self.fh.flush()


class _Discard:
    async def write(self, chunk: bytes) -> None:
        return None

    async def close(self) -> None:
        return None


@contextlib.asynccontextmanager
async def received_csv(request: Request, max_bytes: int, directory: Path) -> AsyncIterator[ReceivedFile]:
    """The multipart field ``file`` of the request, in a temporary file of ``directory`` deleted
    afterwards.

    A file over ``max_bytes`` is refused with 413 as soon as the limit is crossed: the rest of the
    body is never read and nothing is kept.
    """
    fd, name = tempfile.mkstemp(prefix="dealbench-import-", suffix=".csv", dir=directory)
    path = Path(name)
    try:
        with os.fdopen(fd, "wb") as fh:
            sink = _TempSink(fh)
            got: dict[str, str | None] = {}

            async def on_file(part: PartInfo) -> FileSink:
                if part.name != "file" or "file" in got:
                    return _Discard()
                got["file"] = base_name(part.filename) if part.filename else None
                return sink

            limit_mb = max_bytes / (1024 * 1024)
            try:
                fields = await stream_multipart(
                    request,
                    on_file=on_file,
                    max_file_bytes=max_bytes,
                    too_large_message=f"The file is larger than the {limit_mb:g} MB limit.",
                )
            except PayloadTooLarge as exc:
                raise FileTooLarge(exc.message) from None
            except UnsupportedMediaType as exc:
                raise NotMultipart(exc.message) from None
            except ValidationFailed:
                raise  # names the form field
            except BadRequest as exc:
                raise FileMissing(exc.message) from None
        if "file" not in got:
            raise FileMissing("Send the CSV file in the multipart form field 'file'.")
        yield ReceivedFile(path=path, filename=got["file"], size=sink.size, fields=fields)
    finally:
        with contextlib.suppress(OSError):
            os.unlink(name)
