"""Concurrent conditional writes: requests naming the same version with If-Match run one after the
other under the object's row lock, so exactly one succeeds and the others answer 412."""

from __future__ import annotations

from typing import Any

import pytest

from tests.cross_tenant import Ctx
from tests.etags.resources import RESOURCES
from tests.races import N, statuses, together


@pytest.mark.parametrize("name", ["deal", "ticket", "evaluation", "document", "organization"])
async def test_concurrent_updates_with_one_if_match_give_one_success(
    client: Any, factory: Any, name: str
) -> None:
    t = await factory.tenant()
    made = await RESOURCES[name](Ctx(client, factory, t))
    assert made.update is not None
    etag = (await client.get(made.path, headers=t.headers)).headers["ETag"]
    responses = await together(
        *(
            client.request(
                made.methods[0],
                made.update_path or made.path,
                json={**made.update, **made.distinct(i)},
                headers={**t.headers, "If-Match": etag},
            )
            for i in range(N)
        )
    )
    assert statuses(responses) == {200: 1, 412: N - 1}
    winner = next(r for r in responses if r.status_code == 200)
    final = (await client.get(made.path, headers=t.headers)).json()
    shown = [k for k in made.distinct(0) if k in final]  # a document's field shows inside `fields`
    assert {k: final[k] for k in shown} == {k: winner.json()[k] for k in shown}


async def test_concurrent_deletes_with_one_if_match_give_one_success(client: Any, factory: Any) -> None:
    t = await factory.tenant()
    made = await RESOURCES["ticket"](Ctx(client, factory, t))
    assert made.delete_path is not None
    etag = (await client.get(made.path, headers=t.headers)).headers["ETag"]
    responses = await together(
        *(client.delete(made.delete_path, headers={**t.headers, "If-Match": etag}) for _ in range(N))
    )
    seen = statuses(responses)
    assert seen[200] == 1 and seen[200] + seen[404] + seen[412] == N, seen
