"""Text every dialect refuses: the NUL character.

PostgreSQL cannot store ``\\u0000`` in a text column (SQLite can), so it is refused everywhere, on
both backends alike, before anything is stored: in JSON bodies, query strings, paths and form
values by the middleware, in GraphQL documents and variables by the GraphQL endpoint, in multipart
text fields and file names by the upload reader. A CSV import turns a row holding one into an
error row.
"""

from __future__ import annotations

import re
from typing import Any

NUL = "\x00"
NUL_MESSAGE = "Text may not contain the NUL character (\\u0000)."

#: ``\u0000`` as a JSON escape (an odd number of backslashes before ``u0000``), or a raw NUL byte.
_JSON_NUL = re.compile(rb"(?<!\\)(?:\\\\)*\\u0000|\x00")


def find_nul(value: Any, path: tuple[str | int, ...] = ()) -> list[str | int] | None:
    """The path of the first string (key or value) holding a NUL in decoded JSON-like data."""
    stack: list[tuple[Any, tuple[str | int, ...]]] = [(value, path)]
    while stack:
        current, where = stack.pop()
        if isinstance(current, str):
            if NUL in current:
                return list(where)
        elif isinstance(current, dict):
            for key, item in reversed(list(current.items())):
                if isinstance(key, str) and NUL in key:
                    return [*where, key]
                stack.append((item, (*where, key)))
        elif isinstance(current, list | tuple):
            stack.extend((item, (*where, i)) for i, item in reversed(list(enumerate(current))))
    return None


def json_may_hold_nul(raw: bytes) -> bool:
    """Whether a JSON text may decode to a string holding a NUL (a cheap scan of the bytes)."""
    return b"\x00" in raw or (b"u0000" in raw and _JSON_NUL.search(raw) is not None)
