"""ETags of single objects on /v1: GET answers one, If-None-Match answers 304, and a write with a
stale If-Match answers 412 in the Opine dialect and writes nothing, for every resource that has a
single-object GET (the table below)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from dealbench.kit.etags import etag_of
from tests.cross_tenant import Ctx as MakerCtx
from tests.etags.resources import RESOURCES, Made


@dataclass
class Ctx:
    client: Any
    headers: dict[str, str]
    made: Made

    async def get(self, **headers: str) -> Any:
        return await self.client.get(self.made.path, headers={**self.headers, **headers})

    async def etag(self) -> str:
        response = await self.get()
        assert response.status_code == 200, response.text
        return str(response.headers["ETag"])


async def _ctx(client: Any, factory: Any, name: str) -> Ctx:
    t = await factory.tenant()
    made = await RESOURCES[name](MakerCtx(client, factory, t))
    return Ctx(client, t.headers, made)


NAMES = sorted(RESOURCES)


@pytest.mark.parametrize("name", NAMES)
async def test_get_answers_a_strong_etag_and_304_when_the_client_holds_it(
    client: Any, factory: Any, name: str
) -> None:
    c = await _ctx(client, factory, name)
    first = await c.get()
    assert first.status_code == 200
    etag = first.headers["ETag"]
    assert etag.startswith('"') and etag.endswith('"') and not etag.startswith("W/")
    assert (await c.etag()) == etag  # stable while nothing changes
    for header in (etag, f"W/{etag}", f'"other", {etag}', f'W/"x", W/{etag}', "*"):
        not_modified = await c.get(**{"If-None-Match": header})
        assert not_modified.status_code == 304, header
        assert not_modified.content == b""
        assert not_modified.headers["ETag"] == etag
    for header in ('"other"', 'W/"other", "more"', etag[:-2] + '"'):
        assert (await c.get(**{"If-None-Match": header})).status_code == 200, header


@pytest.mark.parametrize("name", NAMES)
async def test_update_with_a_stale_if_match_is_412_and_writes_nothing(
    client: Any, factory: Any, name: str
) -> None:
    c = await _ctx(client, factory, name)
    if c.made.update is None:
        pytest.skip("no update route")
    stale = await c.etag()
    await c.made.change(client)  # someone else writes meanwhile
    current = await c.get()
    assert current.headers["ETag"] != stale
    for method in c.made.methods:
        refused = await client.request(
            method,
            c.made.update_path or c.made.path,
            json=c.made.update,
            headers={**c.headers, "If-Match": stale},
        )
        assert refused.status_code == 412, (method, refused.text)
        assert refused.json() == {"error": "The object changed since the version named in If-Match."}
    weak = await client.request(
        c.made.methods[0],
        c.made.update_path or c.made.path,
        json=c.made.update,
        headers={**c.headers, "If-Match": "W/" + current.headers["ETag"]},
    )
    assert weak.status_code == 412  # If-Match compares strongly
    after = await c.get()
    assert after.content == current.content and after.headers["ETag"] == current.headers["ETag"]
    ok = await client.request(
        c.made.methods[0],
        c.made.update_path or c.made.path,
        json=c.made.update,
        headers={**c.headers, "If-Match": f'"other", {current.headers["ETag"]}'},
    )
    assert ok.status_code == 200, ok.text
    assert (await c.etag()) != current.headers["ETag"]
    star = await client.request(
        c.made.methods[0],
        c.made.update_path or c.made.path,
        json=c.made.update,
        headers={**c.headers, "If-Match": "*"},
    )
    assert star.status_code == 200, star.text


@pytest.mark.parametrize("name", NAMES)
async def test_delete_with_a_stale_if_match_is_412_then_a_fresh_one_deletes(
    client: Any, factory: Any, name: str
) -> None:
    c = await _ctx(client, factory, name)
    if c.made.delete_path is None:
        pytest.skip("no delete route")
    stale = await c.etag()
    await c.made.change(client)
    refused = await client.delete(c.made.delete_path, headers={**c.headers, "If-Match": stale})
    assert refused.status_code == 412, refused.text
    assert (await c.get()).status_code == 200
    fresh = await c.etag()
    done = await client.delete(c.made.delete_path, headers={**c.headers, "If-Match": fresh})
    assert done.status_code in (200, 204), done.text


@pytest.mark.parametrize("name", NAMES)
async def test_a_change_of_labels_or_links_changes_the_etag(client: Any, factory: Any, name: str) -> None:
    c = await _ctx(client, factory, name)
    if c.made.relations is None:
        pytest.skip("no labels, links or items")
    before = await c.etag()
    await c.made.relations(client)
    assert (await c.etag()) != before


async def test_without_if_match_writes_behave_as_before(client: Any, factory: Any) -> None:
    c = await _ctx(client, factory, "deal")
    await c.made.change(client)
    assert c.made.update is not None
    response = await client.patch(c.made.path, json=c.made.update, headers=c.headers)
    assert response.status_code == 200
    assert "ETag" not in response.headers or response.headers["ETag"]


async def test_head_answers_the_etag_and_304_too(client: Any, factory: Any) -> None:
    c = await _ctx(client, factory, "ticket")
    etag = await c.etag()
    head = await client.head(c.made.path, headers=c.headers)
    assert head.status_code == 200 and head.headers["ETag"] == etag and head.content == b""
    held = await client.head(c.made.path, headers={**c.headers, "If-None-Match": etag})
    assert held.status_code == 304 and held.headers["ETag"] == etag


async def test_the_etag_is_the_hash_of_the_bytes_answered(client: Any, factory: Any) -> None:
    c = await _ctx(client, factory, "deal")
    response = await c.get()
    assert response.headers["ETag"] == etag_of(response.content)
