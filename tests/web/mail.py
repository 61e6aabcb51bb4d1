"""A local SMTP server (aiosmtpd) and an app whose mail goes to it, for the pages that send email."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import Message
from typing import Any

import httpx
from aiosmtpd.controller import Controller

from dealbench.app import create_app
from dealbench.kit.services import Services


@dataclass
class Inbox:
    messages: list[Message] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(message_from_bytes(envelope.content))
        return "250 OK"

    def text(self, index: int = -1) -> str:
        msg = self.messages[index]
        body = next(p for p in msg.walk() if p.get_content_type() == "text/plain")
        payload = body.get_payload(decode=True)
        assert isinstance(payload, bytes)
        return payload.decode().replace("\r\n", "\n")


@asynccontextmanager
async def mailing_app(
    settings: Any, **overrides: Any
) -> AsyncIterator[tuple[httpx.AsyncClient, Inbox, Services]]:
    """An app whose ``DEALBENCH_SMTP_URL`` is a local SMTP server: its client (asking for HTML), the
    server's inbox and the app's services."""
    inbox = Inbox()
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    await asyncio.to_thread(controller.start)
    services = Services.build(
        settings.model_copy(update={"smtp_url": f"smtp://127.0.0.1:{port}", **overrides})
    )
    try:
        app = create_app(services.settings, services)
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app),
            base_url="http://testserver",
            headers={"Accept": "text/html"},
        ) as client:
            yield client, inbox, services
    finally:
        await asyncio.to_thread(controller.stop)
        await services.close()
