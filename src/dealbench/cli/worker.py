"""``dealbench worker``: a process that only delivers webhooks and mail to buyers (beside or\ninstead of the servers)."""

from __future__ import annotations

import asyncio
import logging
import logging.config
import signal

import typer

from dealbench.evaluations.mailing import run_forever as buyer_mail
from dealbench.kit.logs import log_config
from dealbench.kit.services import Services
from dealbench.settings import get_settings
from dealbench.webhooks.delivery import Worker


def worker() -> None:
    """Deliver webhooks until stopped (SIGINT/SIGTERM). Several workers may run against one
    PostgreSQL database: they share the work with ``FOR UPDATE SKIP LOCKED``."""
    settings = get_settings()
    logging.config.dictConfig(log_config(settings.log_level, settings.log_format))
    log = logging.getLogger("dealbench.webhooks")

    async def main() -> None:
        services = Services.build(settings)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        log.info("webhook worker started")
        try:
            async with Worker(services.sessionmaker, settings, services.secret_key) as w:
                await asyncio.gather(w.run_forever(stop), buyer_mail(services.sessionmaker, settings, stop))
        finally:
            await services.close()
        log.info("webhook worker stopped")

    try:
        asyncio.run(main())
    except KeyboardInterrupt:  # pragma: no cover
        raise typer.Exit(0) from None
