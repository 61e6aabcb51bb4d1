"""Secrets: token plaintexts, one-time codes and their keyed hashes."""

from __future__ import annotations

import hashlib
import hmac
import secrets

TOKEN_PREFIX = "dbk_"


def new_token(kind_suffix: str) -> str:
    """``dbk_`` + 192 random bits + ``o`` (organization) or ``p`` (personal)."""
    return f"{TOKEN_PREFIX}{secrets.token_urlsafe(24)}{kind_suffix}"


def new_code() -> str:
    return secrets.token_urlsafe(24)


def keyed_hash(secret_key: str, value: str) -> str:
    return hmac.new(secret_key.encode(), value.encode(), hashlib.sha256).hexdigest()
