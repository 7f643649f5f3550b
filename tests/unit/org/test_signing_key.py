"""The signing key check and ``assetpulse run``'s per-installation key (issue 14, point 1)."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from assetpulse.org.tokens import WeakSecretError, check_signing_key
from assetpulse.runner.signing_key import installation_key
from assetpulse.settings import Settings


def test_check_signing_key_when_default_or_short_refuses_with_chinese_message() -> None:
    with pytest.raises(WeakSecretError, match="默认值"):
        check_signing_key(Settings().jwt_secret.get_secret_value())
    with pytest.raises(WeakSecretError, match="至少需要 32 字节"):
        check_signing_key("x" * 31)
    assert check_signing_key("x" * 32) == "x" * 32


def test_run_key_when_none_is_set_is_generated_once_per_installation(tmp_path: Path) -> None:
    key, source = installation_key(Settings(), tmp_path)
    assert len(key.encode()) >= 32
    assert "generated" in source
    stored = tmp_path / "jwt-secret"
    assert stat.S_IMODE(stored.stat().st_mode) == 0o600
    again, source_again = installation_key(Settings(), tmp_path)
    assert again == key
    assert "generated" not in source_again
    assert installation_key(Settings(), _fresh(tmp_path))[0] != key


def _fresh(tmp_path: Path) -> Path:
    other = tmp_path / "other-installation"
    other.mkdir()
    return other


def test_run_key_when_set_in_environment_wins(tmp_path: Path) -> None:
    settings = Settings(jwt_secret="from-the-environment-" + "e" * 20)
    assert installation_key(settings, tmp_path) == (
        "from-the-environment-" + "e" * 20,
        "ASSETPULSE_JWT_SECRET",
    )
    assert not (tmp_path / "jwt-secret").exists()
