"""The archive: one zip file.

- ``manifest.json``: format and version, the Dealbench version and schema revision that wrote it,
  when, the source organization (id, slug, name), the secret key's fingerprint, and per table (in
  load order) its file, row count and columns; the blobs' count and bytes; what did not travel.
- ``tables/<table>.jsonl``: one JSON object per row (column -> value), in primary-key order, with
  the source's ids. Timestamps are ISO 8601 with offset, dates ``YYYY-MM-DD``, binary base64,
  enums their stored name, decimals strings; JSON columns hold their JSON.
- ``blobs/<sha256>``: each document blob once, stored uncompressed (documents rarely compress).

Zip because every member is written as a stream (no size needed up front), read back by name in
any order (the manifest is written last, read first), and opened by any tool; members are
``ZIP64`` so neither a table nor a blob is limited to 4 GiB.
"""

from __future__ import annotations

import base64
import uuid
import zipfile
from collections.abc import Callable, Iterator
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from pathlib import Path
from typing import IO, Any

import orjson
from sqlalchemy import JSON, Column, Date, DateTime, LargeBinary, Numeric, Uuid
from sqlalchemy import Enum as SAEnum

FORMAT = "dealbench-organization"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
TABLES_DIR = "tables/"
BLOBS_DIR = "blobs/"
CHUNK_BYTES = 1024 * 1024


class TransferError(Exception):
    """An export or import that cannot go on; the message says why (the CLI prints it)."""


class ArchiveError(TransferError):
    """The file is not an archive this Dealbench can read, or it is damaged."""


def table_member(table: str) -> str:
    return f"{TABLES_DIR}{table}.jsonl"


def blob_member(sha256: str) -> str:
    return f"{BLOBS_DIR}{sha256}"


# --------------------------------------------------------------------------- values


def _default(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, bytes | bytearray | memoryview):
        return base64.b64encode(bytes(value)).decode("ascii")
    if isinstance(value, uuid.UUID):
        return str(value)
    raise TypeError(f"cannot write {type(value).__name__} to an archive")


def encoder(column: Column[Any]) -> Callable[[Any], Any]:
    """Turns a column's Python value into what the JSON line holds."""
    if isinstance(column.type, SAEnum):
        return lambda v: v.name if isinstance(v, Enum) else v
    if isinstance(column.type, LargeBinary):
        return lambda v: None if v is None else base64.b64encode(bytes(v)).decode("ascii")
    return lambda v: v


def decoder(column: Column[Any]) -> Callable[[Any], Any]:
    """Turns a JSON line's value back into what the column takes."""
    ctype = column.type
    # Look through TypeDecorators (UTCDateTime) to the type they store.
    impl = getattr(ctype, "impl", ctype)
    if isinstance(ctype, JSON):
        return lambda v: v
    if isinstance(ctype, SAEnum) and ctype.enum_class is not None:
        members = ctype.enum_class.__members__
        return lambda v: members.get(v, v) if isinstance(v, str) else v
    if isinstance(impl, DateTime):
        return lambda v: datetime.fromisoformat(v) if isinstance(v, str) else v
    if isinstance(impl, Date):
        return lambda v: date.fromisoformat(v) if isinstance(v, str) else v
    if isinstance(impl, LargeBinary):
        return lambda v: base64.b64decode(v) if isinstance(v, str) else v
    if isinstance(impl, Uuid):
        return lambda v: uuid.UUID(v) if isinstance(v, str) else v
    if isinstance(impl, Numeric) and impl.asdecimal:
        return lambda v: Decimal(v) if isinstance(v, str | int | float) else v
    return lambda v: v


def dumps(row: dict[str, Any]) -> bytes:
    return orjson.dumps(row, default=_default) + b"\n"


# --------------------------------------------------------------------------- writing


class ArchiveWriter:
    """Writes members one at a time into ``path`` + ``.part``; :meth:`finish` renames it into place,
    so a failed export never leaves a half archive under the requested name."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.part = path.with_name(path.name + ".part")
        try:
            self.zip = zipfile.ZipFile(self.part, "w", allowZip64=True)
        except OSError as exc:
            raise TransferError(f"cannot write {path}: {exc.strerror or exc}") from None

    def _info(self, name: str, compress: bool) -> zipfile.ZipInfo:
        info = zipfile.ZipInfo(name, date_time=datetime.now().timetuple()[:6])
        info.compress_type = zipfile.ZIP_DEFLATED if compress else zipfile.ZIP_STORED
        info.external_attr = 0o644 << 16
        return info

    def open(self, name: str, *, compress: bool) -> IO[bytes]:
        return self.zip.open(self._info(name, compress), "w", force_zip64=True)

    def write_manifest(self, manifest: dict[str, Any]) -> None:
        data = orjson.dumps(manifest, option=orjson.OPT_INDENT_2) + b"\n"
        self.zip.writestr(self._info(MANIFEST, True), data)

    def finish(self) -> None:
        self.zip.close()
        self.part.replace(self.path)

    def abort(self) -> None:
        self.zip.close()
        self.part.unlink(missing_ok=True)


# --------------------------------------------------------------------------- reading


class ArchiveReader:
    def __init__(self, path: Path) -> None:
        try:
            self.zip = zipfile.ZipFile(path, "r")
        except (zipfile.BadZipFile, OSError) as exc:
            raise ArchiveError(f"{path} is not a Dealbench organization archive ({exc})") from None
        try:
            self.manifest: dict[str, Any] = orjson.loads(self.zip.read(MANIFEST))
        except KeyError:
            raise ArchiveError(f"{path} has no {MANIFEST}: not a Dealbench organization archive") from None
        except orjson.JSONDecodeError as exc:
            raise ArchiveError(f"{path}: {MANIFEST} is damaged ({exc})") from None
        if self.manifest.get("format") != FORMAT:
            raise ArchiveError(f"{path} is not a Dealbench organization archive")
        version = self.manifest.get("formatVersion")
        if not isinstance(version, int) or version > FORMAT_VERSION:
            raise ArchiveError(
                f"{path} is in archive format {version}; this Dealbench reads up to {FORMAT_VERSION}: upgrade it"
            )
        self.names = set(self.zip.namelist())

    def tables(self) -> dict[str, dict[str, Any]]:
        return {t["name"]: t for t in self.manifest.get("tables", [])}

    def rows(self, table: str) -> Iterator[tuple[int, dict[str, Any]]]:
        """``(bytes of the line, row)`` for each line of a table's file (none when it is absent)."""
        name = table_member(table)
        if name not in self.names:
            return
        with self.zip.open(name) as fh:
            for line in fh:
                if line.strip():
                    try:
                        yield len(line), orjson.loads(line)
                    except orjson.JSONDecodeError as exc:
                        raise ArchiveError(f"{name} is damaged ({exc})") from None

    def has_blob(self, sha256: str) -> bool:
        return blob_member(sha256) in self.names

    def blob_digests(self) -> list[str]:
        return sorted(n[len(BLOBS_DIR) :] for n in self.names if n.startswith(BLOBS_DIR) and n != BLOBS_DIR)

    def blob_size(self, sha256: str) -> int:
        return self.zip.getinfo(blob_member(sha256)).file_size

    def open_blob(self, sha256: str) -> IO[bytes]:
        return self.zip.open(blob_member(sha256))

    def close(self) -> None:
        self.zip.close()
