"""Serving a file's bytes over HTTP: one ``Range`` of bytes, and the ``Content-Disposition`` of a
download."""

from __future__ import annotations

import re
from urllib.parse import quote

from dealbench.kit.errors import DealbenchError


class RangeNotSatisfiable(DealbenchError):
    status_code = 416
    default_message = "Range not satisfiable."


_RANGE = re.compile(r"([0-9]{0,20})-([0-9]{0,20})", re.ASCII)


def parse_range(header: str | None, size: int) -> tuple[int, int] | None:
    """``Range: bytes=a-b`` (one range) -> ``(start, end_exclusive)``; None for the whole body."""
    if not header:
        return None
    unit, _, spec = header.strip().partition("=")
    if unit.strip().lower() != "bytes" or "," in spec:
        return None  # other units and multiple ranges: the whole body (allowed by RFC 9110)
    bad = RangeNotSatisfiable(
        f"Range '{header[:100]}' not satisfiable for {size} bytes.",
        headers={"Content-Range": f"bytes */{size}"},
    )
    match = _RANGE.fullmatch(spec.strip())
    if match is None:
        raise bad
    first, last = match.group(1), match.group(2)
    if not first and not last:
        raise bad
    if not first:  # suffix: the last N bytes
        n = int(last)
        if n == 0 or size == 0:
            raise bad
        return max(0, size - n), size
    start = int(first)
    end = min(int(last) + 1, size) if last else size
    if start >= size or (last and int(last) < start):
        raise bad
    return start, end


def content_disposition(name: str) -> str:
    """``attachment`` with an ASCII fallback and the exact (RFC 5987) UTF-8 name."""
    fallback = "".join(ch if 32 <= ord(ch) < 127 and ch not in '"\\' else "_" for ch in name) or "download"
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"
