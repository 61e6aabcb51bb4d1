from __future__ import annotations

from pydantic import BaseModel

from dealbench.kit.schemas import OutModel, Timestamp


class ImportOut(OutModel):
    """One import. ``id`` is its UUID; ``errorFile`` is "" when every row was imported."""

    id: str
    kind: str
    filename: str | None
    total_original_rows: int
    total_imported_rows: int
    total_error_rows: int
    error_file: str
    ignored_columns: list[str]
    warnings: list[str]
    created_by_user_id: int | None
    created_at: Timestamp


# The JSend ``data`` of an upload in the SalesDirector.ai pipeline dialect (imports.presenter.upload_result).
class UploadResult(BaseModel):
    total_original_rows: int
    total_imported_rows: int
    total_error_rows: int
    error_file: str
    ignored_columns: list[str]
    warnings: list[str]


class UploadAnswer(BaseModel):
    status: str = "success"
    data: UploadResult
