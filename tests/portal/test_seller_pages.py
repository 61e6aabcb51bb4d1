"""The seller's side in the web app: the deal page's plan fragment shares the plan (the portal's
link, invited buyers, a buyer's sign-in link to copy, a new link), shows the buyers' comments
with a form to answer, and who looked at the plan and when."""

from __future__ import annotations

import httpx

from dealbench.models import Role
from tests.factories import Factory
from tests.portal.helpers import ok, shared_plan, sign_in_buyer
from tests.web.helpers import csrf_of


async def test_the_seller_shares_the_plan_from_the_deal_page(
    web: httpx.AsyncClient, factory: Factory
) -> None:
    t = await factory.tenant()
    world = await shared_plan(web, t)
    await sign_in_buyer(web, t, world)
    await web.post(
        f"/p/{world['code']}/comments",
        data={
            "criterionId": str(world["criterion"]["id"]),
            "body": "Is 1M enough?",
            "csrf_token": csrf_of((await web.get(f"/p/{world['code']}")).text),
        },
    )
    browser = await factory.browser(t, Role.ADMIN)
    web.cookies.set("dealbench_session", browser.cookie)
    deal_id = world["deal"]["id"]
    fragment = await ok(await web.get(f"/deals/{deal_id}/plan"))
    assert f"/p/{world['code']}" in fragment.text
    assert world["buyer"]["email"] in fragment.text
    assert "Is 1M enough?" in fragment.text
    assert "Who looked at the plan" in fragment.text and "viewed" in fragment.text
    invited = await web.post(
        f"/deals/{deal_id}/plan/buyers",
        data={"email": "dan@buyer.example", "name": "Dan", "csrf_token": browser.csrf},
    )
    assert invited.status_code == 303, invited.text
    buyers = await ok(await web.get(f"/v1/evaluations/{world['plan']['id']}/buyers", headers=t.headers))
    dan = next(b for b in buyers["items"] if b["email"] == "dan@buyer.example")
    link = await ok(
        await web.post(f"/deals/{deal_id}/plan/buyers/{dan['id']}/link", data={"csrf_token": browser.csrf})
    )
    assert f"/p/{world['code']}/signin/" in link.text
    comments = await ok(await web.get(f"/v1/evaluations/{world['plan']['id']}/comments", headers=t.headers))
    answered = await web.post(
        f"/deals/{deal_id}/plan/comments",
        data={"parentId": str(comments["items"][0]["id"]), "body": "Yes, 10M.", "csrf_token": browser.csrf},
    )
    assert answered.status_code == 303, answered.text
    removed = await web.post(
        f"/deals/{deal_id}/plan/buyers/{dan['id']}/remove", data={"csrf_token": browser.csrf}
    )
    assert removed.status_code == 303
    rotated = await web.post(f"/deals/{deal_id}/plan/rotate-access-code", data={"csrf_token": browser.csrf})
    assert rotated.status_code == 303
    plan = await ok(await web.get(f"/v1/evaluations/{world['plan']['id']}", headers=t.headers))
    assert plan["accessCode"] != world["code"]
    workbench = await ok(await web.get("/"))
    assert workbench.status_code == 200


async def test_a_viewer_sees_the_sharing_but_no_control(web: httpx.AsyncClient, factory: Factory) -> None:
    t = await factory.tenant()
    world = await shared_plan(web, t)
    browser = await factory.browser(t, Role.VIEWER)
    web.cookies.set("dealbench_session", browser.cookie)
    fragment = await ok(await web.get(f"/deals/{world['deal']['id']}/plan"))
    assert world["buyer"]["email"] in fragment.text
    assert "Invite buyer" not in fragment.text and "New link" not in fragment.text
    refused = await web.post(
        f"/deals/{world['deal']['id']}/plan/rotate-access-code", data={"csrf_token": browser.csrf}
    )
    assert refused.status_code == 403


async def test_a_task_is_made_the_buyers_on_the_plan_page(web: httpx.AsyncClient, factory: Factory) -> None:
    t = await factory.tenant()
    world = await shared_plan(web, t)
    browser = await factory.browser(t, Role.ADMIN)
    web.cookies.set("dealbench_session", browser.cookie)
    url = f"/plans/{world['plan']['id']}"
    page = await ok(await web.get(url))
    assert "The buyer&#39;s: checked off in the portal" in page.text
    added = await web.post(
        f"{url}/tasks", data={"csrf_token": browser.csrf, "title": "Sign the DPA", "side": "BUYER"}
    )
    assert added.status_code == 303, added.text
    tasks = await ok(await web.get(f"/v1/evaluations/{world['plan']['id']}/tasks", headers=t.headers))
    assert [x["side"] for x in tasks["items"] if x["title"] == "Sign the DPA"] == ["BUYER"]
