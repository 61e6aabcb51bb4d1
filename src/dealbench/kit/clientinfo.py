"""Who is asking, and over what: a request's client address and scheme, resolved once.

Behind a reverse proxy the TCP peer is the proxy. ``DEALBENCH_TRUSTED_PROXIES`` lists the proxies
(addresses or CIDR networks, comma-separated; none by default) whose forwarding headers are believed
when they are the peer:

- the client address is the rightmost address of ``X-Forwarded-For`` that is not itself a trusted
  proxy (each proxy appends the address it saw, so whatever stands left of that is the client's own
  say, and a client can put anything there);
- the scheme is the last value of ``X-Forwarded-Proto`` (the one the nearest trusted proxy set);
- ``X-Request-Id`` is kept, so one id follows a request through the proxy's logs and ours.

From any other peer these headers are ignored: the peer is the client, the connection's scheme is
the scheme, and the request gets a fresh id. Every per-client limit and every "is this HTTPS"
decision goes through :func:`client_address` and :func:`is_https`; nothing else reads those headers.
The middleware also writes the result into the ASGI scope (``client``, ``scheme``), as a proxy-aware
server would, so URLs that Starlette builds (``request.base_url``, redirects) carry the right scheme.
``dealbench serve`` starts Uvicorn with its own proxy-header handling off, so it cannot override this.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

from starlette.types import ASGIApp, Receive, Scope, Send

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

_STATE_KEY = "dealbench.client"


def parse_ip(value: str) -> IPAddress | None:
    """An address as proxies write it (``1.2.3.4``, ``1.2.3.4:5678``, ``[::1]:80``, ``::1``), or None.
    IPv4-mapped IPv6 addresses (``::ffff:1.2.3.4``) count as the IPv4 address they carry."""
    text = value.strip().strip('"')
    if text.startswith("["):
        text = text[1:].partition("]")[0]
    elif text.count(":") == 1:
        text = text.partition(":")[0]
    try:
        ip = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    return ip


@dataclass(frozen=True, slots=True)
class TrustedProxies:
    networks: tuple[IPNetwork, ...] = ()

    @classmethod
    def parse(cls, value: str | None) -> TrustedProxies:
        """``"10.0.0.5, 172.16.0.0/12, ::1"``; a bad entry is an error at start, not a silent miss."""
        networks: list[IPNetwork] = []
        for item in (value or "").split(","):
            item = item.strip()
            if not item:
                continue
            try:
                networks.append(ipaddress.ip_network(item, strict=False))
            except ValueError:
                raise ValueError(
                    f"DEALBENCH_TRUSTED_PROXIES: {item!r} is neither an address nor a network "
                    "(e.g. 10.0.0.5 or 10.0.0.0/8)"
                ) from None
        return cls(tuple(networks))

    def trusts(self, ip: IPAddress | None) -> bool:
        return ip is not None and any(ip.version == net.version and ip in net for net in self.networks)


@dataclass(frozen=True, slots=True)
class ClientInfo:
    #: The client's address (the peer's, unless a trusted proxy forwarded it).
    address: str
    #: ``http`` or ``https``, as the client reached the first trusted proxy (or us).
    scheme: str
    #: The TCP peer.
    peer: str
    #: Whether the peer is a trusted proxy (its forwarding headers were believed).
    via_trusted_proxy: bool
    #: ``X-Request-Id`` as a trusted proxy sent it; None from anyone else.
    request_id: str | None = None


def _header_values(scope: Scope, name: bytes) -> list[str]:
    return [v.decode("latin-1") for k, v in scope.get("headers") or [] if k.lower() == name]


def resolve(scope: Scope, trusted: TrustedProxies) -> ClientInfo:
    client = scope.get("client")
    peer = str(client[0]) if client else ""
    scheme = "https" if scope.get("scheme") in {"https", "wss"} else "http"
    if not trusted.networks or not trusted.trusts(parse_ip(peer)):
        return ClientInfo(address=peer, scheme=scheme, peer=peer, via_trusted_proxy=False)
    address = peer
    hops = [hop for value in _header_values(scope, b"x-forwarded-for") for hop in value.split(",")]
    for hop in reversed(hops):
        ip = parse_ip(hop)
        if ip is None:
            break  # garbage: the last good address stands
        address = str(ip)
        if not trusted.trusts(ip):
            break
    protos = [p.strip().lower() for v in _header_values(scope, b"x-forwarded-proto") for p in v.split(",")]
    if protos and protos[-1] in {"http", "https"}:
        scheme = protos[-1]
    ids = _header_values(scope, b"x-request-id")
    return ClientInfo(
        address=address,
        scheme=scheme,
        peer=peer,
        via_trusted_proxy=True,
        request_id=ids[0] if ids else None,
    )


def client_info(scope: Scope) -> ClientInfo:
    """The request's resolved client (by :class:`ClientInfoMiddleware`); outside it, the peer as is."""
    state = scope.get("state")
    info = state.get(_STATE_KEY) if state is not None else None
    if info is None:
        info = resolve(scope, TrustedProxies())
    return info  # type: ignore[no-any-return]


def client_address(scope: Scope) -> str:
    """The key of every per-client limit."""
    return client_info(scope).address or "unknown"


def is_https(scope: Scope) -> bool:
    return client_info(scope).scheme == "https"


def forwarded_request_id(scope: Scope) -> str | None:
    """The incoming ``X-Request-Id``, only when a trusted proxy sent it."""
    return client_info(scope).request_id


class ClientInfoMiddleware:
    """Resolves the client once per request, before anything else reads it."""

    def __init__(self, app: ASGIApp, *, trusted_proxies: str | TrustedProxies = "") -> None:
        self.app = app
        self.trusted = (
            trusted_proxies
            if isinstance(trusted_proxies, TrustedProxies)
            else TrustedProxies.parse(trusted_proxies)
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in {"http", "websocket"}:
            info = resolve(scope, self.trusted)
            scope.setdefault("state", {})[_STATE_KEY] = info
            if info.via_trusted_proxy:
                if info.address != info.peer:
                    scope["client"] = (info.address, 0)
                if scope["type"] == "http":
                    scope["scheme"] = info.scheme
                else:
                    scope["scheme"] = "wss" if info.scheme == "https" else "ws"
        await self.app(scope, receive, send)
