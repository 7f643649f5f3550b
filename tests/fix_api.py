"""API fixtures: the real app on a fresh database with the demo organisation."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from fastapi.testclient import TestClient

from assetpulse.org.seed import DEMO_PASSWORD, seed_demo_org
from assetpulse.platform.api import create_app
from assetpulse.settings import Settings

AuthHeaders = Callable[[str], dict[str, str]]


@pytest.fixture
def demo_units(db_url: str) -> dict[str, int]:
    """Seeds the demo organisation; unit code → id."""
    return seed_demo_org(db_url)


@pytest.fixture
def api(db_url: str, demo_units: dict[str, int]) -> Iterator[TestClient]:
    settings = Settings(database_url=db_url, jwt_secret="test-secret-" + "x" * 20)
    with TestClient(create_app(settings), raise_server_exceptions=True) as client:
        yield client


@pytest.fixture
def auth(api: TestClient) -> AuthHeaders:
    """``auth("hd_jb")`` → headers that carry that demo user's bearer token."""
    cache: dict[str, dict[str, str]] = {}

    def headers(username: str) -> dict[str, str]:
        if username not in cache:
            r = api.post(
                "/api/v1/auth/token", data={"username": username, "password": DEMO_PASSWORD}
            )
            assert r.status_code == 200, r.text
            cache[username] = {"Authorization": f"Bearer {r.json()['access_token']}"}
        return cache[username]

    return headers
