"""Secrets: token plaintexts, one-time codes, their keyed hashes, and data sealed at rest."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from typing import Any

TOKEN_PREFIX = "dbk_"


def new_token(kind_suffix: str) -> str:
    """``dbk_`` + 192 random bits + ``o`` (organization) or ``p`` (personal)."""
    return f"{TOKEN_PREFIX}{secrets.token_urlsafe(24)}{kind_suffix}"


def new_code() -> str:
    return secrets.token_urlsafe(24)


def keyed_hash(secret_key: str, value: str) -> str:
    return hmac.new(secret_key.encode(), value.encode(), hashlib.sha256).hexdigest()


def _fernet(secret_key: str, purpose: str) -> Any:
    from cryptography.fernet import Fernet
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF

    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=purpose.encode()).derive(
        secret_key.encode()
    )
    return Fernet(base64.urlsafe_b64encode(key))


def seal(secret_key: str, purpose: str, data: bytes) -> bytes:
    """``data`` encrypted and authenticated (Fernet) with a key derived from the secret key for one
    ``purpose`` (HKDF-SHA256): what must be kept for a while but never readable at rest."""
    return _fernet(secret_key, purpose).encrypt(data)  # type: ignore[no-any-return]


def unseal(secret_key: str, purpose: str, token: bytes) -> bytes:
    """The data :func:`seal` encrypted (``cryptography.fernet.InvalidToken`` when tampered with)."""
    return _fernet(secret_key, purpose).decrypt(token)  # type: ignore[no-any-return]
