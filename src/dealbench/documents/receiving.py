"""Receiving an uploaded document from an HTTP request, for the adapters that take uploads (the
``/v1`` routes and the web pages): the one ``file`` part of a ``multipart/form-data`` body is
streamed into a pending blob of the storage (hashed on the way), then handed to ``record`` (a
service of :mod:`.uploads`), with the form's text fields. The blob is discarded on any failure."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request

from dealbench.documents.storage import get_storage
from dealbench.kit.errors import ValidationFailed
from dealbench.kit.services import Services
from dealbench.kit.storage import PendingBlob
from dealbench.kit.uploads import PartInfo, stream_multipart

#: What ``record`` is called with: the blob, then ``file_name``, ``content_type`` and ``form``.
Record = Callable[..., Awaitable[Any]]


async def receive_upload(
    request: Request, services: Services, record: Record, *, skip: tuple[str, ...] = ()
) -> Any:
    """Stream the one ``file`` part of the body into a pending blob, then ``record`` it; text
    fields named in ``skip`` (a page's ``csrf_token``) are not handed on."""
    storage = get_storage(services)
    received: list[tuple[PendingBlob, PartInfo]] = []

    async def on_file(part: PartInfo) -> PendingBlob:
        if part.name != "file":
            raise ValidationFailed.at(
                ["file"], f"Send the document in the form field 'file' (a file came in '{part.name}')."
            )
        if received:
            raise ValidationFailed.at(["file"], "Send one file per request.")
        received.append((await storage.begin(), part))
        return received[0][0]

    limit = services.settings.max_upload_bytes
    try:
        form = await stream_multipart(
            request,
            on_file=on_file,
            max_file_bytes=limit,
            too_large_message=f"Upload too large: at most {limit} bytes per file (DEALBENCH_MAX_UPLOAD_BYTES).",
        )
        if not received:
            if "file" in form:
                raise ValidationFailed.at(["file"], "'file' must be a file part (with a filename).")
            raise ValidationFailed.at(
                ["file"], "Required", code="invalid_type", expected="file", received="undefined"
            )
        blob, part = received[0]
        fields = {k: v for k, v in form.items() if k not in skip}
        return await record(
            blob, file_name=part.filename or "upload", content_type=part.content_type, form=fields
        )
    except BaseException:
        for blob, _ in received:
            await blob.discard()
        raise
