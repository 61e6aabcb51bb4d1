"""Sessions of the web app kept in Redis (``DEALBENCH_REDIS_URL``), against the real Redis of
``DEALBENCH_TEST_REDIS_URL``: the same rules as in the database (a new id at every sign-in, idle
and absolute ends, signing out here or everywhere, a new password ends them), and no row in
``web_sessions``."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta

import httpx
import pytest
from redis.asyncio import Redis
from sqlalchemy import func, select

from dealbench.app import create_app
from dealbench.kit.db import utcnow
from dealbench.kit.passwords import hash_password
from dealbench.kit.services import Services
from dealbench.models import WebSession
from dealbench.settings import Settings
from tests.conftest import built_services
from tests.factories import Factory
from tests.web.helpers import sign_in

REDIS_URL = os.environ.get("DEALBENCH_TEST_REDIS_URL")
pytestmark = pytest.mark.skipif(not REDIS_URL, reason="DEALBENCH_TEST_REDIS_URL not set (make test sets it)")
PASSWORD = "correct horse battery"


@dataclass
class RedisWeb:
    web: httpx.AsyncClient
    services: Services
    factory: Factory
    redis: Redis
    prefix: str


@pytest.fixture
async def rw(settings: Settings) -> AsyncIterator[RedisWeb]:
    prefix = f"dealbench-test-{uuid.uuid4().hex[:10]}"
    configured = settings.model_copy(update={"redis_url": REDIS_URL, "redis_key_prefix": prefix})
    async with built_services(configured) as services:
        app = create_app(services.settings, services)
        redis = Redis.from_url(REDIS_URL or "", decode_responses=True)
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app),
            base_url="http://testserver",
            headers={"Accept": "text/html"},
        ) as web:
            try:
                yield RedisWeb(web, services, Factory(services), redis, prefix)
            finally:
                keys = [k async for k in redis.scan_iter(f"{prefix}:*")]
                if keys:
                    await redis.delete(*keys)
                await redis.aclose()


async def _rows(services: Services, user_id: int) -> int:
    async with services.sessionmaker() as session:
        stmt = select(func.count()).select_from(WebSession).where(WebSession.user_id == user_id)
        return int((await session.execute(stmt)).scalar_one())


async def _keys(rw: RedisWeb) -> list[str]:
    return sorted([k async for k in rw.redis.scan_iter(f"{rw.prefix}:ws:*")])


async def test_sign_in_keeps_the_session_in_redis_with_a_new_id_each_time(rw: RedisWeb) -> None:
    tenant = await rw.factory.tenant()
    user = await rw.factory.user(tenant)
    await rw.factory.set_password(user, PASSWORD)
    first = await sign_in(rw.web, user.email, PASSWORD)
    assert first.status_code == 303
    cookie = first.cookies["dealbench_session"]
    assert (await rw.web.get("/")).status_code == 200
    rw.web.cookies.clear()
    second = await sign_in(rw.web, user.email, PASSWORD)
    assert second.cookies["dealbench_session"] != cookie
    assert await _rows(rw.services, user.id) == 0  # nothing in the database
    keys = await _keys(rw)
    assert len(keys) == 2 and all(cookie not in k for k in keys)  # only the HMAC of the id
    stored = await rw.redis.hgetall(keys[0])
    assert cookie not in stored.values() and stored["user_id"] == str(user.id)
    ttl = await rw.redis.ttl(keys[0])
    assert 0 < ttl <= rw.services.settings.session_idle_seconds
    members = await rw.redis.smembers(f"{rw.prefix}:wsu:{user.id}")
    assert len(members) == 2


async def test_sign_out_here_or_everywhere(rw: RedisWeb) -> None:
    tenant = await rw.factory.tenant()
    one = await rw.factory.browser(tenant)
    two = await rw.factory.browser(tenant, user=one.user)
    three = await rw.factory.browser(tenant, user=one.user)
    rw.web.cookies.set("dealbench_session", one.cookie)
    assert (await rw.web.post("/logout", data={})).status_code == 403  # CSRF, as ever
    out = await rw.web.post("/logout", data={"csrf_token": one.csrf})
    assert out.status_code == 303
    assert (await rw.web.get("/")).status_code == 303
    rw.web.cookies.set("dealbench_session", two.cookie)
    assert (await rw.web.get("/")).status_code == 200  # the others live on
    everywhere = await rw.web.post("/logout", data={"csrf_token": two.csrf, "everywhere": "true"})
    assert everywhere.status_code == 303
    rw.web.cookies.set("dealbench_session", three.cookie)
    assert (await rw.web.get("/")).status_code == 303
    assert await _keys(rw) == []


@pytest.mark.parametrize("field", ["last_seen_at", "expires_at"])
async def test_idle_and_absolute_expiry(rw: RedisWeb, field: str) -> None:
    tenant = await rw.factory.tenant()
    browser = await rw.factory.browser(tenant)
    rw.web.cookies.set("dealbench_session", browser.cookie)
    assert (await rw.web.get("/")).status_code == 200
    past = utcnow() - timedelta(seconds=rw.services.settings.session_idle_seconds + 1)
    (key,) = await _keys(rw)
    await rw.redis.hset(key, field, past.isoformat())
    gone = await rw.web.get("/")
    assert gone.status_code == 303 and gone.headers["location"].startswith("/login")


async def test_activity_moves_the_idle_end(rw: RedisWeb) -> None:
    tenant = await rw.factory.tenant()
    browser = await rw.factory.browser(tenant)
    (key,) = await _keys(rw)
    earlier = utcnow() - timedelta(minutes=5)
    await rw.redis.hset(key, "last_seen_at", earlier.isoformat())
    await rw.redis.expire(key, 60)
    rw.web.cookies.set("dealbench_session", browser.cookie)
    assert (await rw.web.get("/")).status_code == 200
    assert await rw.redis.hget(key, "last_seen_at") != earlier.isoformat()
    assert await rw.redis.ttl(key) > 60


async def test_a_new_password_or_removal_ends_the_sessions(rw: RedisWeb) -> None:
    tenant = await rw.factory.tenant()
    browser = await rw.factory.browser(tenant)
    rw.web.cookies.set("dealbench_session", browser.cookie)
    assert (await rw.web.get("/")).status_code == 200
    await rw.factory.set_password(browser.user, "another password")
    assert (await rw.web.get("/")).status_code == 303
    other = await rw.factory.browser(tenant)
    rw.web.cookies.set("dealbench_session", other.cookie)
    assert (await rw.web.get("/")).status_code == 200
    removed = await rw.web.delete(f"/v1/organization/users/{other.user.id}", headers=tenant.headers)
    assert removed.status_code == 200
    assert (await rw.web.get("/")).status_code == 303


async def test_redis_out_of_reach_is_a_503_not_a_500(settings: Settings) -> None:
    closed = settings.model_copy(update={"redis_url": "redis://127.0.0.1:1/0"})
    async with built_services(closed) as services:
        app = create_app(services.settings, services)
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app),
            base_url="http://testserver",
            headers={"Accept": "text/html"},
        ) as web:
            web.cookies.set("dealbench_session", "some-session-id")
            answer = await web.get("/")
    assert answer.status_code == 503 and answer.headers["retry-after"] == "5"


async def test_a_new_password_ends_the_sessions_even_when_redis_was_not_told(rw: RedisWeb) -> None:
    tenant = await rw.factory.tenant()
    browser = await rw.factory.browser(tenant)
    rw.web.cookies.set("dealbench_session", browser.cookie)
    assert (await rw.web.get("/")).status_code == 200
    async with rw.services.sessionmaker() as session:
        user = await session.merge(browser.user)
        user.password_hash = await hash_password("changed elsewhere")  # no session ended
        await session.commit()
    assert len(await _keys(rw)) == 1
    assert (await rw.web.get("/")).status_code == 303  # bound to the password it began with
