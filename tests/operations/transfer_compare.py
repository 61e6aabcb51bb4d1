"""Reading every API answer of an organization, and translating one server's answers into another's
ids, for the export/import round trip.

The GET routes come from the app's OpenAPI document: a route added later fails the round trip
until it is listed in :data:`ROUTES` (with where its path parameters come from).
"""

from __future__ import annotations

import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import orjson

Rows = dict[str, list[dict[str, Any]]]
Maps = dict[str, dict[int, int | None]]


def archive_rows(path: Path) -> Rows:
    """Every row of an archive, by table (the source's ids)."""
    out: Rows = {}
    with zipfile.ZipFile(path) as zf:
        for name in zf.namelist():
            if name.startswith("tables/"):
                table = name.removeprefix("tables/").removesuffix(".jsonl")
                out[table] = [orjson.loads(line) for line in zf.read(name).splitlines() if line.strip()]
    return out


@dataclass(frozen=True)
class Route:
    #: The table of the answer's ``id`` fields.
    context: str | None
    #: Requests to make, in the source's ids: ``{"path": {...}, "query": {...}}``.
    requests: Callable[[Rows], list[dict[str, dict[str, Any]]]] = lambda rows: [{}]
    #: Path and query parameters that are ids, and their tables.
    params: dict[str, str] = field(default_factory=dict)


def each(table: str, **names: str) -> Callable[[Rows], list[dict[str, dict[str, Any]]]]:
    """One request per row of ``table``: ``names`` maps a path parameter to the row's column."""
    return lambda rows: [{"path": {p: r[c] for p, c in names.items()}} for r in rows.get(table, [])]


def query(**params: Any) -> Callable[[Rows], list[dict[str, dict[str, Any]]]]:
    return lambda rows: [{"query": params}]


ROUTES: dict[str, Route] = {
    "/v1/organization": Route("organizations"),
    "/v1/organization/users": Route("users"),
    "/v1/roles": Route(None),
    "/v1/users": Route("users"),
    "/v1/user/id/{userId}": Route("users", each("users", userId="id"), {"userId": "users"}),
    "/v1/user/byemail": Route(
        "users", lambda rows: [{"query": {"email": u["email"]}} for u in rows["users"] if not u["deleted_at"]]
    ),
    "/v1/teams": Route("teams"),
    "/v1/teams/{teamId}/users": Route("users", each("teams", teamId="id"), {"teamId": "teams"}),
    "/v1/organization/invitations": Route("invitations"),
    "/v1/tokens": Route("api_tokens"),
    "/v1/deals": Route("deals", lambda rows: [{}, {"query": {"includeDeleted": "true"}}]),
    "/v1/deals/{id}": Route("deals", each("deals", id="id"), {"id": "deals"}),
    "/v1/deals/{id}/notes": Route("deal_notes", each("deals", id="id"), {"id": "deals"}),
    "/v1/sales-processes": Route("sales_processes", lambda rows: [{}, {"query": {"includeDeleted": "true"}}]),
    "/v1/sales-processes/{id}": Route(
        "sales_processes", each("sales_processes", id="id"), {"id": "sales_processes"}
    ),
    "/v1/sales-process-stages": Route(
        "sales_process_stages", lambda rows: [{}, {"query": {"includeDeleted": "true"}}]
    ),
    "/v1/sales-process-stages/{id}": Route(
        "sales_process_stages", each("sales_process_stages", id="id"), {"id": "sales_process_stages"}
    ),
    "/v1/tickets": Route("tickets", lambda rows: [{}, {"query": {"label": "sso"}}]),
    "/v1/tickets/{id}": Route("tickets", each("tickets", id="id"), {"id": "tickets"}),
    "/v1/evaluations": Route("evaluations"),
    "/v1/evaluations/{id}": Route("evaluations", each("evaluations", id="id"), {"id": "evaluations"}),
    "/v1/evaluations/{id}/activity": Route(
        "evaluation_activity", each("evaluations", id="id"), {"id": "evaluations"}
    ),
    "/v1/evaluations/{id}/phases": Route(
        "evaluation_phases", each("evaluations", id="id"), {"id": "evaluations"}
    ),
    "/v1/evaluations/{id}/criteria": Route(
        "success_criteria", each("evaluations", id="id"), {"id": "evaluations"}
    ),
    "/v1/evaluations/{id}/tasks": Route(
        "evaluation_tasks", each("evaluations", id="id"), {"id": "evaluations"}
    ),
    "/v1/evaluations/{id}/meetings": Route(
        "evaluation_meetings", each("evaluations", id="id"), {"id": "evaluations"}
    ),
    "/v1/evaluations/{id}/buyers": Route(
        "evaluation_buyers", each("evaluations", id="id"), {"id": "evaluations"}
    ),
    "/v1/evaluations/{id}/comments": Route(
        "evaluation_comments", each("evaluations", id="id"), {"id": "evaluations"}
    ),
    "/v1/plan-templates": Route("plan_templates"),
    "/v1/plan-templates/{id}": Route(
        "plan_templates", each("plan_templates", id="id"), {"id": "plan_templates"}
    ),
    "/v1/criteria": Route("library_criteria"),
    "/v1/criteria/{id}": Route(
        "library_criteria", each("library_criteria", id="id"), {"id": "library_criteria"}
    ),
    "/v1/criteria/{id}/metrics": Route(None, each("library_criteria", id="id"), {"id": "library_criteria"}),
    "/v1/projects": Route("projects"),
    "/v1/projects/{projectId}": Route(
        "projects", each("projects", projectId="id"), {"projectId": "projects"}
    ),
    "/v1/projects/{projectId}/users": Route(
        "users", each("projects", projectId="id"), {"projectId": "projects"}
    ),
    "/v1/projects/{projectId}/teams": Route(
        "teams", each("projects", projectId="id"), {"projectId": "projects"}
    ),
    "/v1/projects/{projectId}/fields": Route(
        "project_fields", each("projects", projectId="id"), {"projectId": "projects"}
    ),
    "/v1/projects/{projectId}/activity": Route(
        "project_activity", each("projects", projectId="id"), {"projectId": "projects"}
    ),
    "/v1/templates": Route("doc_templates"),
    "/v1/templates/{templateId}": Route(
        "doc_templates", each("doc_templates", templateId="id"), {"templateId": "doc_templates"}
    ),
    "/v1/projects/{projectId}/folders": Route(
        "folders", each("projects", projectId="id"), {"projectId": "projects"}
    ),
    "/v1/projects/{projectId}/folders/{folder}": Route(
        "folders",
        each("folders", projectId="project_id", folder="id"),
        {"projectId": "projects", "folder": "folders"},
    ),
    "/v1/projects/{projectId}/documents": Route(
        "documents", each("projects", projectId="id"), {"projectId": "projects"}
    ),
    "/v1/projects/{projectId}/documents/folder/{folderId}": Route(
        "documents",
        each("folders", projectId="project_id", folderId="id"),
        {"projectId": "projects", "folderId": "folders"},
    ),
    "/v1/projects/{projectId}/documents/{documentId}": Route(
        "documents",
        each("documents", projectId="project_id", documentId="id"),
        {"projectId": "projects", "documentId": "documents"},
    ),
    "/v1/projects/{projectId}/documents/{documentId}/versions": Route(
        "document_versions",
        each("documents", projectId="project_id", documentId="id"),
        {"projectId": "projects", "documentId": "documents"},
    ),
    "/v1/projects/{projectId}/documents/{documentId}/content": Route(
        None,
        lambda rows: [
            {
                "path": {"projectId": v["project_id"], "documentId": v["document_id"]},
                "query": {"version": v["id"]},
            }
            for v in rows["document_versions"]
        ],
        {"projectId": "projects", "documentId": "documents", "version": "document_versions"},
    ),
    "/api/v1/opportunities/my": Route(None),
    "/api/v1/admin/imports/{import_id}/error-file": Route(None, each("import_runs", import_id="uuid")),
    "/v1/imports": Route("import_runs"),
    "/v1/imports/{id}/errors": Route(None, each("import_runs", id="uuid")),
    "/v1/contacts": Route(
        "contacts", lambda rows: [{}, {"query": {"dealId": rows["deals"][0]["id"]}}], {"dealId": "deals"}
    ),
    "/v1/contacts/{id}": Route("contacts", each("contacts", id="id"), {"id": "contacts"}),
    "/v1/deals/{id}/contacts": Route("contacts", each("deals", id="id"), {"id": "deals"}),
    "/v1/sales-targets": Route("sales_targets"),
    "/v1/sales-targets/{id}": Route("sales_targets", each("sales_targets", id="id"), {"id": "sales_targets"}),
}
#: GET routes that are not organization data.
NOT_COMPARED = {
    "/graphql": "the playground page (GraphQL answers are compared through POST)",
    **{
        route: "events, webhook subscriptions and apps stay on their server (transfer/declarations.py)"
        for route in (
            "/v1/events",
            "/v1/webhooks",
            "/v1/webhooks/{id}",
            "/v1/webhooks/{id}/deliveries",
            "/v1/apps",
            "/v1/apps/{id}",
        )
    },
}

#: ``<name>Id`` keys of answers and the table they name.
ID_KEYS = {
    "organizationId": "organizations",
    "userId": "users",
    "ownerUserId": "users",
    "createdByUserId": "users",
    "inviterUserId": "users",
    "outcomeSetByUserId": "users",
    "assigneeUserId": "users",
    "defaultAssigneeUserId": "users",
    "teamId": "teams",
    "tokenId": "api_tokens",
    "dealId": "deals",
    "evaluationId": "evaluations",
    "phaseId": "evaluation_phases",
    "libraryCriterionId": "library_criteria",
    "criterionId": "library_criteria",
    "salesProcessId": "sales_processes",
    "salesProcessStageId": "sales_process_stages",
    "currentStageId": "sales_process_stages",
    "derivedFromTemplateId": "plan_templates",
    "templateId": "doc_templates",
    "projectId": "projects",
    "folderId": "folders",
    "parentId": "folders",
    "documentId": "documents",
    "versionId": "document_versions",
    "currentVersionId": "document_versions",
    "duplicateOfDocumentId": "documents",
    "assigneeBuyerId": "evaluation_buyers",
}
#: ``<name>Id`` keys whose table depends on the answer they are in.
ID_KEYS_IN = {
    "evaluation_comments": {
        "criterionId": "success_criteria",
        "taskId": "evaluation_tasks",
        "parentId": "evaluation_comments",
    },
}
#: ``<name>Id`` keys that are not Dealbench ids.
NOT_IDS = {"integrationInstallationId", "vendorEntityId", "companyVendorEntityId"}
#: Nested objects whose ``id`` names another table than their parent's.
CONTEXT = {
    "linkedDeals": "deals",
    "tickets": "tickets",
    "evaluation": "evaluations",
    "phases": "evaluation_phases",
    "criteria": "success_criteria",
    "tasks": "evaluation_tasks",
    "meetings": "evaluation_meetings",
    "organization": "organizations",
    "users": "users",
    "teams": "teams",
    "deals": "deals",
    "evaluations": "evaluations",
    "projects": "projects",
    "documents": "documents",
    "contacts": "contacts",
    "salesTargets": "sales_targets",
    "tokens": "api_tokens",
    "invitations": "invitations",
    "salesProcesses": "sales_processes",
}
#: Evaluation activity ``changes`` keys (the model's attribute names) that hold ids.
CHANGE_KEYS = {
    "dealId": "deals",
    "templateId": "plan_templates",
    "phase_id": "evaluation_phases",
    "assignee_user_id": "users",
    "outcome_set_by_user_id": "users",
    "library_criterion_id": "library_criteria",
    "current_stage_id": "sales_process_stages",
    "sales_process_id": "sales_processes",
    "default_assignee_user_id": "users",
    "assignee_buyer_id": "evaluation_buyers",
    "taskId": "evaluation_tasks",
    "commentId": "evaluation_comments",
    "parentId": "evaluation_comments",
}
ACTION_TABLES = {
    "evaluation": "evaluations",
    "phase": "evaluation_phases",
    "criterion": "success_criteria",
    "task": "evaluation_tasks",
    "meeting": "evaluation_meetings",
    "buyer": "evaluation_buyers",
    "comment": "evaluation_comments",
}


class Translator:
    """Rewrites a source answer with the destination's ids (a row not in the archive: null)."""

    def __init__(self, maps: Maps, *, slug: tuple[str, str] | None = None) -> None:
        self.maps = maps
        self.slug = slug

    def id(self, table: str | None, value: Any, where: str) -> Any:
        if value is None or isinstance(value, bool) or not isinstance(value, int):
            return value
        assert table is not None, f"an id with no known table at {where}"
        return self.maps[table].get(value)

    def __call__(self, value: Any, context: str | None, where: str = "$") -> Any:
        if isinstance(value, list):
            return [self(v, context, f"{where}[{i}]") for i, v in enumerate(value)]
        if not isinstance(value, dict):
            return value
        out: dict[str, Any] = {}
        for key, v in value.items():
            at = f"{where}.{key}"
            if key == "lastUsedAt":
                continue  # using a token records its use: the copies are read at other times
            if key == "id":
                out[key] = self.id(context, v, at)
            elif key in ID_KEYS_IN.get(context or "", {}) or key in ID_KEYS:
                table = ID_KEYS_IN.get(context or "", {}).get(key) or ID_KEYS[key]
                out[key] = (
                    [self.id(table, x, at) for x in v] if isinstance(v, list) else self.id(table, v, at)
                )
            elif key == "changes" and context == "evaluation_activity":
                out[key] = self.changes(v, value.get("action", ""), at)
            elif key == "details" and context == "project_activity":
                out[key] = self.details(v, at)
            elif key == "fields" and context == "documents":
                out[key] = self.fields(v, at)
            elif key == "slug" and self.slug and v == self.slug[0]:
                out[key] = self.slug[1]
            else:
                assert not (key.endswith("Id") and isinstance(v, int) and key not in NOT_IDS), (
                    f"{at}: an id field the comparison does not know"
                )
                out[key] = self(v, CONTEXT.get(key, context), at)
        return out

    def changes(self, value: Any, action: str, where: str) -> Any:
        if not isinstance(value, dict):
            return value
        item = ACTION_TABLES[action.split(".")[0]]
        out: dict[str, Any] = {}
        for key, v in value.items():
            table = item if key in ("id", "ids") else CHANGE_KEYS.get(key)
            if table is None:
                assert not key.endswith("_id"), f"{where}.{key}: an id the comparison does not know"
                out[key] = v
            elif isinstance(v, list):
                out[key] = [self.id(table, x, where) for x in v]
            elif isinstance(v, dict):
                out[key] = {k: self.id(table, x, where) for k, x in v.items()}
            else:
                out[key] = self.id(table, v, where)
        return out

    def details(self, value: dict[str, Any], where: str) -> dict[str, Any]:
        out = dict(value)
        for key in ("folderId", "fromFolderId", "toFolderId"):
            if key in out:
                out[key] = self.id("folders", out[key], where)
        if isinstance(out.get("fieldId"), str) and out["fieldId"].isdigit():
            new = self.id("project_fields", int(out["fieldId"]), where)
            out["fieldId"] = None if new is None else str(new)
        return out

    def fields(self, value: dict[str, Any], where: str) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, v in value.items():
            if key.isdigit():
                new = self.id("project_fields", int(key), where)
                if new is not None:
                    out[str(new)] = v
            elif key == "addedBy":
                out[key] = self.id("users", v, where)
            else:
                out[key] = v
        return out


def without_use(value: Any) -> Any:
    """An answer without ``lastUsedAt`` (the translator leaves it out of the expected answers)."""
    if isinstance(value, list):
        return [without_use(v) for v in value]
    if isinstance(value, dict):
        return {k: without_use(v) for k, v in value.items() if k != "lastUsedAt"}
    return value


def _fill(template: str, params: dict[str, Any]) -> str:
    path = template
    for name, value in params.items():
        path = path.replace("{" + name + "}", str(value))
    return path


@dataclass
class Answer:
    status: int
    body: Any


async def read_all(
    client: httpx.AsyncClient,
    headers: dict[str, str],
    rows: Rows,
    maps: Maps | None,
    *,
    content: bool = False,
) -> dict[str, Answer]:
    """Every GET route (``content``: only the document contents), keyed by the route and its
    parameters in the source's ids; ``maps`` turns them into this server's ids."""
    answers: dict[str, Answer] = {}
    for template, route in ROUTES.items():
        if template.endswith("/content") != content:
            continue
        for request in route.requests(rows):
            path_params = dict(request.get("path", {}))
            query_params = dict(request.get("query", {}))
            key = f"{template} {sorted(path_params.items())} {sorted(query_params.items())}"
            if maps is not None:
                for params in (path_params, query_params):
                    for name, value in params.items():
                        if name in route.params:
                            params[name] = maps[route.params[name]][value]
            r = await client.get(_fill(template, path_params), params=query_params, headers=headers)
            ctype = r.headers.get("content-type", "")
            body: Any = r.json() if ctype.startswith("application/json") else r.content
            answers[key] = Answer(r.status_code, body)
    return answers


GRAPHQL = """
query Everything($projectId: Int!) {
  organization { id name slug timezone settings }
  users { total data { id email role teams { id name } } }
  teams { data { id name } }
  tokens(includeRevoked: true) { data { id name kind userId scopes createdByUserId revokedAt rateLimitPerMinute } }
  invitations(includeExpired: true) { data { id status role inviteeEmail inviterUserId } }
  deals(includeDeleted: true) {
    data {
      id uuid name ownerUserId createdByUserId evaluationId salesProcessId salesProcessStageId amount deleted stageHistory
      tickets { id title labels linkedDeals { id evaluationId priority sharedWithBuyer } }
      evaluation { id title currentStageId derivedFromTemplateId }
    }
  }
  tickets { data { id title state closedAt labels dealAmountSum linkedDeals { id name priority } } }
  salesProcesses(includeDeleted: true) { data { id name isDefault createdByUserId } }
  evaluations {
    data {
      id title accessCode dealId currentStageId currentProcessPositionRank allProcessesPositionRank
      derivedFromTemplateId salesProcessId defaultAssigneeUserId
      phases { id title position }
      criteria { id phaseId libraryCriterionId outcome outcomeSetByUserId }
      tasks { id phaseId assigneeUserId completed }
      meetings { id phaseId attendeeEmails }
      progress { criteriaTotal tasksTotal tasksDone }
    }
  }
  projects { data { id name templateId dealId createdByUserId capability } }
  documents(projectId: $projectId) {
    data { id projectId folderId name size sha256 versionCount currentVersionId duplicateOfDocumentId createdByUserId }
  }
  contacts { data { id email dealId } }
  salesTargets { data { id userId month amount } }
}
"""


async def read_graphql(client: httpx.AsyncClient, headers: dict[str, str], project_id: int) -> Any:
    r = await client.post(
        "/graphql", json={"query": GRAPHQL, "variables": {"projectId": project_id}}, headers=headers
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert "errors" not in body, body
    return body
