"""Login throttling, username enumeration and argon2 off the event loop (issue 14, point 2).

Each app here is built fresh, so its throttle starts empty."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient

from assetpulse.org.seed import DEMO_PASSWORD
from assetpulse.platform.api import create_app
from assetpulse.settings import Settings

TOKEN = "/api/v1/auth/token"


@pytest.fixture
def strict_api(db_url: str, demo_units: dict[str, int]) -> Iterator[TestClient]:
    settings = Settings(
        database_url=db_url,
        jwt_secret="test-secret-" + "x" * 20,
        login_failures_per_account="5/15 minutes",
        login_failures_per_address="8/15 minutes",
    )
    with TestClient(create_app(settings)) as client:
        yield client


def _login(api: TestClient, username: str, password: str) -> Any:
    return api.post(TOKEN, data={"username": username, "password": password})


def test_login_after_repeated_wrong_passwords_is_refused_even_when_right(
    strict_api: TestClient,
) -> None:
    for _ in range(5):
        assert _login(strict_api, "hd_jb", "guess").status_code == 401
    r = _login(strict_api, "hd_jb", DEMO_PASSWORD)
    assert r.status_code == 429
    assert r.json()["error"]["code"] == "AUTH_THROTTLED"
    assert "分钟后再试" in r.json()["error"]["message"]
    assert int(r.headers["Retry-After"]) > 0


def test_login_success_clears_the_accounts_count(strict_api: TestClient) -> None:
    for _ in range(4):
        assert _login(strict_api, "hd_sh", "typo").status_code == 401
    assert _login(strict_api, "hd_sh", DEMO_PASSWORD).status_code == 200
    assert _login(strict_api, "hd_sh", "typo").status_code == 401
    assert _login(strict_api, "hd_sh", DEMO_PASSWORD).status_code == 200


def test_login_from_one_address_trying_many_accounts_is_refused(strict_api: TestClient) -> None:
    for i in range(8):
        assert _login(strict_api, f"guess{i}", "guess").status_code == 401
    r = _login(strict_api, "hd_wl", DEMO_PASSWORD)  # a real account, right password
    assert r.status_code == 429
    assert r.json()["error"]["code"] == "AUTH_THROTTLED"


def test_login_of_unknown_user_does_the_same_argon2_work_off_the_event_loop(
    strict_api: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[bool] = []
    verify = PasswordHasher.verify

    def spy(self: PasswordHasher, hash: str, password: str) -> Any:
        try:
            asyncio.get_running_loop()
            calls.append(True)  # on the event loop: every other request waits
        except RuntimeError:
            calls.append(False)
        return verify(self, hash, password)

    monkeypatch.setattr(PasswordHasher, "verify", spy)
    unknown = _login(strict_api, "nobody-by-this-name", "guess")
    known = _login(strict_api, "hd_jb", "guess")
    assert unknown.status_code == known.status_code == 401
    assert unknown.json() == known.json()
    assert calls == [False, False]
