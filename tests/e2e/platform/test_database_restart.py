"""The API across a PostgreSQL restart: brief 503s with a retry hint, then service again."""

from __future__ import annotations

import time

from fastapi.testclient import TestClient

from assetpulse.localservices import PostgresProcess
from assetpulse.org.seed import DEMO_PASSWORD, seed_demo_org
from assetpulse.platform.api import create_app
from assetpulse.settings import Settings


def test_plaza_when_database_restarts_answers_503_then_serves_again(
    pg_private: PostgresProcess,
) -> None:
    url = pg_private.url("assetpulse")
    seed_demo_org(url)
    settings = Settings(database_url=url, jwt_secret="test-secret-" + "x" * 20)
    with TestClient(create_app(settings)) as api:
        token = api.post(
            "/api/v1/auth/token", data={"username": "hs_jb", "password": DEMO_PASSWORD}
        ).json()["access_token"]
        headers = {"Authorization": f"Bearer {token}"}
        for _ in range(5):  # connections in use a moment ago: the pool will not ping them
            assert api.get("/api/v1/listings", headers=headers).status_code == 200
        pg_private.stop(mode="immediate")  # a crash: every open connection is cut
        pg_private.start()
        failures = []
        deadline = time.monotonic() + 30
        while (r := api.get("/api/v1/listings", headers=headers)).status_code != 200:
            assert time.monotonic() < deadline, "the API did not recover after the restart"
            failures.append(r)
        assert len(failures) <= 10  # at most one per pooled connection
        for r in failures:
            assert r.status_code == 503
            assert r.json()["error"]["code"] == "DATABASE_UNAVAILABLE"
            assert r.headers["Retry-After"] == "5"
        for _ in range(20):  # and every request after that
            assert api.get("/api/v1/listings", headers=headers).status_code == 200
