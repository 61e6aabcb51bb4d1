"""Subscription filters: dot-separated event types where ``*`` stands for one or more segments
(``evaluation.*`` matches ``evaluation.updated`` and ``evaluation.buyer.viewed``; ``*`` matches
every event)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache
from typing import Annotated

from pydantic import WithJsonSchema

#: The grammar of a filter, as the API documents it.
PATTERN = r"^(\*|[a-z][a-z0-9_]*)(\.(\*|[a-z][a-z0-9_]*))*$"
_PATTERN = re.compile(PATTERN)

#: An event filter in a request body: declared with its pattern; the service checks it and names
#: the offending item in its own words.
EventFilter = Annotated[
    str,
    WithJsonSchema(
        {
            "type": "string",
            "pattern": PATTERN,
            "maxLength": 200,
            "description": "An event type or a `*` pattern.",
        }
    ),
]


def is_valid(pattern: str) -> bool:
    return len(pattern) <= 200 and bool(_PATTERN.match(pattern))


@lru_cache(maxsize=4096)
def _regex(pattern: str) -> re.Pattern[str]:
    parts = [r"[^.]+(?:\.[^.]+)*" if p == "*" else re.escape(p) for p in pattern.split(".")]
    return re.compile(r"\.".join(parts) + r"\Z")


def matches(pattern: str, event_type: str) -> bool:
    return _regex(pattern).match(event_type) is not None


def matches_any(patterns: Iterable[str], event_type: str) -> bool:
    return any(matches(p, event_type) for p in patterns)
