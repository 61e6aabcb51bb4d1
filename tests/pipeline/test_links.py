"""The links of import answers and error emails never come from an unchecked Host header."""

from __future__ import annotations

import asyncio
import socket
from email import message_from_bytes
from typing import Any

import httpx
from aiosmtpd.controller import Controller

from dealbench.app import create_app
from dealbench.kit.services import Services
from tests.pipeline.helpers import ok, upload

BAD = "opp_id,opp_name,amount\nL1,ok,1\nL2,bad,lots\n"
EVIL = {"Host": "login-dealbench.evil.example"}


class _Inbox:
    def __init__(self) -> None:
        self.messages: list[bytes] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(envelope.content)
        return "250 OK"


def _link_in(raw: bytes) -> str:
    msg = message_from_bytes(raw)
    body = next(p for p in msg.walk() if p.get_content_type() == "text/plain" and not p.get_filename())
    text = body.get_payload(decode=True).decode().replace("\r\n", "\n")
    return text.split("downloaded (with an API token of your organization) at:\n", 1)[1].split("\n", 1)[0]


async def _imports(settings: Any, factory: Any, host: dict[str, str]) -> tuple[list[str], list[str]]:
    """Import the same bad file through both dialects: the answers' links and the emails' links."""
    inbox = _Inbox()
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    await asyncio.to_thread(controller.start)
    services = Services.build(settings.model_copy(update={"smtp_url": f"smtp://127.0.0.1:{port}"}))
    try:
        app = create_app(services.settings, services)
        t = await factory.tenant()
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://testserver"
        ) as c:
            jsend = ok(
                await upload(c, "opportunities", BAD, {**t.headers, **host}, params={"send_error_email": "1"})
            )
            opine = await upload(
                c,
                "opportunities",
                BAD,
                {**t.headers, **host},
                params={"sendErrorEmail": "true"},
                path="/v1/imports/opportunities",
            )
            assert opine.status_code == 200, opine.text
    finally:
        await asyncio.to_thread(controller.stop)
        await services.close()
    return [jsend["error_file"], opine.json()["errorFile"]], [_link_in(m) for m in inbox.messages]


async def test_a_forged_host_gets_relative_links(settings: Any, factory: Any) -> None:
    answers, emails = await _imports(settings, factory, EVIL)
    assert answers[0].startswith("/api/v1/admin/imports/") and answers[0].endswith("/error-file")
    assert answers[1].startswith("/v1/imports/") and answers[1].endswith("/errors")
    assert len(emails) == 2 and emails == answers
    assert not any("evil" in link for link in answers + emails)


async def test_links_use_the_public_url(settings: Any, factory: Any) -> None:
    configured = settings.model_copy(update={"public_url": "https://deals.example.com/"})
    answers, emails = await _imports(configured, factory, EVIL)
    assert all(link.startswith("https://deals.example.com/") for link in answers + emails), answers + emails
    assert "/api/v1/admin/imports/" in answers[0] and emails == answers


async def test_allowed_hosts_and_tenant_subdomains_get_absolute_links(settings: Any, factory: Any) -> None:
    allowed = settings.model_copy(update={"allowed_hosts": ["*.corp.example"]})
    answers, emails = await _imports(allowed, factory, {"Host": "deals.corp.example:8443"})
    assert answers[0].startswith("http://deals.corp.example:8443/api/v1/admin/imports/")
    assert emails == answers
    # the tenant base domain is trusted (the token's own tenant, or the bare domain)
    answers, _ = await _imports(allowed, factory, {"Host": "dealbench.test"})
    assert answers[0].startswith("http://dealbench.test/api/v1/")


async def test_allowed_hosts_are_read_from_a_comma_separated_variable(monkeypatch: Any) -> None:
    from dealbench.settings import Settings

    monkeypatch.setenv("DEALBENCH_ALLOWED_HOSTS", "deals.example.com, *.corp.example")
    assert Settings(secret_key="x").allowed_hosts == ["deals.example.com", "*.corp.example"]
