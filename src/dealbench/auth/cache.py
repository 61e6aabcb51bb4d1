"""The per-process principal cache: a read request whose token was seen recently skips the token
lookup, and a change that could refuse or narrow a token is seen by every process at once.

Entries are keyed by the token's keyed hash and hold the token, its organization and its user as
read by a request; each carries the deployment's auth version (``kit/versions.py``) read *before*
that lookup. A request compares it with the version now (one ``stat`` on the embedded default; with
Redis, read by the rate limiter's Lua script in the request's one round trip, or one ``GET`` when
the token is not cached) and looks the token up again when it moved. The version moves after every commit
that changed an API token, a user or an organization (revocation, scopes, removal, a role, the
organization's API switch and settings) — whatever committed it: a request, GraphQL, the command
line — before the request that changed it answers. So a revoked token never works again after the
revoking request returns, on any process. Expiry is checked at every use, as before.

Only reads use the cache (their services do not write through the principal's objects); a write
request always reads the token afresh. Without a version every process can trust (several server
processes, or PostgreSQL, without Redis), the cache is off.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import event, inspect
from sqlalchemy.orm import ORMExecuteState, Session, UOWTransaction

from dealbench.kit.services import AUTH_VERSIONS
from dealbench.models import ApiToken, Organization, User

_TABLES = {ApiToken.__tablename__, User.__tablename__, Organization.__tablename__}
#: A change of these alone says nothing about what a token may do.
_BOOKKEEPING = {"last_used_at", "updated_at"}
_CHANGED = "auth_changed"
MAX_ENTRIES = 10_000


@dataclass(frozen=True, slots=True)
class Entry:
    token: ApiToken
    organization: Organization
    user: User | None
    version: int


class PrincipalCache:
    """``{token hash: Entry}`` of one process."""

    def __init__(self) -> None:
        self._entries: dict[str, Entry] = {}

    def get(self, digest: str, version: int) -> Entry | None:
        entry = self._entries.get(digest)
        if entry is None:
            return None
        if entry.version != version:
            self._entries.clear()  # every entry is as old: none can be trusted
            return None
        return entry

    def peek(self, digest: str) -> Entry | None:
        """The entry of ``digest`` whatever its version (to be confirmed with :meth:`get`)."""
        return self._entries.get(digest)

    def put(self, digest: str, entry: Entry) -> None:
        if len(self._entries) >= MAX_ENTRIES:
            self._entries.clear()
        self._entries[digest] = entry

    def clear(self) -> None:
        self._entries.clear()


def _changes_auth(obj: Any, deleted: bool) -> bool:
    if not isinstance(obj, (ApiToken, User, Organization)):
        return False
    if deleted:
        return True
    state: Any = inspect(obj)
    changed = {a.key for a in state.attrs if a.history.has_changes()}
    return bool(changed - _BOOKKEEPING)


@event.listens_for(Session, "before_flush")
def _before_flush(session: Session, _flush: UOWTransaction, _instances: Iterable[Any] | None) -> None:
    if any(_changes_auth(o, False) for o in session.dirty) or any(
        _changes_auth(o, True) for o in session.deleted
    ):
        session.info[_CHANGED] = True


@event.listens_for(Session, "do_orm_execute")
def _on_execute(state: ORMExecuteState) -> None:
    if not (state.is_update or state.is_delete):
        return
    table = getattr(state.statement, "table", None)
    if getattr(table, "name", None) not in _TABLES:
        return
    values = getattr(state.statement, "_values", None) or {}
    columns = {getattr(k, "key", k) for k in values}
    if state.is_delete or not columns or columns - _BOOKKEEPING:
        state.session.info[_CHANGED] = True


@event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    if session.info.pop(_CHANGED, False):
        versions = session.info.get(AUTH_VERSIONS)
        if versions is not None:
            versions.bump()


@event.listens_for(Session, "after_soft_rollback")
def _after_rollback(session: Session, previous: Any) -> None:
    if previous.parent is None:  # the outermost transaction: nothing it flagged was committed
        session.info.pop(_CHANGED, None)
