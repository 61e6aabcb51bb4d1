"""``dealbench org export SLUG --out FILE`` and ``dealbench org import FILE [--slug NEW]``."""

from __future__ import annotations

import asyncio
import csv
from pathlib import Path
from typing import Annotated

import typer
from rich import filesize
from rich.console import Console
from rich.progress import BarColumn, Progress, ProgressColumn, Task, TaskID, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

from dealbench.kit.migrate import upgrade
from dealbench.kit.services import Services
from dealbench.settings import get_settings
from dealbench.transfer.archive import TransferError
from dealbench.transfer.exporter import ExportReport, export_organization
from dealbench.transfer.importer import ImportReport, import_archive

console = Console(stderr=True, soft_wrap=True)


class RichProgress:
    """Two bars: rows (with the table being copied) and blob bytes."""

    def __init__(self, progress: Progress, verb: str) -> None:
        self.progress = progress
        self.verb = verb
        self.rows_task: TaskID | None = None
        self.bytes_task: TaskID | None = None

    def start(self, rows: int, blob_bytes: int) -> None:
        self.rows_task = self.progress.add_task(f"{self.verb} rows", total=rows, unit="rows")
        self.bytes_task = self.progress.add_task(f"{self.verb} blobs", total=blob_bytes, unit="bytes")

    def rows(self, table: str, n: int) -> None:
        if self.rows_task is not None:
            self.progress.update(self.rows_task, advance=n, description=f"{self.verb} rows ({table})")

    def bytes(self, n: int) -> None:
        if self.bytes_task is not None:
            self.progress.advance(self.bytes_task, n)


class AmountColumn(ProgressColumn):
    """``1,234/5,000`` for rows, ``1.2/5.0 MB`` for bytes."""

    def render(self, task: Task) -> Text:
        total = int(task.total or 0)
        if task.fields.get("unit") == "bytes":
            return Text(f"{filesize.decimal(int(task.completed))}/{filesize.decimal(total)}")
        return Text(f"{int(task.completed):,}/{total:,}")


def _progress() -> Progress:
    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        AmountColumn(),
        TimeElapsedColumn(),
        console=console,
    )


def _run_export(slug: str, out: Path) -> ExportReport:
    settings = get_settings()
    upgrade(settings.effective_database_url)

    async def main() -> ExportReport:
        services = Services.build(settings)
        try:
            with _progress() as bars:
                return await export_organization(services, slug, out, progress=RichProgress(bars, "export"))
        finally:
            await services.close()

    return asyncio.run(main())


def org_export(
    slug: Annotated[str, typer.Argument(help="The organization's slug.")],
    out: Annotated[Path, typer.Option("--out", help="The archive to write (a zip file).", dir_okay=False)],
) -> None:
    """Write one organization (every table that travels, and its document blobs) to one archive."""
    try:
        report = _run_export(slug, out)
    except TransferError as exc:
        console.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(code=1) from None
    table = Table(show_header=False)
    table.add_row("organization", f"{report.organization['name']} ({report.organization['slug']})")
    table.add_row(
        "rows", f"{sum(report.rows.values()):,} in {sum(1 for n in report.rows.values() if n)} tables"
    )
    table.add_row("blobs", f"{report.blobs:,} ({report.blob_bytes:,} bytes)")
    table.add_row("archive", f"{out} ({out.stat().st_size:,} bytes)")
    console.print(table)


def _write_id_map(path: Path, report: ImportReport) -> None:
    with path.open("w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["table", "old_id", "new_id"])
        for table, ids in report.ids.items():
            for old, new in ids.items():
                writer.writerow([table, old, new])


def org_import(
    file: Annotated[
        Path,
        typer.Argument(exists=True, dir_okay=False, readable=True, help="An archive written by org export."),
    ],
    slug: Annotated[
        str | None, typer.Option("--slug", help="Import under this slug instead of the archive's.")
    ] = None,
    id_map: Annotated[
        Path | None,
        typer.Option("--id-map", help="Write each row's old and new id to this CSV (table,old_id,new_id)."),
    ] = None,
) -> None:
    """Load an archive into this server's database and storage, in one transaction."""
    settings = get_settings()
    upgrade(settings.effective_database_url)

    async def main() -> ImportReport:
        services = Services.build(settings)
        try:
            with _progress() as bars:
                return await import_archive(services, file, slug=slug, progress=RichProgress(bars, "import"))
        finally:
            await services.close()

    try:
        report = asyncio.run(main())
    except TransferError as exc:
        console.print(f"[red]error:[/red] {exc} (nothing was imported)")
        raise typer.Exit(code=1) from None
    if id_map is not None:
        _write_id_map(id_map, report)
    table = Table(show_header=False)
    org = report.organization
    table.add_row("organization", f"{org['name']} (slug '{org['slug']}', id {org['id']})")
    table.add_row("rows", f"{sum(report.rows.values()):,}")
    table.add_row(
        "blobs",
        f"{report.blobs_stored:,} stored ({report.blob_bytes:,} bytes), {report.blobs_present:,} already there",
    )
    for column, n in sorted(report.dangling.items()):
        table.add_row("null references", f"{column}: {n} (rows that were deleted before the export)")
    console.print(table)
    for warning in report.warnings:
        console.print(f"[yellow]warning:[/yellow] {warning}")
