"""Logging in and being recognised, over HTTP against a real PostgreSQL."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.fix_api import AuthHeaders


def test_login_with_right_password_returns_token_that_identifies_user(
    api: TestClient, auth: AuthHeaders
) -> None:
    me = api.get("/api/v1/me", headers=auth("hd_wl")).json()
    assert me["username"] == "hd_wl"
    assert me["user_type"] == "003"
    assert me["roles"] == ["asset_user"]
    assert me["department_id"] is not None


def test_login_with_wrong_password_is_refused_with_stable_code(api: TestClient) -> None:
    r = api.post("/api/v1/auth/token", data={"username": "hd_jb", "password": "wrong"})
    assert r.status_code == 401
    assert r.json()["error"]["code"] == "AUTH_BAD_CREDENTIALS"


def test_request_without_token_is_refused(api: TestClient) -> None:
    r = api.get("/api/v1/me")
    assert r.status_code == 401
    assert r.json()["error"]["code"] == "AUTH_REQUIRED"


def test_request_with_forged_token_is_refused(api: TestClient) -> None:
    r = api.get("/api/v1/me", headers={"Authorization": "Bearer eyJhbGciOiJIUzI1NiJ9.e30.x"})
    assert r.status_code == 401


def test_health_reports_database_ready(api: TestClient) -> None:
    assert api.get("/health").json()["status"] == "ok"
