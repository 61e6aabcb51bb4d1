"""The transfer plan: which tables travel, how to find an organization's rows in each, which columns
hold ids, and the order to load them in. Built from the SQLAlchemy metadata and the declarations,
never from a hand-kept list of tables.

- A table travels when it has a NOT NULL foreign key to ``organizations`` (its rows are the
  organization's), or a NOT NULL foreign key to a table that travels (``team_members`` through
  ``teams``): the walk follows parents until it reaches the organization.
- Ids are renumbered in the destination: every foreign key, every declared reference and every
  declared JSON id goes through the id map of its table.
- Load order is topological over the references. A cycle (``deals.project_id`` and
  ``projects.deal_id``) is broken at a nullable reference: that column is written null first and
  filled in once its table is loaded. Self-references (a folder's parent) point backwards in id
  order and are resolved row by row.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from sqlalchemy import JSON, Column, Integer, MetaData, Table, UniqueConstraint

from dealbench.transfer import declarations as d


class PlanError(Exception):
    """The metadata has something the declarations do not place; the message lists every problem."""


@dataclass(frozen=True)
class Declarations:
    root: str = d.ROOT_TABLE
    not_exported: Mapping[str, str] = field(default_factory=lambda: d.NOT_EXPORTED)
    not_exported_columns: Mapping[str, str] = field(default_factory=lambda: d.NOT_EXPORTED_COLUMNS)
    references: Mapping[str, str] = field(default_factory=lambda: d.REFERENCES)
    external_ids: Mapping[str, str] = field(default_factory=lambda: d.EXTERNAL_IDS)
    json_ids: Mapping[str, d.JsonIds] = field(default_factory=lambda: d.JSON_IDS)
    id_free_json: frozenset[str] = field(default_factory=lambda: d.ID_FREE_JSON)
    blobs: Mapping[str, d.BlobColumns] = field(default_factory=lambda: d.BLOBS)


@dataclass(frozen=True)
class Reference:
    column: str
    target: str
    nullable: bool
    #: A real foreign key (False: declared in REFERENCES, no constraint).
    foreign_key: bool


@dataclass
class TablePlan:
    table: Table
    #: The column that ties a row to its organization (``organization_id``) or to its parent row;
    #: None for the root.
    scope_column: str | None = None
    #: The table ``scope_column`` points at (the root for ``organization_id``).
    scope_parent: str | None = None
    #: The column of ``scope_parent`` that ``scope_column`` holds.
    scope_target: str | None = None
    #: The integer primary key that gets new values in the destination (None: composite key).
    key: str | None = None
    #: The columns that travel, in table order.
    columns: list[str] = field(default_factory=list)
    references: dict[str, Reference] = field(default_factory=dict)
    #: References written after their table is loaded (cycles).
    deferred: set[str] = field(default_factory=set)
    json: dict[str, d.JsonIds] = field(default_factory=dict)
    blob: d.BlobColumns | None = None
    #: Columns unique across the whole table whose values are copied (uuids, token hashes ...):
    #: checked against the destination before each batch.
    global_unique: list[str] = field(default_factory=list)

    @property
    def name(self) -> str:
        return self.table.name


@dataclass
class Plan:
    root: str
    tables: list[TablePlan]
    excluded: dict[str, str]
    excluded_columns: dict[str, str]

    def __post_init__(self) -> None:
        self._by_name = {t.name: t for t in self.tables}

    def __getitem__(self, name: str) -> TablePlan:
        return self._by_name[name]

    def __contains__(self, name: object) -> bool:
        return name in self._by_name


def _not_null_fks(table: Table) -> list[tuple[Column[object], str, str]]:
    """``(column, referred table, referred column)`` for each single-column NOT NULL foreign key."""
    out = []
    for column in table.c:
        if column.nullable:
            continue
        for fk in column.foreign_keys:
            out.append((column, fk.column.table.name, fk.column.name))
    return out


def _renumbered_key(table: Table) -> str | None:
    pk = list(table.primary_key.columns)
    if len(pk) == 1 and isinstance(pk[0].type, Integer) and pk[0].autoincrement in (True, "auto"):
        return pk[0].name
    return None


def _unique_sets(table: Table) -> list[list[str]]:
    sets = [[c.name for c in con.columns] for con in table.constraints if isinstance(con, UniqueConstraint)]
    sets += [[c.name for c in ix.columns] for ix in table.indexes if ix.unique]
    sets += [[c.name] for c in table.c if c.unique]
    return sets


def build_plan(metadata: MetaData, decl: Declarations | None = None) -> Plan:
    decl = decl or Declarations()
    problems: list[str] = []
    tables = list(metadata.sorted_tables)
    names = {t.name for t in tables}
    position = {t.name: i for i, t in enumerate(tables)}

    def declared_column(key: str, what: str) -> None:
        table, _, column = key.partition(".")
        if table not in names or column not in metadata.tables[table].c:
            problems.append(f"{what} names {key}, which is not a column of the schema")

    for key in decl.not_exported:
        if key not in names:
            problems.append(f"NOT_EXPORTED names {key}, which is not a table of the schema")
        if not decl.not_exported[key].strip():
            problems.append(f"NOT_EXPORTED gives no reason for {key}")
    for mapping, what in (
        (decl.not_exported_columns, "NOT_EXPORTED_COLUMNS"),
        (decl.references, "REFERENCES"),
        (decl.external_ids, "EXTERNAL_IDS"),
        (decl.json_ids, "JSON_IDS"),
    ):
        for key in mapping:
            declared_column(key, what)
    for key in decl.id_free_json:
        declared_column(key, "ID_FREE_JSON")
    for key, target in decl.references.items():
        if target not in names:
            problems.append(f"REFERENCES points {key} at {target}, which is not a table of the schema")

    if decl.root not in names:
        raise PlanError(f"the schema has no table {decl.root}")

    # Which tables travel, and how each reaches the organization.
    placed: dict[str, TablePlan] = {decl.root: TablePlan(metadata.tables[decl.root])}
    progress = True
    while progress:
        progress = False
        for table in tables:
            if table.name in placed or table.name in decl.not_exported:
                continue
            candidates = [
                (column, target, target_column)
                for column, target, target_column in _not_null_fks(table)
                if target in placed and target != table.name
            ]
            if not candidates:
                continue
            # Prefer the organization itself, then the first parent in column order.
            candidates.sort(key=lambda c: (c[1] != decl.root, list(table.c).index(c[0])))
            column, target, target_column = candidates[0]
            placed[table.name] = TablePlan(
                table, scope_column=column.name, scope_parent=target, scope_target=target_column
            )
            progress = True
    for table in tables:
        if table.name not in placed and table.name not in decl.not_exported:
            problems.append(
                f"table {table.name} is neither exported nor excluded: give it a NOT NULL foreign key to "
                f"{decl.root} (or to a table that travels), or declare it in NOT_EXPORTED with the reason"
            )

    # Columns, references, JSON and uniqueness of each table that travels.
    for tp in placed.values():
        table = tp.table
        tp.key = _renumbered_key(table)
        tp.blob = decl.blobs.get(table.name)
        for column in table.c:
            qualified = f"{table.name}.{column.name}"
            if qualified in decl.not_exported_columns:
                if not column.nullable and column.default is None and column.server_default is None:
                    problems.append(f"{qualified} does not travel but is NOT NULL without a default")
                continue
            tp.columns.append(str(column.name))  # a plain str (names may be quoted_name)
            fk_targets = [fk.column.table.name for fk in column.foreign_keys]
            if fk_targets:
                target = fk_targets[0]
                if target in decl.not_exported or target not in placed:
                    if not column.nullable:
                        problems.append(
                            f"{qualified} is a NOT NULL reference to {target}, which does not travel"
                        )
                    else:
                        # Arrives as null: the row it names stays behind.
                        tp.references[column.name] = Reference(column.name, target, True, True)
                    continue
                tp.references[column.name] = Reference(
                    column.name, target, column.nullable is not False, True
                )
            elif qualified in decl.references:
                target = decl.references[qualified]
                if not column.nullable:
                    problems.append(f"{qualified} is declared in REFERENCES but is NOT NULL")
                tp.references[column.name] = Reference(column.name, target, True, False)
            elif (
                isinstance(column.type, Integer)
                and column.name.endswith("_id")
                and not column.primary_key
                and qualified not in decl.external_ids
            ):
                problems.append(
                    f"{qualified} looks like an id but has no foreign key: declare it in REFERENCES "
                    "(another row's id) or EXTERNAL_IDS (an id outside Dealbench)"
                )
            if isinstance(column.type, JSON):
                if qualified in decl.json_ids:
                    tp.json[column.name] = decl.json_ids[qualified]
                    for need in decl.json_ids[qualified].needs:
                        if need not in placed:
                            problems.append(f"JSON_IDS of {qualified} needs {need}, which does not travel")
                elif qualified not in decl.id_free_json:
                    problems.append(
                        f"JSON column {qualified} is undeclared: add it to JSON_IDS (with the function that "
                        "renumbers its ids) or to ID_FREE_JSON"
                    )
        renumbered = {tp.key, *tp.references}
        for columns in _unique_sets(table):
            single = columns[0] if len(columns) == 1 else None
            if single in tp.columns and single not in renumbered and single not in tp.global_unique:
                tp.global_unique.append(single)

    # Load order: topological over references; cycles broken at nullable references.
    deps: dict[str, dict[str, bool]] = {}  # table -> {target: hard}
    for tp in placed.values():
        edges: dict[str, bool] = {}
        for ref in tp.references.values():
            if ref.target == tp.name or ref.target not in placed:
                continue
            hard = ref.foreign_key and not ref.nullable
            edges[ref.target] = edges.get(ref.target, False) or hard
        for spec in tp.json.values():
            for need in spec.needs:
                if need != tp.name and need in placed:
                    edges[need] = True
        deps[tp.name] = edges
    order: list[str] = []
    remaining = sorted(placed, key=lambda n: position[n])
    while remaining:
        ready = [n for n in remaining if all(t in order for t in deps[n])]
        if ready:
            order.append(ready[0])
            remaining.remove(ready[0])
            continue
        if not _break_cycle(remaining, deps, placed):
            problems.append(f"NOT NULL references form a cycle among {', '.join(remaining)}")
            break

    if problems:
        raise PlanError("\n".join(sorted(set(problems))))
    return Plan(
        root=decl.root,
        tables=[placed[n] for n in order],
        excluded=dict(decl.not_exported),
        excluded_columns=dict(decl.not_exported_columns),
    )


def _break_cycle(
    remaining: list[str], deps: dict[str, dict[str, bool]], placed: dict[str, TablePlan]
) -> bool:
    """Remove the edges of one cycle's first table (in schema order) that close the cycle, when
    they are all nullable; those columns are deferred. False when no cycle can be broken."""
    pending = set(remaining)

    def reaches(start: str, goal: str) -> bool:
        seen, stack = set(), [start]
        while stack:
            node = stack.pop()
            if node == goal:
                return True
            if node in seen:
                continue
            seen.add(node)
            stack.extend(t for t in deps[node] if t in pending)
        return False

    for name in remaining:
        closing = [t for t in deps[name] if t in pending and reaches(t, name)]
        if not closing or any(deps[name][t] for t in closing):
            continue
        for target in closing:
            del deps[name][target]
            for column, ref in placed[name].references.items():
                if ref.target == target:
                    placed[name].deferred.add(column)
        return True
    return False


_PLAN: Plan | None = None


def default_plan() -> Plan:
    """The plan of Dealbench's own schema (built once)."""
    global _PLAN
    if _PLAN is None:
        from dealbench.models import Base

        _PLAN = build_plan(Base.metadata)
    return _PLAN
