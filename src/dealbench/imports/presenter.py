"""The wire shapes of an import: a run in the Opine dialect (:class:`dealbench.imports.schemas.ImportOut`)
and the result of an upload in the SalesDirector.ai pipeline dialect (JSend ``data``).

The link to a run's error file depends on the dialect and the server's address: the adapter builds it
and hands it in (``""`` when every row was imported).
"""

from __future__ import annotations

from typing import Any

from dealbench.imports.schemas import ImportOut
from dealbench.kit.schemas import iso_ms
from dealbench.models import ImportRun

_KEYS = {name: info.alias or name for name, info in ImportOut.model_fields.items()}


def import_run(run: ImportRun, *, error_file: str, warnings: list[str] | None = None) -> dict[str, Any]:
    """One run; ``warnings`` replaces the stored ones (an upload adds the error email's outcome)."""
    values: dict[str, Any] = {
        "id": str(run.uuid),
        "kind": run.kind,
        "filename": run.filename,
        "total_original_rows": run.total_original_rows,
        "total_imported_rows": run.total_imported_rows,
        "total_error_rows": run.total_error_rows,
        "error_file": error_file if run.total_error_rows else "",
        "ignored_columns": list(run.ignored_columns or []),
        "warnings": list(warnings if warnings is not None else run.warnings or []),
        "created_by_user_id": run.created_by_user_id,
        "created_at": iso_ms(run.created_at),
    }
    return {_KEYS[name]: values[name] for name in _KEYS}


def upload_result(run: ImportRun, *, error_file: str, warnings: list[str]) -> dict[str, Any]:
    """The JSend ``data`` of an upload (:class:`dealbench.imports.schemas.UploadResult`)."""
    return {
        "total_original_rows": run.total_original_rows,
        "total_imported_rows": run.total_imported_rows,
        "total_error_rows": run.total_error_rows,
        "error_file": error_file if run.total_error_rows else "",
        "ignored_columns": list(run.ignored_columns or []),
        "warnings": warnings,
    }
