"""Passwords of the web app: argon2id hashes (argon2-cffi's defaults, RFC 9106's second
recommendation), hashed and checked in a worker thread so the event loop keeps serving."""

from __future__ import annotations

from functools import cache

import anyio.to_thread
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from dealbench.kit.errors import ValidationFailed

MIN_LENGTH = 8
#: Longer inputs are refused before hashing: a password is not a place for a megabyte.
MAX_LENGTH = 1024

_hasher = PasswordHasher()


@cache
def _dummy() -> str:
    """Checked when no account matches, so a wrong email costs the same time as a wrong password
    (made at first use: a hash costs 64 MiB and tens of milliseconds, which no command should pay
    at start-up)."""
    return _hasher.hash("dealbench: no such account")


def check_strength(password: str, *, path: str = "password") -> str:
    """The password, or a validation issue at ``path`` (the same words on every surface)."""
    if len(password) < MIN_LENGTH:
        raise ValidationFailed.at([path], f"A password needs at least {MIN_LENGTH} characters.")
    if len(password) > MAX_LENGTH:
        raise ValidationFailed.at([path], f"A password has at most {MAX_LENGTH} characters.")
    return password


async def hash_password(password: str) -> str:
    return await anyio.to_thread.run_sync(_hasher.hash, check_strength(password))


def _verify(stored: str | None, password: str) -> bool:
    try:
        return _hasher.verify(stored or _dummy(), password) and stored is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


async def verify_password(stored: str | None, password: str) -> bool:
    """Whether ``password`` matches ``stored`` (``None``: never, after the same work)."""
    if len(password) > MAX_LENGTH:
        return False
    return await anyio.to_thread.run_sync(_verify, stored, password)
