"""Settings read from the environment, and the secret key kept under the data directory."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from dealbench.settings import Settings


def test_the_secret_key_is_generated_once_and_kept(tmp_path: Path) -> None:
    first = Settings(var_dir=tmp_path / "var")
    key = first.resolved_secret_key()
    path = tmp_path / "var" / "secret.key"
    assert len(key) >= 64 and path.read_text().strip() == key
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert Settings(var_dir=tmp_path / "var").resolved_secret_key() == key  # a second process reads it
    assert Settings(var_dir=tmp_path / "var", secret_key="given").resolved_secret_key() == "given"


def test_an_empty_secret_key_file_is_refused(tmp_path: Path) -> None:
    (tmp_path / "secret.key").write_text("")
    with pytest.raises(RuntimeError, match=r"secret\.key is empty"):
        Settings(var_dir=tmp_path).resolved_secret_key()


def test_settings_come_from_the_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("DEALBENCH_VAR_DIR", str(tmp_path))
    monkeypatch.setenv("DEALBENCH_RATE_LIMIT_PER_MINUTE", "7")
    monkeypatch.setenv("DEALBENCH_REDIS_KEY_PREFIX", "blue")
    settings = Settings()
    assert settings.effective_database_url == f"sqlite:///{tmp_path / 'dealbench.db'}"
    assert (settings.rate_limit_per_minute, settings.redis_key_prefix) == (7, "blue")
