"""The plan templates and criteria library pages: a template made empty or from a plan, its
content edited item by item, a plan made from it; library criteria added, edited, copied into a
plan, with their metrics; a VIEWER's pages have no write controls and a forged write is 403;
another organization's template or criterion is a 404 page."""

from __future__ import annotations

import re
from typing import Any

import httpx

from dealbench.models import Role
from tests.factories import Factory, StatementCounter, Tenant
from tests.web.helpers import api_post, use


async def _get(client: httpx.AsyncClient, tenant: Tenant, path: str) -> Any:
    got = await client.get(path, headers=tenant.headers)
    assert got.status_code == 200, got.text
    return got.json()


async def test_templates_made_edited_and_used(
    web: httpx.AsyncClient, client: httpx.AsyncClient, factory: Factory
) -> None:
    tenant = await factory.tenant()
    plan = await api_post(client, tenant, "/v1/evaluations", {"title": "Globex plan"})
    phase = await api_post(client, tenant, f"/v1/evaluations/{plan['id']}/phases", {"title": "Pilot"})
    await api_post(
        client,
        tenant,
        f"/v1/evaluations/{plan['id']}/criteria",
        {"title": "SSO", "phaseId": phase["id"], "outcome": "MEETS"},
    )
    await api_post(client, tenant, f"/v1/evaluations/{plan['id']}/tasks", {"title": "Kickoff"})
    browser = await factory.browser(tenant)
    use(web, browser)
    empty = await web.get("/templates")
    assert empty.status_code == 200 and "No plan templates yet." in empty.text
    refused = await web.post("/templates", data={"csrf_token": browser.csrf, "description": "x"})
    assert refused.status_code == 400 and 'id="e-t-title"' in refused.text
    saved = await web.post(
        "/templates",
        data={"csrf_token": browser.csrf, "title": "Pilot playbook", "evaluationId": str(plan["id"])},
    )
    assert saved.status_code == 303, saved.text
    url = saved.headers["location"]
    template_id = int(url.rsplit("/", 1)[1])
    made = await _get(client, tenant, f"/v1/plan-templates/{template_id}")
    assert [p["title"] for p in made["phases"]] == ["Pilot"]
    assert [c["title"] for c in made["phases"][0]["criteria"]] == ["SSO"]
    assert [t["title"] for t in made["tasks"]] == ["Kickoff"]

    # Edit the content item by item, and the template's own fields.
    no_title = await web.post(
        f"{url}/items", data={"csrf_token": browser.csrf, "part": "tasks", "phase": "0"}
    )
    assert no_title.status_code == 400 and 'id="e-add-tasks-0-title"' in no_title.text
    for data in (
        {"part": "tasks", "phase": "0", "title": "Pilot review"},
        {"part": "criteria", "phase": "", "title": "Audit log"},
        {"part": "phases", "phase": "", "title": "Rollout"},
    ):
        added = await web.post(f"{url}/items", data={"csrf_token": browser.csrf, **data})
        assert added.status_code == 303, added.text
    stale = await web.post(
        f"{url}/items/remove",
        data={"csrf_token": browser.csrf, "part": "tasks", "phase": "", "index": "0", "title": "Not it"},
    )
    assert stale.status_code == 409
    removed = await web.post(
        f"{url}/items/remove",
        data={"csrf_token": browser.csrf, "part": "tasks", "phase": "", "index": "0", "title": "Kickoff"},
    )
    assert removed.status_code == 303
    renamed = await web.post(
        url, data={"csrf_token": browser.csrf, "title": "Pilot playbook v2", "description": ""}
    )
    assert renamed.status_code == 303
    made = await _get(client, tenant, f"/v1/plan-templates/{template_id}")
    assert made["title"] == "Pilot playbook v2" and made["tasks"] == []
    assert [p["title"] for p in made["phases"]] == ["Pilot", "Rollout"]
    assert [t["title"] for t in made["phases"][0]["tasks"]] == ["Pilot review"]
    assert [c["title"] for c in made["criteria"]] == ["Audit log"]
    page = await web.get(url)
    assert "Pilot review" in page.text and "Audit log" in page.text
    assert "Pilot playbook v2" in (await web.get("/templates")).text

    # A plan from it.
    used = await web.post(f"{url}/plan", data={"csrf_token": browser.csrf, "title": "Initech plan"})
    assert used.status_code == 303 and used.headers["location"].startswith("/plans/")
    new_plan = await web.get(used.headers["location"])
    assert (
        "Initech plan" in new_plan.text and "Pilot review" in new_plan.text and "Audit log" in new_plan.text
    )
    gone = await web.post(f"{url}/delete", data={"csrf_token": browser.csrf})
    assert gone.status_code == 303 and (await web.get(url)).status_code == 404


async def test_the_criteria_library(
    web: httpx.AsyncClient, client: httpx.AsyncClient, factory: Factory
) -> None:
    tenant = await factory.tenant()
    plan = await api_post(client, tenant, "/v1/evaluations", {"title": "Acme plan"})
    browser = await factory.browser(tenant)
    use(web, browser)
    assert "No library criteria" in (await web.get("/library")).text
    refused = await web.post("/library", data={"csrf_token": browser.csrf, "category": "Security"})
    assert refused.status_code == 400 and 'id="e-l-title"' in refused.text
    made = await web.post(
        "/library", data={"csrf_token": browser.csrf, "title": "SSO with SAML", "category": "Security"}
    )
    assert made.status_code == 303
    url = made.headers["location"]
    await web.post("/library", data={"csrf_token": browser.csrf, "title": "Fast import", "category": "Data"})
    security = await web.get("/library", params={"category": "Security"})
    assert "SSO with SAML" in security.text and "Fast import" not in security.text
    added = await web.post(
        f"{url}/add-to-plan", data={"csrf_token": browser.csrf, "evaluationId": str(plan["id"])}
    )
    assert added.status_code == 303 and added.headers["location"] == f"/plans/{plan['id']}#criteria"
    (criterion,) = (await _get(client, tenant, f"/v1/evaluations/{plan['id']}/criteria"))["items"]
    assert criterion["title"] == "SSO with SAML" and criterion["libraryCriterionId"] == int(
        url.rsplit("/", 1)[1]
    )
    page = await web.get(url)
    assert re.search(r"<dt>Plans with a copy</dt><dd>1</dd>", page.text)
    none = await web.post(f"{url}/add-to-plan", data={"csrf_token": browser.csrf})
    assert none.status_code == 400 and "Choose a plan." in none.text
    edited = await web.post(
        url, data={"csrf_token": browser.csrf, "title": "SSO (SAML, OIDC)", "category": "", "description": ""}
    )
    assert edited.status_code == 303
    assert "SSO (SAML, OIDC)" in (await web.get("/library")).text
    deleted = await web.post(f"{url}/delete", data={"csrf_token": browser.csrf})
    assert deleted.status_code == 303 and (await web.get(url)).status_code == 404
    (criterion,) = (await _get(client, tenant, f"/v1/evaluations/{plan['id']}/criteria"))["items"]
    assert criterion["libraryCriterionId"] is None  # the plan keeps its copy


async def test_a_viewer_reads_templates_and_the_library_without_write_controls(
    web: httpx.AsyncClient, client: httpx.AsyncClient, factory: Factory
) -> None:
    tenant = await factory.tenant()
    template = await api_post(
        client, tenant, "/v1/plan-templates", {"title": "Playbook", "tasks": [{"title": "Kickoff"}]}
    )
    criterion = await api_post(client, tenant, "/v1/criteria", {"title": "SSO"})
    viewer = await factory.browser(tenant, Role.VIEWER)
    use(web, viewer)
    for path in ("/templates", f"/templates/{template['id']}", "/library", f"/library/{criterion['id']}"):
        page = await web.get(path)
        assert page.status_code == 200, path
        forms = re.findall(r'<form[^>]*method="post"[^>]*action="([^"]+)"', page.text)
        assert forms == ["/logout"], (path, forms)
    for path, data in (
        ("/templates", {"title": "x"}),
        (f"/templates/{template['id']}", {"title": "x"}),
        (f"/templates/{template['id']}/items", {"part": "tasks", "phase": "", "title": "x"}),
        (
            f"/templates/{template['id']}/items/remove",
            {"part": "tasks", "phase": "", "index": "0", "title": "Kickoff"},
        ),
        (f"/templates/{template['id']}/plan", {"title": "x"}),
        (f"/templates/{template['id']}/delete", {}),
        ("/library", {"title": "x"}),
        (f"/library/{criterion['id']}", {"title": "x"}),
        (f"/library/{criterion['id']}/delete", {}),
    ):
        forged = await web.post(path, data={"csrf_token": viewer.csrf, **data})
        assert forged.status_code == 403, path
    assert (await _get(client, tenant, f"/v1/plan-templates/{template['id']}"))["tasks"][0][
        "title"
    ] == "Kickoff"


async def test_another_organizations_template_and_criterion_are_404_pages(
    web: httpx.AsyncClient, client: httpx.AsyncClient, factory: Factory
) -> None:
    theirs = await factory.tenant()
    template = await api_post(
        client, theirs, "/v1/plan-templates", {"title": "Theirs", "tasks": [{"title": "Kickoff"}]}
    )
    criterion = await api_post(client, theirs, "/v1/criteria", {"title": "Theirs"})
    their_plan = await api_post(client, theirs, "/v1/evaluations", {"title": "Their plan"})
    mine = await factory.tenant()
    my_criterion = await api_post(client, mine, "/v1/criteria", {"title": "Mine"})
    browser = await factory.browser(mine, Role.ADMIN)
    use(web, browser)
    for path in (f"/templates/{template['id']}", f"/library/{criterion['id']}"):
        assert (await web.get(path)).status_code == 404, path
    for path in (
        f"/templates/{template['id']}",
        f"/templates/{template['id']}/items",
        f"/templates/{template['id']}/items/remove",
        f"/templates/{template['id']}/plan",
        f"/templates/{template['id']}/delete",
        f"/library/{criterion['id']}",
        f"/library/{criterion['id']}/delete",
        f"/library/{criterion['id']}/add-to-plan",
    ):
        data = {"csrf_token": browser.csrf, "title": "Kickoff", "part": "tasks", "phase": "", "index": "0"}
        response = await web.post(path, data=data)
        assert response.status_code == 404, path
    # Their plan is not a plan of mine to copy from or into: the error beside the field.
    copy = await web.post(
        "/templates", data={"csrf_token": browser.csrf, "title": "x", "evaluationId": str(their_plan["id"])}
    )
    assert copy.status_code == 400 and f"Evaluation {their_plan['id']} not found." in copy.text
    into = await web.post(
        f"/library/{my_criterion['id']}/add-to-plan",
        data={"csrf_token": browser.csrf, "evaluationId": str(their_plan["id"])},
    )
    assert into.status_code == 400 and f"Evaluation {their_plan['id']} not found." in into.text
    assert (await _get(client, theirs, f"/v1/plan-templates/{template['id']}"))["title"] == "Theirs"


async def test_the_template_and_library_lists_run_as_many_statements_for_one_as_for_many(
    web: httpx.AsyncClient, client: httpx.AsyncClient, factory: Factory, count_statements: StatementCounter
) -> None:
    counts = []
    for n in (1, 4):
        tenant = await factory.tenant()
        for i in range(n):
            await api_post(
                client,
                tenant,
                "/v1/plan-templates",
                {"title": f"t {i}", "phases": [{"title": "p", "tasks": [{"title": "x"}]}]},
            )
            await api_post(client, tenant, "/v1/criteria", {"title": f"c {i}", "category": "Security"})
            await api_post(client, tenant, "/v1/evaluations", {"title": f"plan {i}"})
        use(web, await factory.browser(tenant))
        for url in ("/templates", "/library", "/library?category=Security"):
            assert (await web.get(url)).status_code == 200  # once before: per-session work
            count_statements.reset()
            assert (await web.get(url)).status_code == 200
            counts.append(count_statements.count)
    assert counts[:3] == counts[3:], counts
