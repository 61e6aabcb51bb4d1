"""Requests Dealbench sends to addresses its users give (webhooks, apps): signed, short, and never
to the server's own network.

- :func:`check_url` refuses, when a destination is registered, what is not ``https://`` (plain
  ``http://`` only where private destinations are allowed) and any host that is or resolves to a
  loopback, private, link-local, unspecified, multicast or reserved address, IPv4 and IPv6 alike
  (an IPv4-mapped IPv6 address is judged as the IPv4 address it maps).
- :func:`send` resolves the host again at each request, checks every address, and connects to the
  address it checked (the URL names the address, the ``Host`` header and TLS SNI name the host, and
  the certificate is verified for the host): a DNS answer that changes between check and connect
  cannot move the request to another address. No redirect is followed; timeouts are short; at most
  ``response_limit`` bytes of the answer are read.
- :func:`sign` signs per Standard Webhooks (the ``standardwebhooks`` reference library).
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit, urlunsplit

import httpx
from standardwebhooks.webhooks import Webhook


class Refused(Exception):
    """A destination Dealbench will not send to (the message says why)."""


def is_public(address: str) -> bool:
    """Whether ``address`` is a global unicast address (what an outbound request may reach)."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address):
        mapped = ip.ipv4_mapped or ip.sixtofour
        if mapped is not None:
            ip = mapped
    return bool(ip.is_global) and not ip.is_multicast and not ip.is_unspecified


def _literal(host: str) -> str | None:
    try:
        return str(ipaddress.ip_address(host.strip("[]")))
    except ValueError:
        return None


def check_scheme(url: str, *, allow_private: bool) -> tuple[str, int]:
    """The host and port of ``url``; :class:`Refused` for a scheme or shape not allowed."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise Refused("The URL is not valid.") from exc
    if parts.scheme not in {"https", "http"} or not parts.hostname:
        raise Refused("The URL must be an absolute https:// URL.")
    if parts.scheme == "http" and not allow_private:
        raise Refused("The URL must use https://.")
    if parts.username or parts.password:
        raise Refused("The URL must not hold credentials.")
    return parts.hostname, port or (443 if parts.scheme == "https" else 80)


async def resolve(host: str, port: int, *, allow_private: bool) -> str:
    """The address to connect to for ``host``: every address it resolves to must be public (unless
    ``allow_private``); :class:`Refused` otherwise or when it does not resolve."""
    literal = _literal(host)
    if literal is not None:
        addresses = [literal]
    else:
        try:
            infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except (socket.gaierror, UnicodeError) as exc:
            raise Refused(f"The host '{host}' does not resolve.") from exc
        addresses = list(dict.fromkeys(str(info[4][0]) for info in infos))
        if not addresses:
            raise Refused(f"The host '{host}' does not resolve.")
    if not allow_private:
        for address in addresses:
            if not is_public(address):
                raise Refused(
                    f"The host '{host}' is or resolves to a loopback, private, link-local or reserved "
                    "address: Dealbench does not send there."
                )
    return addresses[0]


async def check_url(url: str, *, allow_private: bool) -> None:
    """Whether Dealbench may send to ``url`` (:class:`Refused` with the reason otherwise)."""
    host, port = check_scheme(url, allow_private=allow_private)
    await resolve(host, port, allow_private=allow_private)


@dataclass(frozen=True, slots=True)
class Answer:
    """What one attempt got: the status (``None`` without an answer), the time it took, the start
    of the answer's body, and the error when there was no answer."""

    status: int | None
    duration_ms: int
    body: str | None
    error: str | None

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


def sign(secret: str, message_id: str, timestamp: datetime, body: str) -> str:
    """``v1,<base64 HMAC-SHA256 of "id.timestamp.body">`` with a ``whsec_`` secret."""
    return Webhook(secret).sign(message_id, timestamp, body)  # type: ignore[no-any-return]


def standard_headers(secrets: list[str], message_id: str, timestamp: datetime, body: str) -> dict[str, str]:
    """The Standard Webhooks headers: one signature per live secret (old and new during a rotation)."""
    return {
        "webhook-id": message_id,
        "webhook-timestamp": str(int(timestamp.timestamp())),
        "webhook-signature": " ".join(sign(s, message_id, timestamp, body) for s in secrets),
    }


def new_client(timeout: float) -> httpx.AsyncClient:
    """The client of outbound requests: no redirects, short timeouts, no environment proxies."""
    return httpx.AsyncClient(
        follow_redirects=False,
        timeout=httpx.Timeout(timeout, connect=min(timeout, 5.0)),
        trust_env=False,
        headers={"user-agent": "Dealbench-Webhooks/1"},
    )


async def send(
    client: httpx.AsyncClient,
    url: str,
    *,
    content: bytes,
    headers: Mapping[str, str],
    allow_private: bool,
    response_limit: int,
    deadline: float,
) -> Answer:
    """POST ``content`` to ``url``, connecting to the address checked after resolving its host;
    ``deadline``: seconds the whole attempt may take (the client's timeouts bound each step)."""
    started = time.monotonic()

    def took() -> int:
        return int((time.monotonic() - started) * 1000)

    try:
        host, port = check_scheme(url, allow_private=allow_private)
        address = await resolve(host, port, allow_private=allow_private)
    except Refused as exc:
        return Answer(None, took(), None, str(exc))
    parts = urlsplit(url)
    netloc = f"[{address}]" if ":" in address else address
    if parts.port is not None:
        netloc += f":{parts.port}"
    pinned = urlunsplit((parts.scheme, netloc, parts.path or "/", parts.query, ""))
    host_header = host if parts.port is None else f"{host}:{parts.port}"
    extensions = {"sni_hostname": host} if parts.scheme == "https" else {}
    request = client.build_request(
        "POST", pinned, content=content, headers={**headers, "host": host_header}, extensions=extensions
    )
    try:
        async with asyncio.timeout(deadline):
            response = await client.send(request, stream=True)
            try:
                body = bytearray()
                async for chunk in response.aiter_raw():
                    body += chunk
                    if len(body) >= response_limit:
                        break
            finally:
                await response.aclose()
    except (httpx.HTTPError, TimeoutError, OSError) as exc:
        return Answer(None, took(), None, (type(exc).__name__ + ": " + str(exc))[:500])
    return Answer(response.status_code, took(), bytes(body[:2048]).decode("utf-8", "replace"), None)
