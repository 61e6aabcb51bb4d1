"""JSON answers without response-model validation: wire dicts (see :mod:`dealbench.kit.presenter`)
straight to ``orjson``. The route keeps its ``response_model`` for the OpenAPI document; the
presenters' output is checked against those schemas by the test suite."""

from __future__ import annotations

from typing import Any

import orjson
from starlette.responses import Response


def json_response(payload: Any, status_code: int = 200) -> Response:
    return Response(orjson.dumps(payload), status_code=status_code, media_type="application/json")
