"""DEALBENCH_TRUSTED_PROXIES: forwarded headers are believed from the listed proxies only, and every
per-client decision (the anonymous GraphQL limit, request ids, the scheme of links) follows."""

from __future__ import annotations

from typing import Any

import pytest

from dealbench.kit.clientinfo import TrustedProxies, client_address, is_https, parse_ip, resolve
from dealbench.settings import Settings
from tests.factories import Factory
from tests.operations.conftest import app_with
from tests.pipeline.helpers import ok, upload


def scope(peer: str, *headers: tuple[str, str], scheme: str = "http") -> dict[str, Any]:
    return {
        "type": "http",
        "scheme": scheme,
        "client": (peer, 41000),
        "headers": [(k.lower().encode(), v.encode()) for k, v in headers],
    }


TRUSTED = TrustedProxies.parse("10.0.0.0/8, 192.0.2.1, fd00::/8")


def test_parse_accepts_addresses_and_networks_and_refuses_the_rest() -> None:
    assert len(TRUSTED.networks) == 3 and TrustedProxies.parse("").networks == ()
    with pytest.raises(ValueError, match=r"'proxy\.internal' is neither an address nor a network"):
        TrustedProxies.parse("10.0.0.1, proxy.internal")


def test_parse_ip_reads_the_forms_proxies_write() -> None:
    assert str(parse_ip("203.0.113.9")) == "203.0.113.9"
    assert str(parse_ip(" 203.0.113.9:5555 ")) == "203.0.113.9"
    assert str(parse_ip("[2001:db8::1]:443")) == "2001:db8::1"
    assert str(parse_ip("::ffff:203.0.113.9")) == "203.0.113.9"
    assert parse_ip("unknown") is None and parse_ip("") is None


def test_an_untrusted_peer_is_the_client_whatever_it_forwards() -> None:
    info = resolve(
        scope(
            "203.0.113.5",
            ("X-Forwarded-For", "198.51.100.1"),
            ("X-Forwarded-Proto", "https"),
            ("X-Request-Id", "spoofed"),
        ),
        TRUSTED,
    )
    assert (info.address, info.scheme, info.request_id, info.via_trusted_proxy) == (
        "203.0.113.5",
        "http",
        None,
        False,
    )


def test_no_trusted_proxies_by_default() -> None:
    info = resolve(scope("10.0.0.7", ("X-Forwarded-For", "198.51.100.1")), TrustedProxies())
    assert info.address == "10.0.0.7" and not info.via_trusted_proxy


def test_a_trusted_proxy_gives_the_rightmost_untrusted_address() -> None:
    # the client claims 1.1.1.1; the outer proxy 10.0.0.2 saw 198.51.100.7; the inner one saw 10.0.0.2
    info = resolve(
        scope(
            "10.0.0.3",
            ("X-Forwarded-For", "1.1.1.1, 198.51.100.7"),
            ("X-Forwarded-For", "10.0.0.2"),
            ("X-Forwarded-Proto", "https"),
            ("X-Request-Id", "edge-42"),
        ),
        TRUSTED,
    )
    assert (info.address, info.scheme, info.request_id, info.peer) == (
        "198.51.100.7",
        "https",
        "edge-42",
        "10.0.0.3",
    )


def test_forwarded_chains_of_proxies_only_garbage_and_ipv6() -> None:
    only_proxies = resolve(scope("10.0.0.3", ("X-Forwarded-For", "10.9.9.9, 10.0.0.2")), TRUSTED)
    assert only_proxies.address == "10.9.9.9"
    garbage = resolve(scope("10.0.0.3", ("X-Forwarded-For", "<script>, 10.0.0.2")), TRUSTED)
    assert garbage.address == "10.0.0.2"  # the last address a trusted proxy vouched for
    nothing = resolve(scope("10.0.0.3"), TRUSTED)
    assert nothing.address == "10.0.0.3" and nothing.scheme == "http"
    v6 = resolve(scope("fd00::5", ("X-Forwarded-For", "2001:db8::77")), TRUSTED)
    assert v6.address == "2001:db8::77"
    mapped_peer = resolve(scope("::ffff:10.0.0.3", ("X-Forwarded-For", "198.51.100.8")), TRUSTED)
    assert mapped_peer.address == "198.51.100.8"
    bad_proto = resolve(scope("10.0.0.3", ("X-Forwarded-Proto", "gopher")), TRUSTED)
    assert bad_proto.scheme == "http"


def test_outside_the_middleware_the_peer_is_the_client() -> None:
    raw = scope("10.0.0.3", ("X-Forwarded-For", "198.51.100.1"), ("X-Forwarded-Proto", "https"))
    assert client_address(raw) == "10.0.0.3" and not is_https(raw)


async def test_request_ids_are_believed_from_trusted_proxies_only(settings: Settings) -> None:
    sent = {"X-Request-Id": "edge-1234"}
    async with app_with(settings, client=("10.1.2.3", 5000), trusted_proxies="10.0.0.0/8") as (_, c):
        assert (await c.get("/healthz", headers=sent)).headers["x-request-id"] == "edge-1234"
    async with app_with(settings, client=("203.0.113.5", 5000), trusted_proxies="10.0.0.0/8") as (_, c):
        assert (await c.get("/healthz", headers=sent)).headers["x-request-id"] != "edge-1234"
    async with app_with(settings, client=("10.1.2.3", 5000)) as (_, c):  # nothing trusted by default
        assert (await c.get("/healthz", headers=sent)).headers["x-request-id"] != "edge-1234"


QUERY = {"query": "{ apiVersion }"}


async def test_the_anonymous_graphql_limit_is_per_forwarded_client(settings: Settings) -> None:
    proxy = {"client": ("10.0.0.9", 5000), "trusted_proxies": "10.0.0.0/8", "rate_limit_per_minute": 2}
    async with app_with(settings, **proxy) as (_, c):

        async def ask(forwarded: str) -> int:
            r = await c.post("/graphql", json=QUERY, headers={"X-Forwarded-For": forwarded})
            return r.status_code

        first = [await ask("198.51.100.20") for _ in range(3)]
        other = [await ask("198.51.100.21") for _ in range(2)]
    assert first == [200, 200, 429]
    assert other == [200, 200]  # another client behind the same proxy has its own budget


async def test_a_spoofed_forwarded_for_from_an_untrusted_peer_buys_nothing(settings: Settings) -> None:
    direct = {"client": ("203.0.113.77", 5000), "trusted_proxies": "10.0.0.0/8", "rate_limit_per_minute": 2}
    async with app_with(settings, **direct) as (_, c):
        codes = [
            (await c.post("/graphql", json=QUERY, headers={"X-Forwarded-For": f"198.51.100.{i}"})).status_code
            for i in range(3)
        ]
    assert codes == [200, 200, 429]


async def test_links_use_the_forwarded_scheme_from_a_trusted_proxy_only(
    settings: Settings, factory: Factory
) -> None:
    tenant = await factory.tenant()
    csv = "opp_id,opp_name\nL1,One\n,No id\n"
    https = {"X-Forwarded-Proto": "https", **tenant.headers}
    async with app_with(settings, client=("10.0.0.9", 5000), trusted_proxies="10.0.0.9") as (_, c):
        behind_proxy = ok(await upload(c, "opportunities", csv, https))
    async with app_with(settings, client=("203.0.113.5", 5000), trusted_proxies="10.0.0.9") as (_, c):
        direct = ok(await upload(c, "opportunities", csv, https))
    assert behind_proxy["error_file"].startswith("https://testserver/api/v1/admin/imports/")
    assert direct["error_file"].startswith("http://testserver/api/v1/admin/imports/")
