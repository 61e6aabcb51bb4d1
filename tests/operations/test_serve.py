"""``dealbench serve --workers 2`` for real: metrics add up across the worker processes
(prometheus-client's multiprocess mode), and ``DEALBENCH_LOG_FORMAT=json`` makes every line of
stderr, Uvicorn's included, one JSON object."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

ADMIN = ["--admin-email", "ops@example.com", "--json"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    tmp = tmp_path_factory.mktemp("serve")
    env = {
        **os.environ,
        "DEALBENCH_VAR_DIR": str(tmp),
        "DEALBENCH_DATABASE_URL": f"sqlite:///{tmp}/db.sqlite",
        "DEALBENCH_STORAGE_URL": f"file://{tmp}/files",
        "DEALBENCH_SECRET_KEY": "serve-test",
        "DEALBENCH_REDIS_URL": "",
        "DEALBENCH_LOG_FORMAT": "json",
        "DEALBENCH_ALLOWED_HOSTS": "127.0.0.1",  # links on the host the tests connect to
    }
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    boot = subprocess.run(
        [sys.executable, "-m", "dealbench", "bootstrap", "--org", "Ops", "--slug", "ops", *ADMIN],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    token = json.loads(boot.stdout)["token"]
    # a stale file of an earlier run: serve must clear it
    (tmp / "prometheus").mkdir()
    (tmp / "prometheus" / "counter_999999.db").write_bytes(b"stale")
    port = _free_port()
    stderr = tmp / "stderr.log"
    with stderr.open("wb") as err:
        proc = subprocess.Popen(
            [sys.executable, "-m", "dealbench", "serve", "--port", str(port), "--workers", "2"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=err,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                body = httpx.get(f"{base}/metrics", timeout=2).text
                if "dealbench_server_processes 2.0" in body:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline or proc.poll() is not None:
                raise RuntimeError(f"the server did not start: {stderr.read_text()[-2000:]}")
            time.sleep(0.3)
        yield {"base": base, "token": token, "tmp": tmp, "proc": proc, "stderr": stderr}
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()


def _samples(text: str) -> dict[tuple[str, frozenset[Any]], float]:
    return {
        (s.name, frozenset(s.labels.items())): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def test_metrics_add_up_across_two_worker_processes(server: dict[str, Any]) -> None:
    base = server["base"]
    key = (
        "dealbench_http_requests_total",
        frozenset({"route": "/readyz", "method": "GET", "status": "200"}.items()),
    )
    before = _samples(httpx.get(f"{base}/metrics", timeout=10).text).get(key, 0.0)
    sent = 40
    # a new connection per request, so the kernel hands them to both workers
    with httpx.Client(limits=httpx.Limits(max_keepalive_connections=0), timeout=10) as client:
        for _ in range(sent):
            assert client.get(f"{base}/readyz").status_code == 200
    for _ in range(5):  # whichever worker answers the scrape, the sums are the same
        samples = _samples(httpx.get(f"{base}/metrics", timeout=10).text)
        assert samples[key] - before == sent
        assert samples[("dealbench_server_processes", frozenset())] == 2
    files = sorted(p.name for p in (server["tmp"] / "prometheus").glob("*.db"))
    assert "counter_999999.db" not in files  # cleared at start
    pids = {m.group(1) for f in files if (m := re.match(r"counter_(\d+)\.db$", f))}
    assert len(pids) == 2, files


def test_every_stderr_line_is_json_with_the_request_context(server: dict[str, Any]) -> None:
    base, token = server["base"], server["token"]
    r = httpx.get(f"{base}/v1/organization", params={"access_token": token}, timeout=10)
    assert r.status_code == 200
    request_id = r.headers["x-request-id"]
    deadline = time.monotonic() + 20
    line: dict[str, Any] | None = None
    while line is None and time.monotonic() < deadline:
        lines = [json.loads(raw) for raw in server["stderr"].read_text().splitlines() if raw.strip()]
        line = next((x for x in lines if x.get("request_id") == request_id), None)
        time.sleep(0.2)
    assert line is not None
    assert (line["logger"], line["route"], line["status"], line["method"]) == (
        "dealbench.access",
        "/v1/organization",
        200,
        "GET",
    )
    assert isinstance(line["organization_id"], int) and isinstance(line["token_id"], int)
    assert token not in server["stderr"].read_text()
    assert any(x["logger"].startswith("uvicorn") for x in lines)  # Uvicorn's own lines are JSON too


def test_a_killed_worker_is_replaced_and_its_live_gauges_leave_the_sums(server: dict[str, Any]) -> None:
    base, folder = server["base"], server["tmp"] / "prometheus"
    key = (
        "dealbench_http_requests_total",
        frozenset({"route": "/readyz", "method": "GET", "status": "200"}.items()),
    )
    before = _samples(httpx.get(f"{base}/metrics", timeout=10).text)
    live = {
        int(m.group(1)) for f in folder.glob("gauge_livesum_*.db") if (m := re.search(r"_(\d+)\.db$", f.name))
    }
    victim = min(live)
    os.kill(victim, signal.SIGKILL)  # a worker of the server this module started
    deadline = time.monotonic() + 60
    while True:
        replaced = {
            int(m.group(1))
            for f in folder.glob("gauge_livesum_*.db")
            if (m := re.search(r"_(\d+)\.db$", f.name))
        }
        samples = _samples(httpx.get(f"{base}/metrics", timeout=10).text)
        processes = samples[("dealbench_server_processes", frozenset())]
        if victim not in replaced and len(replaced) == 2 and processes == 2:
            break  # the replacement has started; the dead worker's live gauges were dropped
        assert time.monotonic() < deadline, f"no replacement worker: {replaced}"
        time.sleep(0.3)
    assert samples[key] >= before[key]  # what the dead worker counted still counts


def test_uvicorn_does_not_believe_forwarded_headers_for_dealbench(server: dict[str, Any]) -> None:
    """Uvicorn would trust 127.0.0.1's X-Forwarded-* by default; serve turns that off, and nothing is
    trusted unless DEALBENCH_TRUSTED_PROXIES says so."""
    base, token = server["base"], server["token"]
    r = httpx.post(
        f"{base}/api/v1/admin/opportunities/upload",
        files={"file": ("o.csv", b"opp_id,opp_name\nF1,One\n,No id\n", "text/csv")},
        headers={
            "X-API-Key": token,
            "X-Forwarded-Proto": "https",
            "X-Forwarded-For": "198.51.100.99",
            "X-Request-Id": "from-a-client",
        },
        timeout=30,
    )
    assert r.status_code == 200, r.text
    assert r.json()["data"]["error_file"].startswith(f"{base}/api/v1/admin/imports/")  # http, as connected
    assert r.headers["x-request-id"] != "from-a-client"
