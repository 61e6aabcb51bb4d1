"""DEALBENCH_LOG_FORMAT=json: one JSON object a line, with the request's context, and never a token,
password or cookie."""

from __future__ import annotations

import io
import json
import logging
import sys

import httpx

from dealbench.kit.logs import JsonFormatter, log_config
from tests.factories import Factory


async def test_the_access_line_carries_the_request_context_and_no_secret(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    tenant = await factory.tenant()
    deal = (await client.post("/v1/deals", json={"name": "Logged"}, headers=tenant.headers)).json()
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("dealbench")
    level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        ok = await client.get(
            f"/v1/deals/{deal['id']}",
            params={"access_token": tenant.token},
            headers={"Cookie": "session=c00kie-value", "X-Password": "pa55word"},
        )
        anonymous = await client.get("/v1/deals", headers={"Authorization": "Bearer dbk_not_a_real_token_o"})
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)
    assert ok.status_code == 200 and anonymous.status_code == 401
    text = stream.getvalue()
    for secret in (tenant.token, "c00kie-value", "pa55word", "dbk_not_a_real_token_o"):
        assert secret not in text
    lines = [json.loads(line) for line in text.splitlines()]
    access = [line for line in lines if line["logger"] == "dealbench.access"]
    assert len(access) == 2
    first, second = access
    assert set(first) >= {"time", "level", "logger", "message", "request_id", "method", "route", "status"}
    assert first["request_id"] == ok.headers["x-request-id"]
    assert (first["method"], first["route"], first["status"], first["level"]) == (
        "GET",
        "/v1/deals/{id}",
        200,
        "info",
    )
    assert isinstance(first["duration_ms"], float) and first["duration_ms"] >= 0
    assert (first["organization_id"], first["token_id"]) == (tenant.org.id, tenant.token_row.id)
    assert first["time"].endswith("+00:00")
    assert "access_token=[redacted]" in first["message"]
    # an unknown token: no principal, so no organization or token id
    assert second["status"] == 401 and second["route"] == "/v1/deals"
    assert "organization_id" not in second and "token_id" not in second


def test_other_lines_are_json_too_with_the_exception() -> None:
    formatter = JsonFormatter()
    try:
        raise ValueError("boom\nwith a second line")
    except ValueError:
        record = logging.getLogger("dealbench.test").makeRecord(
            "dealbench.test", logging.ERROR, __file__, 1, "failed: %s", ("x\x1b[31m",), exc_info=True
        )
        record.exc_info = sys.exc_info()
    line = formatter.format(record)
    assert "\n" not in line and "\x1b" not in line  # one line; control characters escaped
    body = json.loads(line)
    assert body["message"] == "failed: x\x1b[31m" and body["level"] == "error"
    assert "ValueError: boom" in body["exception"]
    assert "request_id" not in body  # outside a request


def test_log_config_formats_every_handler_as_json() -> None:
    config = log_config("info", "json")
    assert {f["()"] for f in config["formatters"].values()} == {"dealbench.kit.logs.JsonFormatter"}
    assert config["loggers"]["dealbench"]["level"] == "INFO"
    text = log_config("debug", "text")
    assert all("()" not in f or "JsonFormatter" not in f["()"] for f in text["formatters"].values())
