"""The transfer plan is built from the metadata: a new table travels, or the suite says what to declare."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import JSON, Column, ForeignKey, Integer, MetaData, String, Table, insert, select
from sqlalchemy.ext.asyncio import create_async_engine

from dealbench.kit.services import Services
from dealbench.models import Base
from dealbench.settings import Settings
from dealbench.transfer.exporter import export_organization
from dealbench.transfer.importer import import_archive
from dealbench.transfer.plan import Declarations, PlanError, build_plan, default_plan


def test_every_table_travels_or_is_excluded_with_a_reason() -> None:
    plan = default_plan()  # raises PlanError naming anything undeclared
    for table in Base.metadata.sorted_tables:
        assert table.name in plan or plan.excluded.get(table.name, "").strip(), table.name
    # Children without organization_id are reached through their parents.
    assert plan["team_members"].scope_parent == "teams"
    assert plan["ticket_labels"].scope_parent == "tickets"
    # The cycles are broken at columns that may be null for a moment.
    assert plan["deals"].deferred == {"project_id"}
    assert plan["documents"].deferred == {"current_version_id"}
    order = [t.name for t in plan.tables]
    assert order[0] == "organizations"
    for tp in plan.tables:
        for ref in tp.references.values():
            if ref.target != tp.name and ref.column not in tp.deferred:
                assert order.index(ref.target) < order.index(tp.name), (tp.name, ref.column)


def _none() -> Declarations:
    return Declarations(
        not_exported={},
        not_exported_columns={},
        references={},
        external_ids={},
        json_ids={},
        id_free_json=frozenset(),
        blobs={},
    )


def _schema() -> MetaData:
    md = MetaData()
    Table(
        "organizations",
        md,
        Column("id", Integer, primary_key=True),
        Column("name", String(50)),
        Column("slug", String(50), unique=True),
    )
    Table(
        "people",
        md,
        Column("id", Integer, primary_key=True),
        Column("organization_id", ForeignKey("organizations.id"), nullable=False),
        Column("email", String(50)),
        Column("mentor_id", ForeignKey("people.id"), nullable=True),
        Column("team_id", ForeignKey("teams.id", use_alter=True), nullable=True),
        Column("secret", String(50), nullable=True, default=lambda: "fresh"),
    )
    Table(
        "teams",
        md,
        Column("id", Integer, primary_key=True),
        Column("organization_id", ForeignKey("organizations.id"), nullable=False),
        Column("lead_id", ForeignKey("people.id"), nullable=True),
    )
    Table(
        "sessions",
        md,
        Column("id", Integer, primary_key=True),
        Column("person_id", ForeignKey("people.id"), nullable=False),
    )
    Table(
        "favorites",
        md,
        Column("person_id", ForeignKey("people.id"), primary_key=True),
        Column("label", String(20), primary_key=True),
        Column("session_id", ForeignKey("sessions.id"), nullable=True),
    )
    return md


def _declarations(**changes: Any) -> Declarations:
    values = {
        "not_exported": {"sessions": "sign-in sessions end with the move"},
        "not_exported_columns": {"people.secret": "a new secret is made on import"},
    }
    values.update(changes)
    return Declarations(**{**_none().__dict__, **values})


def test_the_walk_covers_new_tables_and_asks_for_declarations() -> None:
    md = _schema()
    plan = build_plan(md, _declarations())
    assert [t.name for t in plan.tables] == ["organizations", "people", "teams", "favorites"]
    assert plan["favorites"].scope_parent == "people"
    assert plan["favorites"].references["session_id"].target == "sessions"  # arrives as null
    assert plan["people"].deferred == {"team_id"}
    assert "secret" not in plan["people"].columns
    assert plan.excluded == {"sessions": "sign-in sessions end with the move"}

    # Undeclared, a table that hangs from the organization travels like the others.
    assert "sessions" in build_plan(md, _none())
    Table("audit", md, Column("id", Integer, primary_key=True), Column("what", String(10)))
    Table(
        "extras",
        md,
        Column("id", Integer, primary_key=True),
        Column("organization_id", ForeignKey("organizations.id"), nullable=False),
        Column("partner_id", Integer),
        Column("payload", JSON),
        Column("session_id", ForeignKey("sessions.id"), nullable=False),
    )
    with pytest.raises(PlanError) as err:
        build_plan(md, _declarations(references={"people.nickname": "people"}))
    message = str(err.value)
    assert "table audit is neither exported nor excluded" in message
    assert "extras.partner_id looks like an id but has no foreign key" in message
    assert "JSON column extras.payload is undeclared" in message
    assert "extras.session_id is a NOT NULL reference to sessions, which does not travel" in message
    assert "REFERENCES names people.nickname, which is not a column of the schema" in message


def test_a_cycle_of_required_references_is_refused() -> None:
    md = MetaData()
    Table("organizations", md, Column("id", Integer, primary_key=True), Column("slug", String(9)))
    Table(
        "a",
        md,
        Column("id", Integer, primary_key=True),
        Column("organization_id", ForeignKey("organizations.id"), nullable=False),
        Column("b_id", ForeignKey("b.id", use_alter=True), nullable=False),
    )
    Table(
        "b",
        md,
        Column("id", Integer, primary_key=True),
        Column("organization_id", ForeignKey("organizations.id"), nullable=False),
        Column("a_id", ForeignKey("a.id"), nullable=False),
    )
    with pytest.raises(PlanError, match="NOT NULL references form a cycle among a, b"):
        build_plan(md, _none())


async def test_excluded_tables_columns_cycles_and_forward_self_references_move(tmp_path: Path) -> None:
    md = _schema()
    plan = build_plan(md, _declarations())
    servers = []
    for name in ("from", "to"):
        url = f"sqlite:///{tmp_path}/{name}.db"
        engine = create_async_engine(f"sqlite+aiosqlite:///{tmp_path}/{name}.db")
        async with engine.begin() as conn:
            await conn.run_sync(md.create_all)
        await engine.dispose()
        servers.append(
            Services.build(
                Settings(database_url=url, secret_key="k", storage_url=f"file://{tmp_path}/{name}")
            )
        )
    source, dest = servers
    t = md.tables
    async with source.engine.begin() as conn:
        await conn.execute(insert(t["organizations"]), [{"id": 7, "name": "Other", "slug": "other"}])
        await conn.execute(insert(t["organizations"]), [{"id": 8, "name": "Syn", "slug": "syn"}])
        await conn.execute(
            insert(t["people"]),
            [
                {"id": 10, "organization_id": 8, "email": "a", "secret": "s1"},
                {"id": 11, "organization_id": 8, "email": "b", "secret": "s2"},
                {"id": 12, "organization_id": 7, "email": "elsewhere", "secret": None},
            ],
        )
        people = t["people"]
        await conn.execute(people.update().values(mentor_id=11).where(people.c.id == 10))  # forwards
        await conn.execute(people.update().values(mentor_id=10).where(people.c.id == 11))
        await conn.execute(insert(t["teams"]), [{"id": 20, "organization_id": 8, "lead_id": 11}])
        await conn.execute(t["people"].update().values(team_id=20).where(t["people"].c.id == 10))
        await conn.execute(insert(t["sessions"]), [{"id": 30, "person_id": 10}])
        await conn.execute(
            insert(t["favorites"]),
            [
                {"person_id": 11, "label": "x", "session_id": 30},
                {"person_id": 12, "label": "y", "session_id": None},
            ],
        )
    async with dest.engine.begin() as conn:  # something there already: every id moves
        await conn.execute(insert(t["organizations"]), [{"id": 1, "name": "Here", "slug": "here"}])
        await conn.execute(insert(t["people"]), [{"id": 1, "organization_id": 1, "email": "z"}])
        await conn.execute(insert(t["teams"]), [{"id": 1, "organization_id": 1}])
    try:
        archive = tmp_path / "syn.zip"
        await export_organization(source, "syn", archive, plan=plan)
        report = await import_archive(dest, archive, plan=plan)
        assert report.rows == {"organizations": 1, "people": 2, "teams": 1, "favorites": 1}
        assert report.dangling == {"favorites.session_id": 1}
        async with dest.engine.connect() as conn:
            org = (
                await conn.execute(select(t["organizations"]).where(t["organizations"].c.slug == "syn"))
            ).one()
            people = (
                await conn.execute(select(t["people"]).where(t["people"].c.organization_id == org.id))
            ).all()
            a, b = sorted(people, key=lambda p: p.email)
            team = (
                await conn.execute(select(t["teams"]).where(t["teams"].c.organization_id == org.id))
            ).one()
            favorites = (await conn.execute(select(t["favorites"]))).all()
            sessions = (await conn.execute(select(t["sessions"]))).all()
        assert a.id != 10 and a.mentor_id == b.id and b.mentor_id == a.id  # forwards and backwards
        assert a.team_id == team.id and team.lead_id == b.id  # the cycle, closed after both loaded
        assert (a.secret, b.secret) == ("fresh", "fresh")  # a column that does not travel: its default
        assert [(f.person_id, f.label, f.session_id) for f in favorites] == [(b.id, "x", None)]
        assert sessions == []
        assert report.ids["people"].get(10) == a.id
    finally:
        for services in servers:
            await services.close()
