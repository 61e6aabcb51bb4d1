"""Set-based merges: the rows of a staging table into a tenant table, in one statement.

``INSERT INTO <table> (...) SELECT ... FROM <stage> ON CONFLICT (organization_id, <key>) DO UPDATE
SET ... WHERE <a written column changed>``:

- the last staged row of a repeated key wins (the highest ``row_no``);
- a row whose written columns are unchanged is not rewritten (no new row version, no index write);
- on PostgreSQL the rows go in key order, so two merges into one organization take their row locks
  in the same order and cannot deadlock (SQLite writers are serialized by ``BEGIN IMMEDIATE``).

The statement binds ``:org`` (the organization of every inserted row) and ``:now``; the repository of
the target table builds it with the columns only it knows (its key, its defaults) and runs it with
its caller's organization. Nothing here knows a table.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC
from typing import Any

from dealbench.kit.db import utcnow


def merge_sql(
    *,
    table: str,
    stage: str,
    key: Sequence[str],
    staged: Sequence[str],
    update: Sequence[str],
    postgres: bool,
    dedupe: bool = True,
    conflict_where: str | None = None,
    inserts: Mapping[str, str] | None = None,
    also_set: Sequence[str] = (),
    also_changed: Sequence[str] = (),
) -> str:
    """The merge statement of ``stage`` into ``table``.

    ``staged``: the staging columns inserted as they are; ``inserts``: further target columns and the
    SQL expression of each (over the staged row ``s``); ``update``: the columns a conflicting row takes
    from the staged one; ``also_set`` / ``also_changed``: further assignments of an update and further
    conditions that make it happen. ``dedupe=False`` when the stage is known to hold each key once.
    """
    keys = ", ".join(key)
    if postgres:
        # DISTINCT ON sorts by key, which the ORDER BY below (lock order) needs anyway.
        source = f"(SELECT DISTINCT ON ({keys}) * FROM {stage} ORDER BY {keys}, row_no DESC) AS s"
    elif not dedupe:
        source = f"{stage} AS s WHERE true"
    else:
        source = f"{stage} AS s WHERE s.row_no IN (SELECT max(row_no) FROM {stage} GROUP BY {keys})"
    order_by = ("ORDER BY " + ", ".join(f"s.{k}" for k in key) + " ") if postgres else ""
    distinct = "IS DISTINCT FROM" if postgres else "IS NOT"
    values_of: dict[str, str] = {"organization_id": ":org", "created_at": ":now", "updated_at": ":now"}
    values_of.update(inserts or {})
    sets = [f"{c} = excluded.{c}" for c in update]
    changed = [f"{table}.{c} {distinct} excluded.{c}" for c in update]
    sets += also_set
    changed += also_changed
    sets.append("updated_at = excluded.updated_at")
    columns = [*values_of, *staged]
    values = [*values_of.values(), *(f"s.{c}" for c in staged)]
    conflict = ", ".join(("organization_id", *key))
    where = f" WHERE {conflict_where}" if conflict_where else ""
    action = f"DO UPDATE SET {', '.join(sets)} WHERE {' OR '.join(changed)}" if changed else "DO NOTHING"
    return (
        f"INSERT INTO {table} ({', '.join(columns)}) SELECT {', '.join(values)} FROM {source} "
        f"{order_by}ON CONFLICT ({conflict}){where} {action}"
    )


def now_param(postgres: bool) -> Any:
    """``:now`` of a merge: a timestamp, or on SQLite the text the ``UTCDateTime`` columns store."""
    now = utcnow()
    return now if postgres else now.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
