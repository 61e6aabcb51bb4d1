"""Moving an organization: SQLite -> the suite's database (PostgreSQL on its pass) -> SQLite, every
API answer compared after mapping ids; and the ways an import must fail without leaving anything."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import uuid
import zipfile
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
from sqlalchemy import func, select

from dealbench.app import create_app
from dealbench.documents.storage import get_storage
from dealbench.kit.migrate import upgrade_async
from dealbench.kit.services import Services
from dealbench.models import Organization
from dealbench.settings import Settings
from dealbench.transfer.archive import ArchiveError, TransferError
from dealbench.transfer.exporter import export_organization
from dealbench.transfer.importer import ImportReport, import_archive
from dealbench.transfer.plan import default_plan
from tests.conftest import make_s3_storage_settings
from tests.factories import Factory, Tenant
from tests.operations import richorg
from tests.operations.transfer_compare import (
    NOT_COMPARED,
    ROUTES,
    Maps,
    Translator,
    archive_rows,
    read_all,
    read_graphql,
    without_use,
)


@dataclass
class Server:
    services: Services
    client: httpx.AsyncClient


@pytest.fixture
async def open_server() -> AsyncIterator[Any]:
    """``open_server(settings)``: an app (and its client) on another database and storage."""
    opened: list[Server] = []

    async def open_(settings: Settings) -> Server:
        services = Services.build(settings)
        app = create_app(settings, services)
        client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver")
        server = Server(services, client)
        opened.append(server)
        return server

    yield open_
    for server in opened:
        await server.client.aclose()
        await server.services.close()


async def sqlite_settings(tmp: Path, name: str) -> Settings:
    """A fresh SQLite database (migrated) with local storage: what ``make run`` starts with."""
    (tmp / name).mkdir()
    url = f"sqlite:///{tmp / name}/dealbench.db"
    await upgrade_async(url)
    return Settings(
        database_url=url,
        var_dir=tmp / name,
        secret_key="test-secret-key",
        storage_url=f"file://{tmp / name}/files",
        rate_limit_per_minute=100_000,
        allowed_hosts=["testserver"],  # links on the test client's host, like the suite's own server
    )


def compose(first: ImportReport, second: ImportReport | None = None) -> Maps:
    maps: Maps = {}
    for table, ids in first.ids.items():
        maps[table] = {}
        for old, new in ids.items():
            if second is not None:
                maps[table][old] = second.ids[table].get(new)
            else:
                maps[table][old] = new
    return maps


def assert_same(expected: dict[str, Any], actual: dict[str, Any], translate: Translator) -> None:
    assert expected.keys() == actual.keys()
    mismatches = []
    for key, answer in expected.items():
        route = key.split(" ", 1)[0]
        want = translate(answer.body, ROUTES[route].context, route)
        got = actual[key]
        if (answer.status, want) != (got.status, without_use(got.body)):
            mismatches.append(
                f"{key}\n  expected {answer.status} {want!r}\n  got      {got.status} {got.body!r}"
            )
    assert not mismatches, f"{len(mismatches)} answers differ:\n" + "\n".join(mismatches[:5])


async def test_round_trip_keeps_every_answer(
    tmp_path: Path, settings: Settings, s3_endpoint: str, open_server: Any, is_postgres: bool
) -> None:
    source = await open_server(await sqlite_settings(tmp_path, "source"))
    tenant = await Factory(source.services).tenant(name="Rich")
    built = await richorg.build(source.client, tenant.token)
    await richorg.buyer_side(source.services, source.client, tenant.token, built["plan"])
    slug = tenant.org.slug

    # Every GET route of the API is compared (or said why not).
    spec = source.client._transport.app.openapi()  # type: ignore[attr-defined]
    gets = {path for path, ops in spec["paths"].items() if "get" in ops}
    assert gets == set(ROUTES) | set(NOT_COMPARED)

    first = tmp_path / "first.zip"
    await export_organization(source.services, slug, first)
    rows = archive_rows(first)
    # The organization exercises every table that travels.
    empty = [tp.name for tp in default_plan().tables if not rows.get(tp.name)]
    assert not empty, f"the round trip has no rows in {empty}"
    before = await read_all(source.client, tenant.headers, rows, None)
    graphql_before = await read_graphql(source.client, tenant.headers, built["project"]["id"])

    # Into the suite's database (PostgreSQL on its pass), with S3 storage.
    middle = await open_server(settings.model_copy(update=make_s3_storage_settings(s3_endpoint)))
    # Another organization there first, so that every table's ids move.
    await richorg.build(middle.client, (await Factory(middle.services).tenant()).token)
    hop1 = await import_archive(middle.services, first)
    assert hop1.organization["slug"] == slug and not hop1.warnings
    blobs = len([n for n in zipfile.ZipFile(first).namelist() if n.startswith("blobs/")])
    # Content-addressed: the other organization's identical documents are already stored.
    assert (hop1.blobs_stored, hop1.blobs_present) == (0, blobs)
    # The activity log still names a deleted document and a deleted version: they arrive as null.
    assert hop1.dangling == {"project_activity.document_id": 2, "project_activity.version_id": 3}
    maps = compose(hop1)
    assert all(old != new for table in ("users", "deals", "documents") for old, new in maps[table].items())
    # Tokens travel as their hashes: the same secret key accepts the same plaintexts.
    assert_same(before, await read_all(middle.client, tenant.headers, rows, maps), Translator(maps))

    second = tmp_path / "second.zip"
    await export_organization(middle.services, slug, second)
    target = await open_server(await sqlite_settings(tmp_path, "target"))
    hop2 = await import_archive(target.services, second, slug="moved")
    assert (hop2.blobs_stored, hop2.blobs_present) == (blobs, 0)
    maps = compose(hop1, hop2)
    translate = Translator(maps, slug=(slug, "moved"))
    assert_same(before, await read_all(target.client, tenant.headers, rows, maps), translate)
    graphql_after = await read_graphql(
        target.client, tenant.headers, maps["projects"][built["project"]["id"]]
    )
    assert translate(graphql_before, None) == graphql_after
    personal = {"X-API-Key": built["personal_token"]}
    assert (await target.client.get("/v1/deals", headers=personal)).status_code == 200

    # Document contents, every version, byte for byte (read last: downloads are recorded).
    contents = await read_all(source.client, tenant.headers, rows, None, content=True)
    assert len(contents) == len(rows["document_versions"]) >= 4
    assert_same(contents, await read_all(target.client, tenant.headers, rows, maps, content=True), translate)
    assert all(a.status == 200 and a.body for a in contents.values())


async def _small_org(services: Services) -> tuple[Tenant, httpx.AsyncClient]:
    app = create_app(services.settings, services)
    client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver")
    tenant = await Factory(services).tenant()
    api = richorg.Api(client, tenant.token)
    deal = await api.post("/v1/deals", {"name": "Small"})
    project = await api.post("/v1/projects", {"name": "Room", "dealId": deal["id"]})
    await api.upload(f"/v1/projects/{project['id']}/documents", uuid.uuid4().bytes * 100, "a.bin")
    return tenant, client


async def _count_orgs(services: Services) -> int:
    async with services.sessionmaker() as session:
        return int((await session.execute(select(func.count()).select_from(Organization))).scalar_one())


def _blob_files(services: Services) -> list[str]:
    root = Path(get_storage(services).url.removeprefix("file://"))
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file() and "tmp" not in p.parts)


async def test_a_failed_import_leaves_nothing(tmp_path: Path, open_server: Any) -> None:
    source = await open_server(await sqlite_settings(tmp_path, "source"))
    tenant, client = await _small_org(source.services)
    await client.aclose()
    good = tmp_path / "good.zip"
    await export_organization(source.services, tenant.org.slug, good)

    # A damaged archive: the last table names a project that is not in it.
    bad = tmp_path / "bad.zip"
    with zipfile.ZipFile(good) as zin, zipfile.ZipFile(bad, "w") as zout:
        for info in zin.infolist():
            data = zin.read(info)
            if info.filename == "tables/project_activity.jsonl":
                line = orjson.loads(data.splitlines()[0])
                data = orjson.dumps({**line, "id": 10**6, "project_id": 999_999}) + b"\n"
            zout.writestr(info, data)

    dest = await open_server(await sqlite_settings(tmp_path, "dest"))
    orgs = await _count_orgs(dest.services)
    with pytest.raises(ArchiveError, match=r"project_activity\.project_id names projects 999999"):
        await import_archive(dest.services, bad)
    assert await _count_orgs(dest.services) == orgs
    assert _blob_files(dest.services) == []  # the blob it stored was collected again

    # The slug is taken: refused before anything is written; --slug imports a copy elsewhere.
    await import_archive(dest.services, good)
    blobs = _blob_files(dest.services)
    with pytest.raises(TransferError, match="already exists"):
        await import_archive(dest.services, good)
    # The same organization under another slug clashes on what is unique across a server.
    with pytest.raises(TransferError, match=r"already holds a value of api_tokens\.token_hash"):
        await import_archive(dest.services, good, slug="copy")
    assert await _count_orgs(dest.services) == orgs + 1
    assert _blob_files(dest.services) == blobs  # already there: neither copied nor collected


async def test_another_secret_key_is_a_warning(tmp_path: Path, open_server: Any) -> None:
    source = await open_server(await sqlite_settings(tmp_path, "source"))
    tenant, client = await _small_org(source.services)
    await client.aclose()
    archive = tmp_path / "org.zip"
    with pytest.raises(TransferError, match="no organization with slug 'nope'"):
        await export_organization(source.services, "nope", archive)
    assert await asyncio.to_thread(lambda: list(tmp_path.glob("org.zip*"))) == []
    await export_organization(source.services, tenant.org.slug, archive)
    dest = await open_server(
        (await sqlite_settings(tmp_path, "dest")).model_copy(update={"secret_key": "another"})
    )
    report = await import_archive(dest.services, archive)
    assert any("secret key differs" in w for w in report.warnings)
    r = await dest.client.get("/v1/deals", headers=tenant.headers)
    assert r.status_code == 401


async def test_archives_of_another_kind_are_refused(tmp_path: Path, open_server: Any) -> None:
    dest = await open_server(await sqlite_settings(tmp_path, "dest"))
    not_zip = tmp_path / "x.zip"
    not_zip.write_bytes(b"hello")
    with pytest.raises(ArchiveError, match="not a Dealbench organization archive"):
        await import_archive(dest.services, not_zip)
    future = tmp_path / "future.zip"
    with zipfile.ZipFile(future, "w") as zf:
        zf.writestr("manifest.json", orjson.dumps({"format": "dealbench-organization", "formatVersion": 99}))
    with pytest.raises(ArchiveError, match="format 99"):
        await import_archive(dest.services, future)
    newer = tmp_path / "newer.zip"
    with zipfile.ZipFile(newer, "w") as zf:
        zf.writestr(
            "manifest.json",
            orjson.dumps(
                {
                    "format": "dealbench-organization",
                    "formatVersion": 1,
                    "organization": {"slug": "newer"},
                    "tables": [{"name": "organizations", "columns": ["id", "slug", "hologram"], "rows": 1}],
                }
            ),
        )
    with pytest.raises(ArchiveError, match="hologram"):
        await import_archive(dest.services, newer)


def _cli(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "dealbench", *args],
        capture_output=True,
        text=True,
        env={**os.environ, **env},
        timeout=120,
        check=False,
    )


async def test_the_commands(tmp_path: Path, open_server: Any) -> None:
    source = await open_server(await sqlite_settings(tmp_path, "source"))
    tenant, client = await _small_org(source.services)
    await client.aclose()
    env_from = {
        "DEALBENCH_DATABASE_URL": source.services.settings.database_url,
        "DEALBENCH_STORAGE_URL": source.services.settings.storage_url,
        "DEALBENCH_SECRET_KEY": "test-secret-key",
        "DEALBENCH_VAR_DIR": str(tmp_path / "source"),
    }
    archive = tmp_path / "org.zip"
    exported = await asyncio.to_thread(
        _cli, ["org", "export", tenant.org.slug, "--out", str(archive)], env_from
    )
    assert exported.returncode == 0, exported.stderr
    assert "blobs" in exported.stderr and archive.exists()

    env_to = {
        "DEALBENCH_DATABASE_URL": f"sqlite:///{tmp_path}/to.db",
        "DEALBENCH_STORAGE_URL": f"file://{tmp_path}/to-files",
        "DEALBENCH_SECRET_KEY": "another key",
        "DEALBENCH_VAR_DIR": str(tmp_path / "to"),
    }
    ids = tmp_path / "ids.csv"
    imported = await asyncio.to_thread(_cli, ["org", "import", str(archive), "--id-map", str(ids)], env_to)
    assert imported.returncode == 0, imported.stderr
    assert "secret key differs" in imported.stderr
    lines = ids.read_text().splitlines()
    assert lines[0] == "table,old_id,new_id" and f"organizations,{tenant.org.id}," in ids.read_text()
    again = await asyncio.to_thread(_cli, ["org", "import", str(archive)], env_to)
    assert (
        again.returncode == 1 and "already exists" in again.stderr and "nothing was imported" in again.stderr
    )


async def test_blob_collectors_wait_for_an_import_without_holding_a_connection(
    settings: Settings, is_postgres: bool, tmp_path: Path, monkeypatch: Any
) -> None:
    if not is_postgres:
        pytest.skip("PostgreSQL only: on SQLite an import and the collectors share the one write lock")
    from dealbench.documents import storage as documents_storage
    from dealbench.documents.storage import lock_collection
    from dealbench.kit.storage import blob_key

    own = Services.build(settings.model_copy(update={"storage_url": f"file://{tmp_path}/files"}))
    storage = get_storage(own)
    pending = await storage.begin()
    await pending.write(b"no document uses me")
    sha = (await pending.promote()).sha256
    waiting, release = asyncio.Event(), asyncio.Event()

    async def pause(_seconds: float) -> None:
        if not waiting.is_set():
            waiting.set()
            await release.wait()

    monkeypatch.setattr(documents_storage, "_pause", pause)
    try:
        async with own.sessionmaker() as importing:
            assert await lock_collection(importing, exclusive=True)  # what an import holds
            collector = asyncio.create_task(documents_storage.collect_blobs(own, [sha]))
            await asyncio.wait_for(waiting.wait(), 30)  # a guard: it waits at once
            assert own.engine.pool.checkedout() == 1  # the import's connection only
            assert await storage.exists(blob_key(sha))
            await importing.rollback()
        release.set()
        await collector
        assert not await storage.exists(blob_key(sha))
    finally:
        await own.close()
