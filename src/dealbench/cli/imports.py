"""``dealbench import opportunities|contacts|salestargets FILE --org SLUG``: the import engine from a shell."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from dealbench.imports.engine import Kind
from dealbench.imports.service import run_command_import
from dealbench.kit.errors import DealbenchError
from dealbench.kit.migrate import upgrade
from dealbench.kit.services import Services
from dealbench.kit.uow import transaction
from dealbench.models import ImportRun
from dealbench.settings import get_settings

import_app = typer.Typer(
    help="Import a CSV file (the engine of the upload routes): one transaction per file.",
    no_args_is_help=True,
)
console = Console(stderr=True)

FileArg = Annotated[
    Path, typer.Argument(exists=True, dir_okay=False, readable=True, help="The CSV file to import.")
]
OrgOpt = Annotated[str, typer.Option("--org", help="Organization slug.")]
ErrorsOpt = Annotated[
    Path | None,
    typer.Option("--errors", help="Where to write the rejected rows (default: FILE.errors.csv)."),
]


def _run(kind: Kind, file: Path, org: str, errors: Path | None) -> None:
    from dealbench.organizations.service import get_by_slug

    settings = get_settings()
    upgrade(settings.effective_database_url)

    size = file.stat().st_size

    async def main() -> ImportRun:
        services = Services.build(settings)
        try:
            async with transaction(services.sessionmaker) as session:
                organization = await get_by_slug(session, org)
                if organization is None:
                    raise DealbenchError(f"no organization with slug '{org}'")
                with Progress(
                    TextColumn("[bold]{task.description}"),
                    BarColumn(),
                    DownloadColumn(),
                    TimeElapsedColumn(),
                    console=console,
                ) as progress:
                    task = progress.add_task(f"{kind.value} <- {file.name}", total=size)
                    run = await run_command_import(
                        session,
                        organization.id,
                        organization.timezone or "UTC",
                        kind,
                        file,
                        filename=file.name,
                        on_bytes=lambda n: progress.advance(task, n),
                        tmp_dir=services.scratch.directory,
                    )
                    progress.update(task, description=f"{kind.value} <- {file.name} (committing)")
                return run
        finally:
            await services.close()

    try:
        run = asyncio.run(main())
    except DealbenchError as exc:
        console.print(f"[red]error:[/red] {exc.message}")
        raise typer.Exit(code=1) from None
    table = Table(show_header=False)
    table.add_row("total_original_rows", str(run.total_original_rows))
    table.add_row("total_imported_rows", str(run.total_imported_rows))
    table.add_row("total_error_rows", str(run.total_error_rows))
    table.add_row("ignored_columns", ", ".join(run.ignored_columns or []) or "-")
    console.print(table)
    for warning in run.warnings or []:
        console.print(f"[yellow]warning:[/yellow] {warning}")
    if run.total_error_rows and run.error_csv:
        target = errors or file.with_name(file.stem + ".errors.csv")
        target.write_bytes(run.error_csv)
        console.print(f"Rejected rows written to {target}")


@import_app.command("opportunities")
def import_opportunities(file: FileArg, org: OrgOpt, errors: ErrorsOpt = None) -> None:
    """Create or update opportunities (deals) by Opportunity ID."""
    _run(Kind.OPPORTUNITIES, file, org, errors)


@import_app.command("contacts")
def import_contacts(file: FileArg, org: OrgOpt, errors: ErrorsOpt = None) -> None:
    """Create or update contacts by email."""
    _run(Kind.CONTACTS, file, org, errors)


@import_app.command("salestargets")
def import_sales_targets(file: FileArg, org: OrgOpt, errors: ErrorsOpt = None) -> None:
    """Create or update monthly sales targets by rep and month."""
    _run(Kind.SALESTARGETS, file, org, errors)
