"""The merge statement of a staging table into a tenant table, on each backend."""

from __future__ import annotations

from dealbench.kit.merge import merge_sql


def _sql(**kw: object) -> str:
    base: dict[str, object] = {
        "table": "t",
        "stage": "stg",
        "key": ("k",),
        "staged": ["k", "a", "b"],
        "update": ["a"],
    }
    return merge_sql(**{**base, **kw})  # type: ignore[arg-type]


def test_postgres_keeps_the_last_row_of_a_key_and_inserts_in_key_order() -> None:
    sql = _sql(postgres=True)
    assert "FROM (SELECT DISTINCT ON (k) * FROM stg ORDER BY k, row_no DESC) AS s ORDER BY s.k " in sql
    assert sql.endswith(
        "ON CONFLICT (organization_id, k) DO UPDATE SET a = excluded.a, updated_at = excluded.updated_at "
        "WHERE t.a IS DISTINCT FROM excluded.a"
    )
    assert sql.startswith(
        "INSERT INTO t (organization_id, created_at, updated_at, k, a, b) SELECT :org, :now, :now,"
    )


def test_sqlite_deduplicates_only_when_a_key_repeats() -> None:
    assert "WHERE s.row_no IN (SELECT max(row_no) FROM stg GROUP BY k)" in _sql(postgres=False)
    plain = _sql(postgres=False, dedupe=False)
    assert "FROM stg AS s WHERE true ON CONFLICT" in plain and "t.a IS NOT excluded.a" in plain


def test_a_file_that_writes_no_column_leaves_existing_rows_alone() -> None:
    assert _sql(postgres=True, update=[]).endswith("ON CONFLICT (organization_id, k) DO NOTHING")


def test_extra_values_assignments_and_conditions() -> None:
    sql = _sql(
        postgres=False,
        conflict_where="k IS NOT NULL",
        inserts={"flag": "coalesce(s.flag, false)"},
        also_set=("gone = false",),
        also_changed=("t.gone",),
    )
    assert "(organization_id, created_at, updated_at, flag, k, a, b)" in sql
    assert (
        "ON CONFLICT (organization_id, k) WHERE k IS NOT NULL DO UPDATE SET a = excluded.a, gone = false,"
        in sql
    )
    assert sql.endswith("WHERE t.a IS NOT excluded.a OR t.gone")
