"""The ``dealbench`` command: serve, bootstrap, database, tokens, organizations, API schema."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.markup import escape
from sqlalchemy.ext.asyncio import AsyncSession

import dealbench.auth.cache  # noqa: F401 (raises the auth version after a command changes a token, user or organization)
from dealbench.cli.imports import import_app
from dealbench.cli.worker import worker
from dealbench.kit.clientinfo import TrustedProxies
from dealbench.kit.errors import DatabaseUnavailable, DealbenchError
from dealbench.kit.logs import log_config
from dealbench.kit.migrate import upgrade
from dealbench.kit.services import Services
from dealbench.kit.uow import transaction
from dealbench.settings import Settings, get_settings
from dealbench.transfer.cli import org_export, org_import

if TYPE_CHECKING:
    from dealbench.models import Organization

app = typer.Typer(
    help="Dealbench: technical sales evaluations, self-hosted.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
tokens_app = typer.Typer(help="API tokens.", no_args_is_help=True)
org_app = typer.Typer(help="Organizations.", no_args_is_help=True)
users_app = typer.Typer(help="Users of an organization.", no_args_is_help=True)
app.add_typer(users_app, name="users")
app.add_typer(db_app, name="db")
app.add_typer(tokens_app, name="tokens")
app.add_typer(org_app, name="org")
graphql_app = typer.Typer(help="The GraphQL dialect.", no_args_is_help=True)
app.add_typer(graphql_app, name="graphql")
app.add_typer(import_app, name="import")
app.command("worker")(worker)

console = Console(stderr=True, soft_wrap=True)
T = TypeVar("T")


def _fail(message: str) -> typer.Exit:
    console.print(f"[red]error:[/red] {message}")
    return typer.Exit(code=1)


def _say(exc: DealbenchError) -> str:
    """A domain error in one line: a validation error's first issue rather than its summary."""
    issues = getattr(exc, "issues", None)
    return str(issues[0].get("message", exc.message)) if issues else exc.message


def _first_error(exc: ValidationError) -> str:
    err = exc.errors()[0]
    return f"{'.'.join(str(p) for p in err['loc'])}: {err['msg']}"


def run_in_session(settings: Settings, work: Callable[[AsyncSession, Services], Awaitable[T]]) -> T:
    """Run ``work`` in one committed transaction (the CLI's request boundary)."""

    async def main() -> T:
        services = Services.build(settings)
        try:
            async with transaction(services.sessionmaker) as session:
                return await work(session, services)
        finally:
            await services.close()

    return asyncio.run(main())


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    workers: Annotated[int, typer.Option(min=1, help="Server processes.")] = 1,
    demo: Annotated[bool, typer.Option(help="Create the demo organization and print a key for it.")] = False,
) -> None:
    """Bring the schema up to date and serve the API."""
    import uvicorn

    os.environ["DEALBENCH_WORKERS"] = str(workers)  # the workers' settings say how many they are
    get_settings.cache_clear()
    settings = get_settings()
    try:
        TrustedProxies.parse(settings.trusted_proxies)
    except ValueError as exc:
        raise _fail(str(exc)) from None
    settings.resolved_secret_key()  # generated once, before the workers start, so they share it
    limits_line = _rate_limit_line(settings)
    upgrade(settings.effective_database_url)
    if workers > 1:
        # Each worker writes its metrics to files there; /metrics adds them up (see kit/metrics.py).
        from dealbench.kit.metrics import prepare_multiprocess_dir

        prepare_multiprocess_dir(settings.var_dir)
    base = f"http://{'127.0.0.1' if host in {'0.0.0.0', '::'} else host}:{port}"
    if demo:
        from dealbench.demo import ensure_demo

        org, key, created, (email, password) = run_in_session(
            settings, lambda s, svc: ensure_demo(s, svc.secret_key)
        )
        console.rule("[bold]Dealbench demo")
        console.print(f"Organization  : {org.name} (slug '{org.slug}'){' — created' if created else ''}")
        console.print(
            f"Web app       : {base}/  sign in as [bold]{email}[/bold] / [bold green]{password}[/bold green]"
        )
        console.print("                (the same password for sam@, erin@ (members) and vic@ (viewer))")
        console.print(f"API docs      : {base}/docs")
        console.print(f"GraphQL       : {base}/graphql?access_token={key}")
        console.print(f"API key ('*') : [bold green]{key}[/bold green]")
        _print_demo_people(settings, org, base)
        console.print(f"Try           : curl -H 'X-API-Key: {key}' {base}/v1/organization")
        console.rule()
    elif settings.log_format == "text":  # with json, stderr carries JSON lines only
        console.print(f"Dealbench on {base} (docs at {base}/docs)")
    _say_limits(settings, limits_line)
    uvicorn.run(
        "dealbench.app:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        access_log=False,  # our own access log redacts tokens from query strings
        log_level=settings.log_level,
        log_config=log_config(settings.log_level, settings.log_format),
        # Forwarded headers are believed only from DEALBENCH_TRUSTED_PROXIES (kit/clientinfo.py):
        # Uvicorn's own handling (which trusts 127.0.0.1 by default) stays off.
        proxy_headers=False,
        forwarded_allow_ips="",
        loop="uvloop" if sys.platform != "win32" else "asyncio",
        http="httptools",
        # A worker busy importing and starting on a loaded machine is not dead: Uvicorn's default
        # of 5 s to answer the supervisor's first ping restarted workers in a loop.
        timeout_worker_healthcheck=60,
    )


def _print_demo_people(settings: Settings, org: Organization, base: str) -> None:
    """The demo's people: a personal key of its administrator (for what only a person has, such as
    GraphQL's ``me``), every demo user's email and role, and the demo keys' rate limit."""
    from dealbench.demo import DEMO_RATE_LIMIT_PER_MINUTE, DEMO_USERS, ensure_demo_personal_key

    personal = run_in_session(settings, lambda s, svc: ensure_demo_personal_key(s, org, svc.secret_key))
    if personal is not None:
        user, token = personal
        console.print(f"Personal key  : [bold green]{token}[/bold green] ({user.email}, {user.role.value})")
        console.print(f"GraphQL as {user.first_name or user.email}: {base}/graphql?access_token={token}")
        console.print("                runs { me { user { email is_admin } organization { name } } }")
    people = [f"{email} ({role.value})" for email, _, _, role in DEMO_USERS]
    console.print(f"Demo users    : {', '.join(people[:2])},")
    console.print(f"                {', '.join(people[2:])}")
    console.print(
        f"Rate limit    : {DEMO_RATE_LIMIT_PER_MINUTE} requests a minute for each demo key "
        f"(other tokens: {settings.rate_limit_per_minute})"
    )


def _rate_limit_line(settings: Settings) -> tuple[str, bool]:
    """One line saying where rate limits live, and whether that storage answers (a bad URL exits)."""
    from dealbench.kit.ratelimit import RateLimiter

    try:
        limiter = RateLimiter(settings.redis_url, failure_mode=settings.rate_limit_failure)
    except ValueError as exc:
        raise _fail(str(exc)) from None
    asyncio.run(limiter.probe())
    return limiter.describe(), limiter.healthy


def _say_limits(settings: Settings, said: tuple[str, bool]) -> None:
    """The rate-limit line on stderr: for people in the text format, a JSON line in the json one."""
    line, healthy = said
    if settings.log_format == "json":
        import json
        import sys
        from datetime import UTC, datetime

        level = "INFO" if healthy else "WARNING"
        record = {"time": datetime.now(UTC).isoformat(), "level": level, "logger": "dealbench.ratelimit"}
        print(json.dumps({**record, "message": line}), file=sys.stderr, flush=True)
    else:
        console.print(escape(line) if healthy else f"[yellow]warning:[/yellow] {escape(line)}")


@app.command()
def bootstrap(
    org: Annotated[str, typer.Option(help="Organization name.")],
    slug: Annotated[str, typer.Option(help="Organization slug (its subdomain).")],
    admin_email: Annotated[str, typer.Option(help="Email of the first ADMIN user.")],
    admin_password: Annotated[
        str | None,
        typer.Option(
            envvar="DEALBENCH_ADMIN_PASSWORD",
            show_envvar=True,
            help="The admin's password for the web app (or '-' to be asked for it; unset: no password yet).",
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Create an organization, its first ADMIN and an organization token with scope '*'."""
    from dealbench.kit.repository import TenantOf
    from dealbench.models import Role
    from dealbench.organizations.service import create_organization, get_by_slug
    from dealbench.tokens.service import issue_token
    from dealbench.users.directory import add_user, set_password
    from dealbench.users.schemas import UserCreate

    password = read_password() if admin_password == "-" else admin_password
    settings = get_settings()
    upgrade(settings.effective_database_url)

    async def work(session: AsyncSession, services: Services) -> dict[str, Any]:
        if await get_by_slug(session, slug) is not None:
            raise _fail(f"an organization with slug '{slug}' already exists")
        organization = await create_organization(session, name=org, slug=slug)
        user = await add_user(
            session, TenantOf(organization.id), UserCreate(email=admin_email, role=Role.ADMIN)
        )
        if password:
            await set_password(session, user, password)
        _, plaintext = await issue_token(
            session,
            organization=organization,
            name="bootstrap",
            secret_key=services.secret_key,
            created_by_user_id=user.id,
        )
        return {
            "organization": {"id": organization.id, "name": organization.name, "slug": organization.slug},
            "user": {"id": user.id, "email": user.email},
            "token": plaintext,
        }

    try:
        result = run_in_session(settings, work)
    except DealbenchError as exc:
        raise _fail(_say(exc)) from None
    except ValidationError as exc:
        raise _fail(_first_error(exc)) from None
    if as_json:
        sys.stdout.write(json.dumps(result) + "\n")
    else:
        console.print(f"Organization {result['organization']['name']} ({slug}) created.")
        console.print(f"Admin: {result['user']['email']}")
        console.print(
            f"Organization token (scope '*'), shown once: [bold green]{result['token']}[/bold green]"
        )


def read_password(prompt: str = "Password") -> str:
    """A password from standard input when it is not a terminal (one line), else asked for twice
    without echo: never on the command line, where other users of the machine could read it."""
    if not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\r\n")
    first = typer.prompt(prompt, hide_input=True)
    if typer.prompt("Repeat it", hide_input=True) != first:
        raise _fail("the two passwords differ")
    return str(first)


@users_app.command("set-password")
def users_set_password(
    email: Annotated[str, typer.Argument(help="The user's email.")],
    org: Annotated[str, typer.Option(help="Organization slug.")],
) -> None:
    """Set a user's web app password, read from standard input or asked for (signs them out everywhere)."""
    from dealbench.kit.repository import TenantOf
    from dealbench.organizations.service import get_by_slug
    from dealbench.users.directory import find_by_email, set_password

    password = read_password()
    settings = get_settings()

    async def work(session: AsyncSession, _services: Services) -> None:
        organization = await get_by_slug(session, org)
        if organization is None:
            raise _fail(f"no organization with slug '{org}'")
        user = await find_by_email(session, TenantOf(organization.id), email)
        if user is None:
            raise _fail(f"no user '{email}' in organization '{org}'")
        await set_password(session, user, password)

    try:
        run_in_session(settings, work)
    except DealbenchError as exc:
        raise _fail(_say(exc)) from None
    console.print(f"Password of {email} set.")


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Bring the database schema up to date."""
    upgrade(get_settings().effective_database_url)
    console.print("Schema up to date.")


@db_app.command("check")
def db_check() -> None:
    """Fail when the models and the migrations disagree."""
    from dealbench.kit.migrate import check

    url = get_settings().effective_database_url
    upgrade(url)
    check(url)


@db_app.command("revision")
def db_revision(
    message: Annotated[str, typer.Option("-m", "--message")],
    rev_id: Annotated[str, typer.Option(help="Revision id, e.g. 0005.")],
) -> None:
    """Autogenerate a migration from the models (developers)."""
    from dealbench.kit.migrate import revision

    revision(get_settings().effective_database_url, message, rev_id)


def _split_scopes(values: list[str]) -> list[str]:
    return [s for v in values for s in v.replace(",", " ").split() if s]


@tokens_app.command("create")
def tokens_create(
    org: Annotated[str, typer.Option(help="Organization slug.")],
    name: Annotated[str, typer.Option(help="Token name.")],
    scopes: Annotated[list[str], typer.Option(help="Scopes (repeat, or separate with spaces/commas).")],
    user: Annotated[str | None, typer.Option(help="Email: makes a personal token of that user.")] = None,
) -> None:
    """Create a token and print its plaintext (shown once)."""
    from dealbench.kit.repository import TenantOf
    from dealbench.organizations.service import get_by_slug
    from dealbench.tokens.service import issue_token
    from dealbench.users.directory import find_by_email

    settings = get_settings()
    upgrade(settings.effective_database_url)

    async def work(session: AsyncSession, services: Services) -> str:
        organization = await get_by_slug(session, org)
        if organization is None:
            raise _fail(f"no organization with slug '{org}'")
        owner = None
        if user:
            owner = await find_by_email(session, TenantOf(organization.id), user)
            if owner is None:
                raise _fail(f"no user '{user}' in '{org}'")
        _, plaintext = await issue_token(
            session,
            organization=organization,
            name=name,
            secret_key=services.secret_key,
            user=owner,
            scopes=_split_scopes(scopes),
        )
        return plaintext

    try:
        plaintext = run_in_session(settings, work)
    except DealbenchError as exc:
        raise _fail(exc.message) from None
    sys.stdout.write(plaintext + "\n")


@tokens_app.command("revoke")
def tokens_revoke(token_id: Annotated[int, typer.Argument(help="Token id.")]) -> None:
    """Revoke a token."""
    from dealbench.tokens.service import revoke_by_id

    settings = get_settings()

    async def work(session: AsyncSession, _services: Services) -> None:
        if await revoke_by_id(session, token_id) is None:
            raise _fail(f"no token with id {token_id}")

    run_in_session(settings, work)
    console.print(f"Token {token_id} revoked.")


@org_app.command("set")
def org_set(
    slug: Annotated[str, typer.Argument(help="Organization slug.")],
    api_access: Annotated[bool | None, typer.Option("--api-access/--no-api-access")] = None,
    api_download_default: Annotated[
        bool | None, typer.Option("--api-download-default/--no-api-download-default")
    ] = None,
) -> None:
    """Change organization settings from the server (e.g. re-enable API access)."""
    from dealbench.organizations.service import change_settings, get_by_slug

    async def work(session: AsyncSession, _services: Services) -> dict[str, Any]:
        organization = await get_by_slug(session, slug)
        if organization is None:
            raise _fail(f"no organization with slug '{slug}'")
        changes: dict[str, Any] = {}
        if api_access is not None:
            changes["apiAccessEnabled"] = api_access
        if api_download_default is not None:
            changes["apiDownloadEnabledDefault"] = api_download_default
        return await change_settings(session, organization, changes)

    console.print(run_in_session(get_settings(), work))


org_app.command("export")(org_export)
org_app.command("import")(org_import)


@app.command("openapi")
def openapi(
    out: Annotated[Path | None, typer.Option(help="Write to this file instead of stdout.")] = None,
) -> None:
    """Print the OpenAPI document (committed as openapi.json)."""
    from dealbench.app import create_app

    spec = create_app(Settings(secret_key="openapi-export")).openapi()
    text = json.dumps(spec, indent=2, sort_keys=False) + "\n"
    if out is None:
        sys.stdout.write(text)
    else:
        out.write_text(text)


@graphql_app.command("sdl")
def graphql_sdl(
    kind: Annotated[str, typer.Option(help="public, organization or personal.")] = "organization",
) -> None:
    """Print the GraphQL schema (SDL) a kind of caller sees (committed under src/dealbench/graphql/sdl/)."""
    from dealbench.graphql.schema import sdl
    from dealbench.kit.graphql.context import SchemaKind

    try:
        which = SchemaKind(kind)
    except ValueError:
        raise _fail(f"unknown kind '{kind}': use public, organization or personal") from None
    sys.stdout.write(sdl(which))


def main() -> None:
    # The server's warnings reach the log once the server runs; a command says it in one line.
    logging.getLogger("dealbench.db").addHandler(logging.NullHandler())
    try:
        app()
    except DatabaseUnavailable as exc:
        # One line saying what could not be reached (no traceback), whatever the command.
        console.print(f"[red]error:[/red] cannot connect to the database {exc.where}: {exc.reason}")
        sys.exit(1)
