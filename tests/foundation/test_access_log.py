"""The access log: one line per request, whatever the request holds, and never a token."""

from __future__ import annotations

import logging
from typing import Any

import pytest


@pytest.fixture
async def tenant(factory: Any) -> Any:
    return await factory.tenant()


async def _logged(client: Any, caplog: Any, url: str, **kw: Any) -> str:
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="dealbench.access"):
        await client.get(url, **kw)
    records = [r for r in caplog.records if r.name == "dealbench.access"]
    assert len(records) == 1
    return records[0].getMessage()


async def test_a_path_cannot_write_a_line_of_its_own(client: Any, caplog: Any) -> None:
    line = await _logged(client, caplog, "/v1/x%0AINFO:%20forged%20line%0D%1B[31mred%E2%80%A8end")
    assert "\n" not in line and "\r" not in line and "\x1b" not in line and "\u2028" not in line
    assert "/v1/x\\x0aINFO: forged line\\x0d\\x1b[31mred\\u2028end" in line
    quoted = await _logged(client, caplog, "/v1/x%22%20200%200.1ms%22")
    assert '/v1/x\\" 200 0.1ms\\"' in quoted  # a quote cannot close the request field


async def test_query_values_are_escaped_too(client: Any, caplog: Any) -> None:
    line = await _logged(client, caplog, "/v1/organization?x=%0Aforged&y=%1B")
    assert "\n" not in line and "\x1b" not in line
    assert "x=%0Aforged" in line and "y=%1B" in line


async def test_tokens_are_redacted_wherever_they_appear(client: Any, caplog: Any, tenant: Any) -> None:
    for url in (
        f"/v1/deals%3Faccess_token={tenant.token}",
        f"/v1/deals/{tenant.token}",
        f"/v1/deals?q={tenant.token}",
        f"/v1/deals?access_token={tenant.token}",
        f"/v1/deals%3Ftoken={tenant.token[4:]}",
    ):
        line = await _logged(client, caplog, url)
        assert tenant.token not in line and tenant.token[4:] not in line, line
        assert "[redacted]" in line, line
    line = await _logged(client, caplog, "/v1/deals?q=dbk_short")
    assert "dbk_short" not in line and "dbk_[redacted]" in line
