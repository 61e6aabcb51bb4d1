"""Run Alembic programmatically: ``dealbench db upgrade``, ``serve`` and the tests all use this."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"


def alembic_config(url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", url)
    cfg.attributes["dealbench_url"] = url
    return cfg


def upgrade(url: str, revision: str = "head") -> None:
    """Bring the schema up to date. Call from synchronous code (it runs its own event loop)."""
    command.upgrade(alembic_config(url), revision)


async def upgrade_async(url: str, revision: str = "head") -> None:
    await asyncio.to_thread(upgrade, url, revision)


def check(url: str) -> None:
    """Fail when the models and the migrations disagree (``alembic check``)."""
    command.check(alembic_config(url))


def revision(url: str, message: str, rev_id: str, **kw: Any) -> None:
    """Autogenerate a migration (``dealbench db revision``) against a database at head."""
    upgrade(url)
    scripts = command.revision(alembic_config(url), message=message, autogenerate=True, rev_id=rev_id, **kw)
    for script in scripts if isinstance(scripts, list) else [scripts]:
        if script is None:
            continue
        path = Path(script.path)
        text = path.read_text().replace("astext_type=Text()", "astext_type=sa.Text()")
        path.write_text(text)
