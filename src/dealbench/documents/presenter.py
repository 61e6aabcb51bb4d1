"""The wire shapes of the documents domain (the Opus 2 documents dialect), shared by REST, GraphQL
and the pages: a project with the caller's capability, a user's or a team's access, a template, a
metadata field, a folder, a document with its fields, a version, an activity entry.

Lists are Core rows of the columns below (the repository selects them); single objects are ORM
objects or read models.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any, NamedTuple

from dealbench.documents.schemas import (
    DocumentOut,
    FieldOut,
    FolderOut,
    ProjectActivityOut,
    ProjectOut,
    ProjectTeamOut,
    ProjectUserOut,
    TemplateOut,
    VersionOut,
)
from dealbench.kit.presenter import Shape
from dealbench.models import (
    Capability,
    DocTemplate,
    Document,
    DocumentVersion,
    FieldType,
    Folder,
    Project,
    ProjectActivity,
    ProjectField,
    ProjectTeam,
    ProjectUser,
    Team,
    User,
)


def _shape(model: Any, out: Any, *, without: Collection[str] = ()) -> Shape:
    """The shape of ``out``'s fields read from ``model``'s columns of the same names."""
    columns = model.__table__.c
    return Shape(
        [
            (info.alias or name, columns[name])
            for name, info in out.model_fields.items()
            if name not in without
        ]
    )


def _key(out: Any, name: str) -> str:
    return out.model_fields[name].alias or name  # type: ignore[no-any-return]


# ----------------------------------------------------------------------------- projects and access

PROJECT = _shape(Project, ProjectOut, without={"capability"})


def project(access: Any) -> dict[str, Any]:
    """A project with the caller's capability (a :class:`~dealbench.documents.repository.ProjectAccess`)."""
    return {**PROJECT.one(access.project), "capability": access.capability}


def projects(rows: Sequence[Sequence[Any]]) -> list[dict[str, Any]]:
    """Rows of ``PROJECT.columns`` followed by the caller's capability."""
    out = PROJECT.many(rows)
    for item, row in zip(out, rows, strict=True):
        item["capability"] = Capability(row[-1]) if row[-1] is not None else None
    return out


_GRANTED_USER = _shape(User, ProjectUserOut, without={"capability"})
_GRANTED_TEAM = _shape(Team, ProjectTeamOut, without={"capability"})
#: The columns of a page of users (teams) given access to a project.
PROJECT_USER = Shape(
    [
        *zip(_GRANTED_USER.keys, _GRANTED_USER.columns, strict=True),
        ("capability", ProjectUser.__table__.c.capability),
    ]
)
PROJECT_TEAM = Shape(
    [
        *zip(_GRANTED_TEAM.keys, _GRANTED_TEAM.columns, strict=True),
        ("capability", ProjectTeam.__table__.c.capability),
    ]
)


def _role(item: dict[str, Any]) -> dict[str, Any]:
    item["role"] = item["role"].value
    return item


def project_user(grant: Any) -> dict[str, Any]:
    """A user's access (a :class:`~dealbench.documents.repository.Grant` of a user)."""
    return _role({**_GRANTED_USER.one(grant.holder), "capability": grant.capability})


def project_users(rows: Sequence[Sequence[Any]]) -> list[dict[str, Any]]:
    return [_role(item) for item in PROJECT_USER.many(rows)]


def project_team(grant: Any) -> dict[str, Any]:
    """A team's access (a :class:`~dealbench.documents.repository.Grant` of a team)."""
    return {**_GRANTED_TEAM.one(grant.holder), "capability": grant.capability}


def project_teams(rows: Sequence[Sequence[Any]]) -> list[dict[str, Any]]:
    return PROJECT_TEAM.many(rows)


# ----------------------------------------------------------------------------- templates

TEMPLATE = _shape(DocTemplate, TemplateOut)


def _folder_tree(nodes: Any) -> list[dict[str, Any]]:
    return [{"name": n["name"], "children": _folder_tree(n.get("children"))} for n in nodes or []]


def _field_definitions(items: Any) -> list[dict[str, Any]]:
    return [{"name": f["name"], "type": f["type"], "options": f.get("options")} for f in items or []]


def _template(item: dict[str, Any]) -> dict[str, Any]:
    item["folders"] = _folder_tree(item["folders"])
    item["fields"] = _field_definitions(item["fields"])
    return item


def template(obj: Any) -> dict[str, Any]:
    return _template(TEMPLATE.one(obj))


def templates(rows: Sequence[Sequence[Any]]) -> list[dict[str, Any]]:
    return [_template(item) for item in TEMPLATE.many(rows)]


# ----------------------------------------------------------------------------- metadata fields


class StandardField(NamedTuple):
    id: str
    name: str
    type: FieldType
    read_only: bool


#: The fields every document has.
STANDARD_FIELDS = [
    StandardField("name", "Name", FieldType.SHORT_TEXT, False),
    StandardField("date", "Date", FieldType.DATE, False),
    StandardField("description", "Description", FieldType.LONG_TEXT, False),
    StandardField("fileName", "File name", FieldType.SHORT_TEXT, True),
    StandardField("addedBy", "Added by", FieldType.NUMBER, True),
    StandardField("dateAdded", "Date added", FieldType.DATETIME, True),
]
_READ_ONLY = _key(FieldOut, "read_only")


def field(obj: StandardField | ProjectField) -> dict[str, Any]:
    """A standard field or one of the project's own."""
    if isinstance(obj, StandardField):
        return {
            "id": obj.id,
            "name": obj.name,
            "type": obj.type,
            "options": None,
            "standard": True,
            _READ_ONLY: obj.read_only,
        }
    return {
        "id": obj.id,
        "name": obj.name,
        "type": obj.type,
        "options": obj.options,
        "standard": False,
        _READ_ONLY: False,
    }


# ----------------------------------------------------------------------------- folders

FOLDER = _shape(Folder, FolderOut)


def folder(obj: Any) -> dict[str, Any]:
    return FOLDER.one(obj)


def folders(rows: Sequence[Sequence[Any]]) -> list[dict[str, Any]]:
    return FOLDER.many(rows)


# ----------------------------------------------------------------------------- documents and versions

DOCUMENT = _shape(Document, DocumentOut, without={"fields"})
_DOC = Document.__table__.c
#: The columns of a page of documents: the shape's, then what the standard fields show besides.
DOCUMENT_COLUMNS = [*DOCUMENT.columns, _DOC.description, _DOC.document_date, _DOC.field_values]
_EXTRA = len(DOCUMENT.columns)


def _fields(item: dict[str, Any], description: Any, document_date: Any, values: Any) -> dict[str, Any]:
    """The standard fields of a document, then its user-defined values (``{"<fieldId>": value}``)."""
    return {
        "name": item["name"],
        "date": document_date,
        "description": description,
        "fileName": item["fileName"],
        "addedBy": item["createdByUserId"],
        "dateAdded": item["createdAt"],
        **(values or {}),
    }


def document(obj: Any) -> dict[str, Any]:
    item = DOCUMENT.one(obj)
    item["fields"] = _fields(item, obj.description, obj.document_date, obj.field_values)
    return item


def document_fields(obj: Any) -> dict[str, Any]:
    """The ``fields`` of a document as the API shows them."""
    return document(obj)["fields"]  # type: ignore[no-any-return]


def documents(rows: Sequence[Sequence[Any]]) -> list[dict[str, Any]]:
    """Rows of :data:`DOCUMENT_COLUMNS`."""
    out = DOCUMENT.many(rows)
    for item, row in zip(out, rows, strict=True):
        item["fields"] = _fields(item, row[_EXTRA], row[_EXTRA + 1], row[_EXTRA + 2])
    return out


VERSION = _shape(DocumentVersion, VersionOut, without={"is_current"})
_IS_CURRENT = _key(VersionOut, "is_current")


def version(obj: Any, current_version_id: int | None) -> dict[str, Any]:
    return {**VERSION.one(obj), _IS_CURRENT: obj.id == current_version_id}


def versions(rows: Sequence[Sequence[Any]], current_version_id: int | None) -> list[dict[str, Any]]:
    out = VERSION.many(rows)
    for item in out:
        item[_IS_CURRENT] = item["id"] == current_version_id
    return out


# ----------------------------------------------------------------------------- activity

ACTIVITY = _shape(ProjectActivity, ProjectActivityOut)


def activity(rows: Sequence[Sequence[Any]]) -> list[dict[str, Any]]:
    return ACTIVITY.many(rows)
