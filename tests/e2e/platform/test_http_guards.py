"""What every HTTP answer carries and what the public port does not serve (issue 14,
points 6 and 3): security headers, docs and metrics behind settings, a body-size limit
enforced while the body streams in."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from assetpulse.platform.api import create_app
from assetpulse.settings import Settings
from tests.fix_api import AuthHeaders

SECRET = "test-secret-" + "x" * 20


@pytest.mark.parametrize("path", ["/", "/health", "/api/v1/me", "/static/js/main.js"])
def test_response_when_any_path_carries_security_headers(api: TestClient, path: str) -> None:
    h = api.get(path).headers
    csp = h["Content-Security-Policy"]
    assert "script-src 'self'" in csp
    assert "frame-ancestors 'none'" in csp
    assert "object-src 'none'" in csp
    assert h["X-Content-Type-Options"] == "nosniff"
    assert h["X-Frame-Options"] == "DENY"
    assert h["Referrer-Policy"] == "same-origin"


def test_docs_schema_and_metrics_when_not_enabled_are_not_served(api: TestClient) -> None:
    for path in ("/docs", "/openapi.json", "/metrics"):
        assert api.get(path).status_code == 404, path


@pytest.fixture
def configured_api(db_url: str, demo_units: dict[str, int]) -> Iterator[TestClient]:
    settings = Settings(
        database_url=db_url,
        jwt_secret=SECRET,
        api_docs=True,
        metrics_token="scraper-" + "m" * 24,
        max_request_bytes=64 * 1024,
    )
    with TestClient(create_app(settings)) as client:
        yield client


def test_docs_when_enabled_are_served(configured_api: TestClient) -> None:
    assert configured_api.get("/openapi.json").json()["info"]["title"].startswith("AssetPulse")
    assert configured_api.get("/docs").status_code == 200


def test_metrics_when_token_is_set_answer_only_that_token(configured_api: TestClient) -> None:
    refused = configured_api.get("/metrics/")
    assert refused.status_code == 401
    assert refused.json()["error"]["code"] == "METRICS_TOKEN_REQUIRED"
    wrong = configured_api.get("/metrics/", headers={"Authorization": "Bearer guess"})
    assert wrong.status_code == 401
    ok = configured_api.get("/metrics/", headers={"Authorization": "Bearer scraper-" + "m" * 24})
    assert ok.status_code == 200
    assert "python_info" in ok.text


def _chunks(total: int, size: int = 16 * 1024) -> Iterator[bytes]:
    """A body without Content-Length: only counting while it streams can stop it."""
    sent = 0
    while sent < total:
        yield b" " * min(size, total - sent)
        sent += size


def test_request_body_over_the_global_limit_is_refused_while_streaming(
    configured_api: TestClient,
) -> None:
    r = configured_api.post(
        "/api/v1/bills",
        content=_chunks(200 * 1024),
        headers={"Content-Type": "application/json"},
    )
    assert r.status_code == 413
    assert r.json()["error"]["code"] == "REQUEST_TOO_LARGE"
    assert "请求内容超过" in r.json()["error"]["message"]


def test_request_body_declared_over_the_limit_is_refused_before_reading(
    configured_api: TestClient,
) -> None:
    r = configured_api.post(
        "/api/v1/bills",
        content=b"{}" + b" " * (100 * 1024),
        headers={"Content-Type": "application/json"},
    )
    assert r.status_code == 413
    assert r.json()["error"]["code"] == "REQUEST_TOO_LARGE"


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/suggestions?action=share&limit=1&offset=9223372036854775808",
        "/api/v1/cards?offset=9223372036854775808",
    ],
)
def test_number_beyond_bigint_when_any_part_answers_then_422_in_chinese(
    api: TestClient, auth: AuthHeaders, path: str
) -> None:
    r = api.get(path, headers=auth("hd_jb"))
    assert r.status_code == 422, r.text
    error = r.json()["error"]
    assert error["code"] == "INPUT_OUT_OF_RANGE"
    assert "超出允许范围" in error["message"]
