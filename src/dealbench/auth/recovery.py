"""Forgotten passwords: a one-time link that lets a person choose a new password.

The link carries ``<user id>.<expiry>.<signature>``, where the signature is the HMAC (the server's
secret key) of the user id, the expiry and a fingerprint of the user's current password hash. So,
without any table:

- it cannot be forged or pointed at another user (the HMAC);
- it dies at its expiry (:data:`LIFETIME`);
- it works once: setting the new password changes the hash, so the fingerprint and the signature
  no longer match; a password changed by any other way ends it too.
"""

from __future__ import annotations

import hmac
import re
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from dealbench.auth import repository
from dealbench.kit.crypto import keyed_hash
from dealbench.kit.db import utcnow
from dealbench.models import User

LIFETIME = timedelta(minutes=30)
_TOKEN = re.compile(r"^(\d{1,10})\.(\d{1,12})\.([0-9a-f]{64})$")


def _signature(secret_key: str, user_id: int, expires: int, password_hash: str) -> str:
    fingerprint = keyed_hash(secret_key, f"password-fingerprint:{password_hash}")
    return keyed_hash(secret_key, f"password-reset:{user_id}:{expires}:{fingerprint}")


def reset_token(secret_key: str, user: User, *, lifetime: timedelta = LIFETIME) -> str:
    """The token of a reset link for ``user`` (who has a password), valid for ``lifetime``."""
    assert user.password_hash is not None
    expires = int((utcnow() + lifetime).timestamp())
    return f"{user.id}.{expires}.{_signature(secret_key, user.id, expires, user.password_hash)}"


async def user_of_token(session: AsyncSession, secret_key: str, token: str) -> User | None:
    """The user a live, unused reset token names (locked for the change), or ``None``."""
    found = _TOKEN.match(token)
    if found is None:
        return None
    user_id, expires, signature = int(found[1]), int(found[2]), found[3]
    if expires <= utcnow().timestamp() or user_id > 2**31 - 1:
        return None
    user = await repository.user_with_password(session, user_id)
    if user is None or user.password_hash is None:
        return None
    expected = _signature(secret_key, user.id, expires, user.password_hash)
    return user if hmac.compare_digest(expected, signature) else None
