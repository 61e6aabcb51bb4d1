"""The evaluation plan pages: the list, a new plan (blank or from a template), the plan's own
fields, its phases, criteria, tasks and meetings (add, edit, move, delete; a task completed), the
timeline; a VIEWER's pages have no write controls and a forged write is 403; another
organization's plan is a 404 page."""

from __future__ import annotations

import re
from typing import Any

import httpx

from dealbench.models import Role
from tests.factories import Factory, StatementCounter, Tenant
from tests.web.helpers import api_post, use


async def _api(client: httpx.AsyncClient, tenant: Tenant, path: str) -> Any:
    got = await client.get(path, headers=tenant.headers)
    assert got.status_code == 200, got.text
    return got.json()


async def test_create_a_plan_from_a_template_and_work_on_it(
    web: httpx.AsyncClient, client: httpx.AsyncClient, factory: Factory
) -> None:
    tenant = await factory.tenant()
    template = await api_post(
        client,
        tenant,
        "/v1/plan-templates",
        {
            "title": "Security review",
            "phases": [{"title": "Discovery", "tasks": [{"title": "Kickoff"}]}],
            "criteria": [{"title": "SSO works"}],
        },
    )
    browser = await factory.browser(tenant)
    use(web, browser)
    empty = await web.get("/plans")
    assert empty.status_code == 200 and "No plans here yet." in empty.text and "Security review" in empty.text
    bad = await web.post("/plans", data={"csrf_token": browser.csrf, "templateId": str(template["id"])})
    assert bad.status_code == 400 and 'id="e-new-title"' in bad.text
    made = await web.post(
        "/plans",
        data={"csrf_token": browser.csrf, "title": "Acme evaluation", "templateId": str(template["id"])},
    )
    assert made.status_code == 303, made.text
    url = made.headers["location"]
    plan_id = int(url.rsplit("/", 1)[1])
    page = await web.get(url)
    assert page.status_code == 200
    assert "Acme evaluation" in page.text and "Discovery" in page.text and "SSO works" in page.text
    assert "Kickoff" in page.text

    # The plan's own fields; a refused colour is shown beside its field.
    refused = await web.post(
        url, data={"csrf_token": browser.csrf, "title": "Acme evaluation", "brandingColorHex": "red"}
    )
    assert refused.status_code == 400 and 'id="e-plan-brandingColorHex"' in refused.text
    saved = await web.post(
        url,
        data={
            "csrf_token": browser.csrf,
            "title": "Acme security evaluation",
            "mode": "DRAFT",
            "buyerAccessLevel": "ANYONE_WITH_LINK",
            "brandingColorHex": "#1a73e8",
            "buyerNotificationsEnabled": "true",
            "active": "true",
            "targetEndDate": "2027-03-31",
        },
    )
    assert saved.status_code == 303, saved.text
    plan = await _api(client, tenant, f"/v1/evaluations/{plan_id}")
    assert plan["title"] == "Acme security evaluation" and plan["mode"] == "DRAFT"
    assert plan["buyerAccessLevel"] == "ANYONE_WITH_LINK" and plan["brandingColorHex"] == "#1a73e8"
    assert plan["buyerNotificationsEnabled"] is True and plan["targetEndDate"].startswith("2027-03-31")

    # A criterion's outcome; a task added, assigned, completed and reopened.
    (criterion,) = (await _api(client, tenant, f"/v1/evaluations/{plan_id}/criteria"))["items"]
    outcome = await web.post(
        f"{url}/criteria/{criterion['id']}",
        data={"csrf_token": browser.csrf, "outcome": "MEETS", "outcomeNote": "Okta in a day"},
    )
    assert outcome.status_code == 303
    no_title = await web.post(f"{url}/tasks", data={"csrf_token": browser.csrf, "dueDate": "2027-01-15"})
    assert no_title.status_code == 400 and 'id="e-tasks-new-title"' in no_title.text
    added = await web.post(
        f"{url}/tasks",
        data={
            "csrf_token": browser.csrf,
            "title": "Security questionnaire",
            "dueDate": "2027-01-15",
            "assigneeUserId": str(browser.user.id),
        },
    )
    assert added.status_code == 303, added.text
    tasks = (await _api(client, tenant, f"/v1/evaluations/{plan_id}/tasks"))["items"]
    assert [t["title"] for t in tasks] == ["Kickoff", "Security questionnaire"]
    task = tasks[1]
    assert task["assigneeUserId"] == browser.user.id and task["dueDate"].startswith("2027-01-15")
    done = await web.post(f"{url}/tasks/{task['id']}", data={"csrf_token": browser.csrf, "completed": "true"})
    assert done.status_code == 303
    assert (await _api(client, tenant, f"/v1/evaluations/{plan_id}/tasks"))["items"][1]["completed"] is True
    page = await web.get(url)
    assert "Reopen Security questionnaire" in page.text and "okta in a day" in page.text.lower()
    moved = await web.post(
        f"{url}/tasks/{task['id']}/move", data={"csrf_token": browser.csrf, "direction": "up"}
    )
    assert moved.status_code == 303
    tasks = (await _api(client, tenant, f"/v1/evaluations/{plan_id}/tasks"))["items"]
    assert [t["title"] for t in tasks] == ["Security questionnaire", "Kickoff"]
    edited = await web.post(
        f"{url}/tasks/{task['id']}",
        data={
            "csrf_token": browser.csrf,
            "title": "Questionnaire",
            "description": "",
            "phaseId": "",
            "assigneeUserId": "",
            "dueDate": "",
        },
    )
    assert edited.status_code == 303
    task = (await _api(client, tenant, f"/v1/evaluations/{plan_id}/tasks"))["items"][0]
    assert task["title"] == "Questionnaire" and task["dueDate"] is None and task["assigneeUserId"] is None
    assert task["completed"] is True  # the edit form leaves completion alone

    # A meeting and a phase; a phase deleted.
    meeting = await web.post(
        f"{url}/meetings",
        data={
            "csrf_token": browser.csrf,
            "title": "Demo",
            "startsAt": "2027-02-01T10:00",
            "attendeeEmails": "cto@acme.example\nciso@acme.example",
        },
    )
    assert meeting.status_code == 303, meeting.text
    (m,) = (await _api(client, tenant, f"/v1/evaluations/{plan_id}/meetings"))["items"]
    assert m["attendeeEmails"] == ["cto@acme.example", "ciso@acme.example"]
    phase = await web.post(f"{url}/phases", data={"csrf_token": browser.csrf, "title": "Pilot"})
    assert phase.status_code == 303
    phases = (await _api(client, tenant, f"/v1/evaluations/{plan_id}/phases"))["items"]
    gone = await web.post(f"{url}/phases/{phases[1]['id']}/delete", data={"csrf_token": browser.csrf})
    assert gone.status_code == 303
    assert len((await _api(client, tenant, f"/v1/evaluations/{plan_id}/phases"))["items"]) == 1

    # The timeline names every change.
    timeline = await web.get(f"{url}/activity")
    assert timeline.status_code == 200
    for action in (
        "evaluation.created",
        "evaluation.updated",
        "task.created",
        "task.reordered",
        "phase.deleted",
    ):
        assert action in timeline.text
    listed = await web.get("/plans", params={"status": "all"})
    assert f'href="/plans/{plan_id}">Acme security evaluation</a>' in listed.text

    deleted = await web.post(f"{url}/delete", data={"csrf_token": browser.csrf})
    assert deleted.status_code == 303 and deleted.headers["location"] == "/plans"
    assert (await web.get(url)).status_code == 404


async def test_a_viewer_reads_plans_without_write_controls_and_a_forged_post_is_403(
    web: httpx.AsyncClient, client: httpx.AsyncClient, factory: Factory
) -> None:
    tenant = await factory.tenant()
    plan = await api_post(client, tenant, "/v1/evaluations", {"title": "Initech plan"})
    task = await api_post(client, tenant, f"/v1/evaluations/{plan['id']}/tasks", {"title": "Kickoff"})
    criterion = await api_post(client, tenant, f"/v1/evaluations/{plan['id']}/criteria", {"title": "SSO"})
    viewer = await factory.browser(tenant, Role.VIEWER)
    use(web, viewer)
    for path in ("/plans", f"/plans/{plan['id']}", f"/plans/{plan['id']}/activity"):
        page = await web.get(path)
        assert page.status_code == 200, path
        forms = re.findall(r'<form[^>]*method="post"[^>]*action="([^"]+)"', page.text)
        assert forms == ["/logout"], (path, forms)
    assert "Kickoff" in (await web.get(f"/plans/{plan['id']}")).text
    for path, data in (
        ("/plans", {"title": "x"}),
        (f"/plans/{plan['id']}", {"title": "x"}),
        (f"/plans/{plan['id']}/delete", {}),
        (f"/plans/{plan['id']}/tasks", {"title": "x"}),
        (f"/plans/{plan['id']}/tasks/{task['id']}", {"completed": "true"}),
        (f"/plans/{plan['id']}/tasks/{task['id']}/move", {"direction": "down"}),
        (f"/plans/{plan['id']}/criteria/{criterion['id']}", {"outcome": "MEETS"}),
        (f"/plans/{plan['id']}/criteria/{criterion['id']}/delete", {}),
    ):
        forged = await web.post(path, data={"csrf_token": viewer.csrf, **data})
        assert forged.status_code == 403, path
    assert (await _api(client, tenant, f"/v1/evaluations/{plan['id']}/tasks"))["items"][0][
        "completed"
    ] is False


async def test_another_organizations_plan_is_a_404_page(
    web: httpx.AsyncClient, client: httpx.AsyncClient, factory: Factory
) -> None:
    theirs = await factory.tenant()
    plan = await api_post(client, theirs, "/v1/evaluations", {"title": "Theirs"})
    task = await api_post(client, theirs, f"/v1/evaluations/{plan['id']}/tasks", {"title": "Kickoff"})
    browser = await factory.browser(await factory.tenant(), Role.ADMIN)
    use(web, browser)
    for path in (f"/plans/{plan['id']}", f"/plans/{plan['id']}/activity"):
        response = await web.get(path)
        assert response.status_code == 404 and "Not found" in response.text, path
    for path in (
        f"/plans/{plan['id']}",
        f"/plans/{plan['id']}/delete",
        f"/plans/{plan['id']}/tasks",
        f"/plans/{plan['id']}/tasks/{task['id']}",
        f"/plans/{plan['id']}/tasks/{task['id']}/move",
        f"/plans/{plan['id']}/tasks/{task['id']}/delete",
    ):
        response = await web.post(path, data={"csrf_token": browser.csrf, "title": "mine", "direction": "up"})
        assert response.status_code == 404, path
    assert "Theirs" not in (await web.get("/plans", params={"status": "all"})).text
    assert (await _api(client, theirs, f"/v1/evaluations/{plan['id']}"))["title"] == "Theirs"


async def test_the_plans_list_runs_as_many_statements_for_one_plan_as_for_many(
    web: httpx.AsyncClient, client: httpx.AsyncClient, factory: Factory, count_statements: StatementCounter
) -> None:
    counts = []
    for n in (1, 4):  # the list: n plans; the last plan: n tasks and n criteria
        tenant = await factory.tenant()
        for i in range(n):
            plan = await api_post(client, tenant, "/v1/evaluations", {"title": f"plan {i}"})
            deal = await api_post(
                client, tenant, "/v1/deals", {"name": f"deal {i}", "evaluationId": plan["id"]}
            )
            await api_post(client, tenant, f"/v1/evaluations/{plan['id']}/tasks", {"title": "t"})
        for _ in range(n):
            await api_post(client, tenant, f"/v1/evaluations/{plan['id']}/tasks", {"title": "more"})
            await api_post(client, tenant, f"/v1/evaluations/{plan['id']}/criteria", {"title": "c"})
        use(web, await factory.browser(tenant))
        listed = await web.get("/plans")  # once before: per-session work
        assert f'href="/deals/{deal["id"]}">deal {n - 1}</a>' in listed.text  # the deal by name
        count_statements.reset()
        assert (await web.get("/plans")).status_code == 200
        counts.append(count_statements.count)
        assert (await web.get(f"/plans/{plan['id']}")).status_code == 200
        count_statements.reset()
        assert (await web.get(f"/plans/{plan['id']}")).status_code == 200
        counts.append(count_statements.count)
    assert counts[0] == counts[2] and counts[1] == counts[3], counts


async def test_a_task_on_the_buyers_side_is_assigned_to_an_invited_buyer(
    web: httpx.AsyncClient, client: httpx.AsyncClient, factory: Factory
) -> None:
    tenant = await factory.tenant()
    plan = await api_post(client, tenant, "/v1/evaluations", {"title": "Umbrella plan"})
    buyer = await api_post(
        client, tenant, f"/v1/evaluations/{plan['id']}/buyers", {"email": "bea@umbrella.example"}
    )
    other = await api_post(client, tenant, "/v1/evaluations", {"title": "Another plan"})
    theirs = await api_post(
        client, tenant, f"/v1/evaluations/{other['id']}/buyers", {"email": "bo@x.example"}
    )
    browser = await factory.browser(tenant, Role.ADMIN)
    use(web, browser)
    url = f"/plans/{plan['id']}"
    page = await web.get(url)
    assert f'<option value="{buyer["id"]}">bea@umbrella.example</option>' in page.text
    assert "bo@x.example" not in page.text  # another plan's buyer is no choice here
    refused = await web.post(
        f"{url}/tasks",
        data={
            "csrf_token": browser.csrf,
            "title": "Send logs",
            "side": "BUYER",
            "assigneeBuyerId": theirs["id"],
        },
    )
    assert refused.status_code == 400 and 'id="e-tasks-new-assigneeBuyerId"' in refused.text
    made = await web.post(
        f"{url}/tasks",
        data={
            "csrf_token": browser.csrf,
            "title": "Send logs",
            "side": "BUYER",
            "assigneeBuyerId": buyer["id"],
        },
    )
    assert made.status_code == 303, made.text
    task = (await _api(client, tenant, f"/v1/evaluations/{plan['id']}/tasks"))["items"][0]
    assert (task["side"], task["assigneeBuyerId"]) == ("BUYER", buyer["id"])
    assert "bea@umbrella.example" in (await web.get(url)).text.split("Send logs", 1)[1]
