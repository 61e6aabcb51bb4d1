"""The container files parse and name only what exists: settings, commands, services, routes.
(They are not run here: no container engine on the test machines.)"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml
from typer.main import get_command

from dealbench.cli import app as cli_app
from dealbench.kit.clientinfo import TrustedProxies, parse_ip
from dealbench.settings import Settings

ROOT = Path(__file__).resolve().parents[2]


def _compose() -> dict[str, Any]:
    return yaml.safe_load((ROOT / "compose.yaml").read_text())  # type: ignore[no-any-return]


def _settings_env() -> set[str]:
    return {f"DEALBENCH_{name.upper()}" for name in Settings.model_fields}


def test_compose_has_the_services_and_two_replicas_behind_the_proxy() -> None:
    services = _compose()["services"]
    assert {"postgres", "redis", "minio", "minio-init", "dealbench-1", "dealbench-2", "proxy"} <= set(
        services
    )
    assert services["dealbench-1"] == services["dealbench-2"]
    nginx = (ROOT / "deploy" / "nginx.conf").read_text()
    upstreams = set(re.findall(r"server (dealbench-\d):8000", nginx))
    assert upstreams == {"dealbench-1", "dealbench-2"}
    assert "./deploy/nginx.conf:/etc/nginx/conf.d/default.conf:ro" in services["proxy"]["volumes"]


def test_compose_sets_only_real_settings_and_trusts_exactly_the_proxy() -> None:
    compose = _compose()
    env = compose["services"]["dealbench-1"]["environment"]
    assert set(env) <= _settings_env(), set(env) - _settings_env()
    proxy_ip = compose["services"]["proxy"]["networks"]["backend"]["ipv4_address"]
    trusted = TrustedProxies.parse(env["DEALBENCH_TRUSTED_PROXIES"])
    assert trusted.trusts(parse_ip(proxy_ip))
    assert not trusted.trusts(parse_ip("172.28.0.11"))  # a replica or anything else on the network
    assert env["DEALBENCH_STORAGE_URL"].startswith("s3://dealbench/")
    assert "store/dealbench" in compose["services"]["minio-init"]["command"][0]  # the bucket it creates


def test_dockerfile_runs_dealbench_serve_as_a_user_with_a_healthcheck() -> None:
    text = (ROOT / "Dockerfile").read_text()
    assert len(re.findall(r"^FROM python:3\.11-slim", text, re.M)) == 2  # multi-stage, slim
    assert re.search(r"^USER dealbench$", text, re.M)
    assert re.search(r"^VOLUME \[\"/var/lib/dealbench\"\]$", text, re.M)
    assert "http://127.0.0.1:8000/healthz" in text
    cmd = re.search(r"^CMD (\[.*\])$", text, re.M)
    assert cmd is not None
    args = yaml.safe_load(cmd.group(1))
    assert args[:2] == ["dealbench", "serve"]
    serve = get_command(cli_app).commands["serve"]  # type: ignore[attr-defined]
    options = {opt for param in serve.params for opt in param.opts}
    assert {a for a in args[2:] if a.startswith("--")} <= options
    for name in re.findall(r"(DEALBENCH_[A-Z0-9_]+)=", text):
        assert name in _settings_env()
