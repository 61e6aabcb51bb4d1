"""Request and answer shapes of the documents dialect (``/v1/projects``, ``/v1/templates``)."""

from __future__ import annotations

import unicodedata
from typing import Annotated, Any

from pydantic import AfterValidator, Field, model_validator
from pydantic_core import PydanticCustomError

from dealbench.deals.references import DealRefValue
from dealbench.kit.schemas import Id, InModel, NotNullable, OutModel, Timestamp
from dealbench.models import Capability, FieldType

NAME_MAX = 255


def check_name(value: str) -> str:
    """A folder (or template folder) name: 1..255 characters, no ``/``, no control characters (NUL
    included), and neither ``.`` nor ``..`` (they would read as path steps)."""
    if "/" in value:
        raise PydanticCustomError("zod_custom", "A folder name cannot contain '/'.", {})
    if value.strip() in {".", ".."}:
        raise PydanticCustomError("zod_custom", "A folder cannot be named '.' or '..'.", {})
    if any(unicodedata.category(ch) == "Cc" for ch in value):
        raise PydanticCustomError("zod_custom", "A folder name cannot contain control characters.", {})
    if not value.strip():
        raise PydanticCustomError("zod_custom", "A folder name cannot be blank.", {})
    return value


#: What :func:`check_name` allows, for the document ('.' and '..' aside): no '/', no control
#: character, not blank.
_NAME_PATTERN = r"^[^/\x00-\x1f\x7f-\x9f]*[^/\s\x00-\x1f\x7f-\x9f][^/\x00-\x1f\x7f-\x9f]*$"
FolderName = Annotated[
    str,
    Field(min_length=1, max_length=NAME_MAX, json_schema_extra={"pattern": _NAME_PATTERN}),
    AfterValidator(check_name),
]


# ----------------------------------------------------------------------------- templates


class TemplateFolder(InModel):
    name: FolderName
    children: list[TemplateFolder] = Field(default_factory=list, max_length=1000)

    @model_validator(mode="after")
    def _unique_children(self) -> TemplateFolder:
        _unique_names(self.children)
        return self


def _unique_names(folders: list[TemplateFolder]) -> None:
    seen: set[str] = set()
    for folder in folders:
        if folder.name in seen:
            raise PydanticCustomError(
                "zod_custom", f"Duplicate folder name '{folder.name}' among siblings.", {}
            )
        seen.add(folder.name)


class FieldDefinition(InModel):
    name: str = Field(min_length=1, max_length=NAME_MAX)
    type: FieldType
    options: list[Annotated[str, Field(min_length=1, max_length=NAME_MAX)]] | None = Field(
        default=None, max_length=500
    )

    @model_validator(mode="after")
    def _options_for_choice(self) -> FieldDefinition:
        if self.type is FieldType.CHOICE:
            if not self.options:
                raise PydanticCustomError(
                    "zod_custom", "A CHOICE field needs a non-empty 'options' list.", {}
                )
            if len(set(self.options)) != len(self.options):
                raise PydanticCustomError("zod_custom", "Options must be unique.", {})
        elif self.options is not None:
            raise PydanticCustomError("zod_custom", "Only CHOICE fields take 'options'.", {})
        return self


def _unique_fields(fields: list[FieldDefinition]) -> None:
    names = [f.name.lower() for f in fields]
    if len(set(names)) != len(names):
        raise PydanticCustomError("zod_custom", "Field names must be unique.", {})


class TemplateIn(InModel):
    name: str = Field(min_length=1, max_length=NAME_MAX)
    description: str | None = Field(default=None, max_length=10_000)
    folders: list[TemplateFolder] = Field(default_factory=list, max_length=1000)
    fields: list[FieldDefinition] = Field(default_factory=list, max_length=500)

    @model_validator(mode="after")
    def _unique(self) -> TemplateIn:
        _unique_names(self.folders)
        _unique_fields(self.fields)
        return self


class TemplateUpdate(InModel):
    name: str | None = Field(default=None, min_length=1, max_length=NAME_MAX)
    description: str | None = Field(default=None, max_length=10_000)
    folders: list[TemplateFolder] | None = Field(default=None, max_length=1000)
    fields: list[FieldDefinition] | None = Field(default=None, max_length=500)

    @model_validator(mode="after")
    def _unique(self) -> TemplateUpdate:
        if self.folders:
            _unique_names(self.folders)
        if self.fields:
            _unique_fields(self.fields)
        return self


class TemplateFolderOut(OutModel):
    name: str
    children: list[TemplateFolderOut] = []


class FieldDefinitionOut(OutModel):
    name: str
    type: FieldType
    options: list[str] | None = None


class TemplateOut(OutModel):
    id: int
    name: str
    description: str | None
    folders: list[TemplateFolderOut]
    fields: list[FieldDefinitionOut]
    created_at: Timestamp
    updated_at: Timestamp


# ----------------------------------------------------------------------------- projects


class ProjectCreate(InModel):
    name: str = Field(min_length=1, max_length=NAME_MAX)
    description: str | None = Field(default=None, max_length=10_000)
    template_id: Id | None = None
    deal_id: DealRefValue | None = Field(
        default=None, description="A deal id or `eid:<vendorEntityId>`: the project becomes its file center."
    )
    api_download_enabled: bool | None = Field(
        default=None, description="Default: the organization's setting `apiDownloadEnabledDefault`."
    )


class ProjectUpdate(InModel):
    name: NotNullable[Annotated[str, Field(min_length=1, max_length=NAME_MAX)]] = None
    description: str | None = Field(default=None, max_length=10_000)
    deal_id: DealRefValue | None = None
    api_download_enabled: NotNullable[bool] = None


class ProjectOut(OutModel):
    id: int
    name: str
    description: str | None
    template_id: int | None
    deal_id: int | None
    api_download_enabled: bool
    created_by_user_id: int | None
    created_at: Timestamp
    updated_at: Timestamp
    #: The caller's capability on the project.
    capability: Capability | None = None


class AccessIn(InModel):
    capability: Capability = Capability.READ_WRITE


class ProjectUserOut(OutModel):
    id: int
    email: str
    first_name: str | None
    last_name: str | None
    role: str
    capability: Capability


class ProjectTeamOut(OutModel):
    id: int
    name: str
    description: str | None
    capability: Capability


# ----------------------------------------------------------------------------- fields


class FieldOut(OutModel):
    id: int | str
    name: str
    type: FieldType
    options: list[str] | None = None
    standard: bool
    read_only: bool


class FieldCreate(FieldDefinition):
    pass


class FieldValueIn(InModel):
    value: Any = Field(description="The new value, validated by the field's type; null clears it.")


# ----------------------------------------------------------------------------- folders


class FolderCreate(InModel):
    name: FolderName
    parent_id: Id | None = None


class FolderOut(OutModel):
    id: int
    project_id: int
    name: str
    parent_id: int | None
    path: str
    created_at: Timestamp


# ----------------------------------------------------------------------------- documents


class DocumentOut(OutModel):
    id: int
    project_id: int
    folder_id: int | None
    name: str
    file_name: str
    content_type: str
    size: int
    sha256: str
    md5: str
    version_count: int
    current_version_id: int | None
    duplicate_of_document_id: int | None
    shared_with_buyer: bool = Field(
        description="Whether the buyer portal of the project's deal's plan shows and serves this document."
    )
    created_at: Timestamp
    updated_at: Timestamp
    created_by_user_id: int | None
    fields: dict[str, Any]


class ShareIn(InModel):
    shared_with_buyer: bool = Field(description="Show the document in the buyer portal of the deal's plan.")


class VersionOut(OutModel):
    id: int
    document_id: int
    number: int
    file_name: str
    content_type: str
    size: int
    sha256: str
    md5: str
    created_at: Timestamp
    created_by_user_id: int | None
    is_current: bool


class ProjectActivityOut(OutModel):
    id: int
    project_id: int
    document_id: int | None
    version_id: int | None
    action: str
    user_id: int | None
    details: dict[str, Any]
    created_at: Timestamp
