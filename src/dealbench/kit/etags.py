"""Entity tags of single objects on ``/v1``: ``ETag``, ``If-None-Match`` (304) and ``If-Match`` (412).

The version of an object is its representation: the ETag is a strong validator computed from the
bytes a ``GET`` of the object answers (the presenter's output through ``orjson``), so whatever
shows in the representation — a field, a label, a deal link, a plan's progress — changes it, and
nothing needs a version column. Computing it costs one BLAKE2b of bytes the answer already holds.

- ``GET`` answers ``ETag``; ``If-None-Match`` naming it (weak comparison, RFC 9110 §13.1.2), or
  ``*``, answers ``304 Not Modified`` with the ``ETag`` and no body.
- A write (``PUT``, ``PATCH``, ``POST`` of an update, ``DELETE``) with ``If-Match`` first takes the
  row lock the write takes, renders the locked object as a ``GET`` would, and compares (strong
  comparison: a weak ``W/"..."`` validator never matches; ``*`` matches any existing object). A
  mismatch is ``412 Precondition Failed`` and nothing is written. The lock is held until the
  transaction ends, so two writes naming the same version run one after the other and the second
  sees the first's result: one succeeds, the other answers 412.
- Without ``If-Match`` a write behaves as it always did.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Awaitable, Callable
from typing import Annotated, Any, TypeVar

import orjson
from fastapi import Header
from starlette.responses import Response

from dealbench.kit.errors import PreconditionFailed

T = TypeVar("T")

IfNoneMatch = Annotated[
    str | None,
    Header(
        alias="If-None-Match",
        max_length=4096,
        description="ETags (or `*`) of versions the client holds: `304 Not Modified` when one is current "
        "(weak comparison).",
    ),
]
IfMatch = Annotated[
    str | None,
    Header(
        alias="If-Match",
        max_length=4096,
        description="ETags (or `*`) of the version the write applies to: `412 Precondition Failed`, and "
        "nothing written, when none is current (strong comparison).",
    ),
]

#: The ``ETag`` header of an answer, for the OpenAPI document.
ETAG_HEADER = {
    "description": "The version of the object: a strong validator of this representation.",
    "schema": {"type": "string"},
}


def etag_of(body: bytes) -> str:
    """The strong ETag of a representation: a quoted, unpadded base64url BLAKE2b-128 of its bytes."""
    digest = hashlib.blake2b(body, digest_size=16).digest()
    return '"' + base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii") + '"'


def _tags(header: str) -> list[str]:
    """The entity tags of an ``If-Match``/``If-None-Match`` list, as written (``W/`` kept)."""
    tags: list[str] = []
    rest = header.strip()
    while rest:
        weak = rest.startswith("W/")
        body = rest[2:] if weak else rest
        if body.startswith('"'):
            end = body.find('"', 1)
            if end < 0:
                tags.append(rest)
                break
            tags.append(("W/" if weak else "") + body[: end + 1])
            rest = body[end + 1 :]
        else:
            item, _, rest = rest.partition(",")
            if item.strip():
                tags.append(item.strip())
        rest = rest.lstrip().removeprefix(",").lstrip()
    return tags


def matches_weakly(header: str, etag: str) -> bool:
    """``If-None-Match``: ``*``, or a listed tag equal to ``etag`` once ``W/`` is ignored."""
    if header.strip() == "*":
        return True
    return any(tag.removeprefix("W/") == etag for tag in _tags(header))


def matches_strongly(header: str, etag: str) -> bool:
    """``If-Match``: ``*``, or a listed strong tag equal to ``etag`` (a weak tag never matches)."""
    if header.strip() == "*":
        return True
    return any(tag == etag for tag in _tags(header))


def tagged_response(payload: Any, if_none_match: str | None = None) -> Response:
    """A single object's answer: its JSON with its ``ETag``, or ``304`` when the client holds it."""
    body = orjson.dumps(payload)
    etag = etag_of(body)
    if if_none_match is not None and matches_weakly(if_none_match, etag):
        return Response(status_code=304, headers={"ETag": etag})
    return Response(body, media_type="application/json", headers={"ETag": etag})


async def require_current(if_match: str | None, current: Callable[[], Awaitable[Any]]) -> None:
    """Refuse a write whose ``If-Match`` names no current version (412); nothing without ``If-Match``.

    ``current`` takes the row lock the write is about to take (and those it takes before it, in its
    order) and answers the object's representation as ``GET`` presents it (404 when it is gone).
    """
    if if_match is None:
        return
    representation = await current()
    if not matches_strongly(if_match, etag_of(orjson.dumps(representation))):
        raise PreconditionFailed()


async def presented(found: Awaitable[T], present: Callable[[T], Any]) -> Any:
    """``present(await found)``: a locked read and its presenter, as ``current`` of :func:`require_current`."""
    return present(await found)
