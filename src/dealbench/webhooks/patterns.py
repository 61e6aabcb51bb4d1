"""Subscription filters: dot-separated event types where ``*`` stands for one or more segments
(``evaluation.*`` matches ``evaluation.updated`` and ``evaluation.buyer.viewed``; ``*`` matches
every event)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

_PATTERN = re.compile(r"^(\*|[a-z][a-z0-9_]*)(\.(\*|[a-z][a-z0-9_]*))*$")


def is_valid(pattern: str) -> bool:
    return bool(_PATTERN.match(pattern))


@lru_cache(maxsize=4096)
def _regex(pattern: str) -> re.Pattern[str]:
    parts = [r"[^.]+(?:\.[^.]+)*" if p == "*" else re.escape(p) for p in pattern.split(".")]
    return re.compile(r"\.".join(parts) + r"\Z")


def matches(pattern: str, event_type: str) -> bool:
    return _regex(pattern).match(event_type) is not None


def matches_any(patterns: Iterable[str], event_type: str) -> bool:
    return any(matches(p, event_type) for p in patterns)
