"""Streaming multipart uploads with bounded memory.

FastAPI's ``UploadFile`` parses the whole body before dependencies run (so before auth) and
spools it to a temporary file. Upload routes instead declare no form parameters and call
:func:`stream_multipart`: each file part is handed to a sink chunk by chunk as it arrives, sizes
are enforced while streaming (413 before the rest is read), and small text fields are collected.
A body is complete only when its closing boundary arrives: one cut short is a 400 (the caller then
discards what its sinks received), and so is the NUL character in a text field or a file name.

    async def on_file(part: PartInfo) -> FileSink: ...
    fields = await stream_multipart(request, on_file=on_file, max_file_bytes=limit)
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import unquote

from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.requests import Request

from dealbench.kit.errors import BadRequest, PayloadTooLarge, UnsupportedMediaType, ValidationFailed
from dealbench.kit.text import NUL, NUL_MESSAGE

DEFAULT_FIELD_LIMIT = 1024 * 1024


@dataclass(frozen=True, slots=True)
class PartInfo:
    name: str
    filename: str | None
    content_type: str


class FileSink(Protocol):
    async def write(self, chunk: bytes) -> None: ...

    async def close(self) -> None: ...


def multipart_openapi(**fields: dict[str, Any]) -> dict[str, Any]:
    """``openapi_extra`` documenting a multipart body read by :func:`stream_multipart`: a required
    ``file`` part plus optional text ``fields`` (name -> JSON schema)."""
    return {
        "requestBody": {
            "required": True,
            "content": {
                "multipart/form-data": {
                    "schema": {
                        "type": "object",
                        "required": ["file"],
                        "properties": {"file": {"type": "string", "format": "binary"}, **fields},
                    }
                }
            },
        }
    }


def base_name(filename: str) -> str:
    """``../../x.pdf`` -> ``x.pdf``: a client's path never becomes ours (``\\`` too)."""
    name = re.split(r"[\\/]", filename)[-1].strip().replace("\x00", "")
    return name if name not in {"", ".", ".."} else "upload"


def _disposition(raw: bytes) -> tuple[str, str | None]:
    _, params = parse_options_header(raw)
    name = params.get(b"name", b"").decode("utf-8", "replace")
    filename: str | None = None
    star = params.get(b"filename*")
    if star:
        text = star.decode("latin-1")
        charset, _, rest = text.partition("''")
        filename = unquote(rest or text, encoding=charset or "utf-8", errors="replace")
    elif b"filename" in params:
        filename = params[b"filename"].decode("utf-8", "replace")
    return name, filename


async def stream_multipart(
    request: Request,
    *,
    on_file: Callable[[PartInfo], Awaitable[FileSink]],
    max_file_bytes: int,
    max_total_bytes: int | None = None,
    max_field_bytes: int = DEFAULT_FIELD_LIMIT,
    too_large_message: str | None = None,
) -> dict[str, str]:
    """Stream a ``multipart/form-data`` body: files to their sinks, text fields returned."""
    ctype, params = parse_options_header(request.headers.get("content-type", ""))
    if ctype != b"multipart/form-data":
        raise UnsupportedMediaType("Send the file as multipart/form-data (field 'file').")
    boundary = params.get(b"boundary")
    if not boundary:
        raise BadRequest("Malformed multipart body: no boundary in the Content-Type header.")
    limit_total = max_total_bytes if max_total_bytes is not None else max_file_bytes + max_field_bytes * 4
    message = too_large_message or f"Upload too large: at most {max_file_bytes} bytes per file."
    length = request.headers.get("content-length")
    if length and length.isdigit() and int(length) > limit_total + 64 * 1024:
        raise PayloadTooLarge(message)

    events: list[tuple[str, Any]] = []
    header_field = bytearray()
    header_value = bytearray()

    def on_header_field(data: bytes, start: int, end: int) -> None:
        header_field.extend(data[start:end])

    def on_header_value(data: bytes, start: int, end: int) -> None:
        header_value.extend(data[start:end])

    def on_header_end() -> None:
        events.append(("header", (bytes(header_field).lower(), bytes(header_value))))
        header_field.clear()
        header_value.clear()

    callbacks: Any = {
        "on_part_begin": lambda: events.append(("begin", None)),
        "on_header_field": on_header_field,
        "on_header_value": on_header_value,
        "on_header_end": on_header_end,
        "on_headers_finished": lambda: events.append(("headers", None)),
        "on_part_data": lambda data, start, end: events.append(("data", data[start:end])),
        "on_part_end": lambda: events.append(("end", None)),
        "on_end": lambda: events.append(("finished", None)),
    }
    parser = MultipartParser(boundary, callbacks)

    fields: dict[str, str] = {}
    headers: dict[bytes, bytes] = {}
    sink: FileSink | None = None
    field_name: str | None = None
    field_buf = bytearray()
    part_size = 0
    total = 0
    saw_part = False
    finished = False

    async def process() -> None:
        nonlocal sink, field_name, part_size, saw_part, finished
        for kind, value in events:
            if kind == "begin":
                headers.clear()
                sink, field_name, part_size = None, None, 0
                field_buf.clear()
            elif kind == "header":
                headers[value[0]] = value[1]
            elif kind == "headers":
                saw_part = True
                name, filename = _disposition(headers.get(b"content-disposition", b""))
                if NUL in name:
                    raise ValidationFailed.at([name.replace(NUL, "")], f"The part's name: {NUL_MESSAGE}")
                if filename is not None and NUL in filename:
                    raise ValidationFailed.at([name], f"The file name: {NUL_MESSAGE}")
                if filename is not None:
                    content_type = headers.get(b"content-type", b"application/octet-stream").decode("latin-1")
                    sink = await on_file(PartInfo(name=name, filename=filename, content_type=content_type))
                else:
                    field_name = name
            elif kind == "data":
                part_size += len(value)
                if sink is not None:
                    if part_size > max_file_bytes:
                        raise PayloadTooLarge(message)
                    await sink.write(value)
                else:
                    if part_size > max_field_bytes:
                        raise PayloadTooLarge(f"Form field '{field_name}' too large.")
                    field_buf.extend(value)
            elif kind == "end":
                if sink is not None:
                    await sink.close()
                    sink = None
                elif field_name is not None:
                    value = field_buf.decode("utf-8", "replace")
                    if NUL in value:
                        raise ValidationFailed.at([field_name], NUL_MESSAGE)
                    fields[field_name] = value
                    field_name = None
            elif kind == "finished":
                finished = True
        events.clear()

    try:
        async for chunk in request.stream():
            total += len(chunk)
            if total > limit_total:
                raise PayloadTooLarge(message)
            try:
                parser.write(chunk)
            except Exception as exc:  # python-multipart raises its own errors on malformed input
                raise BadRequest(f"Malformed multipart body: {exc}") from exc
            await process()
        try:
            parser.finalize()
        except Exception as exc:
            raise BadRequest(f"Malformed multipart body: {exc}") from exc
        await process()
    except BaseException:
        events.clear()
        raise
    if not saw_part:
        raise BadRequest("Malformed or empty multipart body.")
    if not finished:
        raise BadRequest("Malformed multipart body: it ends before its closing boundary.")
    return fields
