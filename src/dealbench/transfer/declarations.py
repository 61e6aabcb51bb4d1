"""What travels with an organization, and what the metadata alone cannot say.

Every table reachable from ``organizations`` through NOT NULL foreign keys travels, with every
column, unless it is declared here. A new table or column that the walk cannot place (no path to
the organization, an integer ``*_id`` column without a foreign key, a JSON column) fails
``tests/operations/test_transfer_plan.py`` until it is declared in one of these lists:

- :data:`NOT_EXPORTED`: tables that stay behind, with the reason (sign-in sessions, delivery
  queues, event logs ...). A nullable reference to such a table arrives as null.
- :data:`NOT_EXPORTED_COLUMNS`: columns that stay behind (a webhook's signing secret ...); the
  importer gives them their default, as for a column the archive predates.
- :data:`REFERENCES`: integer columns that hold another row's id without a foreign key; they are
  renumbered like foreign keys.
- :data:`EXTERNAL_IDS`: integer ``*_id`` columns that name something outside Dealbench; copied.
- :data:`JSON_IDS`: JSON columns that hold ids, with the function that renumbers them;
  :data:`ID_FREE_JSON`: the JSON columns that hold none.
- :data:`BLOBS`: the tables whose rows name a document blob in the storage.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from dealbench.models import Base

#: The table of the organization itself; everything else hangs from it.
ROOT_TABLE = "organizations"

#: ``table -> reason``: tables that do not travel (see docs/org-export.md).
NOT_EXPORTED: dict[str, str] = {
    "idempotency_keys": "answers kept for a day to replay a client's retries, keyed per token on "
    "this server: a retry after a move runs again",
    "events": "the log of changes on this server, kept for a retention period; the destination "
    "starts its own log with the import",
    "webhook_endpoints": "subscriptions sign with secrets sealed by this server's key; subscribers "
    "subscribe again at the destination",
    "webhook_deliveries": "the delivery queue and log of this server's subscriptions",
    "webhook_attempts": "the delivery log of this server's subscriptions",
    "apps": "an app's client secret is sealed by this server's key and its token is minted at "
    "install: the app is registered and installed again at the destination",
    "web_sessions": "sign-in sessions of this server: people sign in again at the destination",
    "buyer_sessions": "buyers' portal sessions of this server, keyed with its secret: buyers sign "
    "in again at the destination",
    "buyer_sign_in_links": "one-time sign-in links valid for 15 minutes, keyed with this server's "
    "secret: a buyer asks for a new one at the destination",
    "buyer_mail": "this server's queue of mail to buyers (sign-in links, notifications)",
}

#: ``table.column -> reason``: columns that do not travel (the destination writes their default).
NOT_EXPORTED_COLUMNS: dict[str, str] = {
    "api_tokens.app_id": "apps do not travel: an app's token arrives as an organization token with "
    "the app's scopes, until the app is installed again",
}

#: ``table.column -> table``: integer columns holding the id of a row of that table, with no
#: foreign key (a cycle, or history that outlives the row). Renumbered; an id of a row that no
#: longer exists (a deleted document in the activity log) arrives as null.
REFERENCES: dict[str, str] = {
    "deals.project_id": "projects",
    "documents.current_version_id": "document_versions",
    "project_activity.document_id": "documents",
    "project_activity.version_id": "document_versions",
    "import_runs.token_id": "api_tokens",
}

#: ``table.column -> reason``: ``*_id`` columns that are not Dealbench ids; copied as they are.
EXTERNAL_IDS: dict[str, str] = {
    "deals.integration_installation_id": "the CRM integration's installation, outside Dealbench",
    "tickets.integration_installation_id": "the ticketing integration's installation, outside Dealbench",
}

#: JSON columns that hold no Dealbench ids (copied as they are).
ID_FREE_JSON: frozenset[str] = frozenset(
    {
        "organizations.settings",
        "api_tokens.scopes",
        "deals.stage_history",
        "evaluation_meetings.attendee_emails",
        "doc_templates.folders",
        "doc_templates.fields",
        "project_fields.options",
        "import_runs.ignored_columns",
        "import_runs.warnings",
    }
)

#: ``lookup(table, old_id)``: the id in the destination, or None when the archive has no such row.
Lookup = Callable[[str, Any], "int | None"]


@dataclass(frozen=True)
class JsonIds:
    """How to renumber the ids inside a JSON column: ``remap(value, source_row, lookup)``.

    ``needs`` lists the tables whose ids it looks up; they are loaded first.
    """

    needs: tuple[str, ...]
    remap: Callable[[Any, Mapping[str, Any], Lookup], Any]


@dataclass(frozen=True)
class BlobColumns:
    """A table whose rows name a content-addressed blob: its digest, storage key and size."""

    digest: str
    key: str
    size: str


#: ``table -> columns``: the blobs these rows name travel in the archive.
BLOBS: dict[str, BlobColumns] = {
    "document_versions": BlobColumns(digest="sha256", key="storage_key", size="size"),
}


# --------------------------------------------------------------------------- JSON renumbering


def as_id(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.isdigit():
        return int(value)
    return None


def _map(lookup: Lookup, table: str, value: Any) -> Any:
    """An id (int, or digits in a string: the type is kept); anything else unchanged."""
    old = as_id(value)
    if old is None:
        return value
    new = lookup(table, old)
    if new is None:
        return None
    return str(new) if isinstance(value, str) else new


def column_target(table: str, column: str) -> str | None:
    """The table a column of ``table`` points at (foreign key or :data:`REFERENCES`), if any."""
    declared = REFERENCES.get(f"{table}.{column}")
    if declared is not None:
        return declared
    t = Base.metadata.tables.get(table)
    if t is None or column not in t.c:
        return None
    for fk in t.c[column].foreign_keys:
        return fk.column.table.name
    return None


#: The item an evaluation activity entry is about, by the first word of its ``action``.
_EVALUATION_ITEMS = {
    "evaluation": "evaluations",
    "phase": "evaluation_phases",
    "criterion": "success_criteria",
    "task": "evaluation_tasks",
    "meeting": "evaluation_meetings",
    "buyer": "evaluation_buyers",
    "comment": "evaluation_comments",
}
#: Keys of ``changes`` named in the wire's spelling.
_EVALUATION_NAMED = {
    "dealId": "deals",
    "templateId": "plan_templates",
    "taskId": "evaluation_tasks",
    "commentId": "evaluation_comments",
    "parentId": "evaluation_comments",
}


def _map_change(lookup: Lookup, table: str, value: Any) -> Any:
    if isinstance(value, list):
        return [_map(lookup, table, v) for v in value]
    if isinstance(value, dict) and set(value) <= {"from", "to"}:
        return {k: _map(lookup, table, v) for k, v in value.items()}
    return _map(lookup, table, value)


def _evaluation_changes(value: Any, row: Mapping[str, Any], lookup: Lookup) -> Any:
    """``{"id": item, "ids": [...], "dealId", "templateId", "<column>": {"from", "to"} | value}``."""
    if not isinstance(value, dict):
        return value
    item = _EVALUATION_ITEMS.get(str(row.get("action") or "").split(".", 1)[0])
    out: dict[str, Any] = {}
    for key, v in value.items():
        target: str | None
        if key in ("id", "ids"):
            target = item
        elif key in _EVALUATION_NAMED:
            target = _EVALUATION_NAMED[key]
        else:
            target = column_target(item, key) if item else None
        out[key] = _map_change(lookup, target, v) if target else v
    return out


def _evaluation_needs() -> tuple[str, ...]:
    needs = set(_EVALUATION_ITEMS.values()) | set(_EVALUATION_NAMED.values())
    for table in _EVALUATION_ITEMS.values():
        for column in Base.metadata.tables[table].c:
            target = column_target(table, column.name)
            if target is not None:
                needs.add(target)
    return tuple(sorted(needs))


_FOLDER_KEYS = ("folderId", "fromFolderId", "toFolderId")


def _project_activity_details(value: Any, row: Mapping[str, Any], lookup: Lookup) -> Any:
    """``folderId``/``fromFolderId``/``toFolderId`` name folders; ``fieldId`` a project field
    (digits) or a standard field (a name, kept)."""
    if not isinstance(value, dict):
        return value
    out = dict(value)
    for key in _FOLDER_KEYS:
        if key in out:
            out[key] = _map(lookup, "folders", out[key])
    if "fieldId" in out:
        out["fieldId"] = _map(lookup, "project_fields", out["fieldId"])
    return out


def _document_field_values(value: Any, row: Mapping[str, Any], lookup: Lookup) -> Any:
    """``{"<fieldId>": value}``: keys are project field ids (a value of no field is dropped)."""
    if not isinstance(value, dict):
        return value
    out: dict[str, Any] = {}
    for key, v in value.items():
        new = _map(lookup, "project_fields", key)
        if new is not None:
            out[str(new)] = v
    return out


def _template_criteria(lookup: Lookup, criteria: Any) -> Any:
    if not isinstance(criteria, list):
        return criteria
    out = []
    for c in criteria:
        if isinstance(c, dict) and c.get("libraryCriterionId") is not None:
            c = {**c, "libraryCriterionId": _map(lookup, "library_criteria", c["libraryCriterionId"])}
        out.append(c)
    return out


def _plan_template_content(value: Any, row: Mapping[str, Any], lookup: Lookup) -> Any:
    """``criteria[].libraryCriterionId`` and ``phases[].criteria[].libraryCriterionId``."""
    if not isinstance(value, dict):
        return value
    out = dict(value)
    if "criteria" in out:
        out["criteria"] = _template_criteria(lookup, out["criteria"])
    if isinstance(out.get("phases"), list):
        out["phases"] = [
            {**p, "criteria": _template_criteria(lookup, p.get("criteria"))}
            if isinstance(p, dict) and "criteria" in p
            else p
            for p in out["phases"]
        ]
    return out


JSON_IDS: dict[str, JsonIds] = {
    "evaluation_activity.changes": JsonIds(_evaluation_needs(), _evaluation_changes),
    "project_activity.details": JsonIds(("folders", "project_fields"), _project_activity_details),
    "documents.field_values": JsonIds(("project_fields",), _document_field_values),
    "plan_templates.content": JsonIds(("library_criteria",), _plan_template_content),
}
