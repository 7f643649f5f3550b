"""The API's /metrics (issue 16, observability): requests per route template, and the
business figures a scrape counts from the database whoever wrote the rows."""

from __future__ import annotations

from collections.abc import Iterator

import psycopg
import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families
from psycopg.types.json import Jsonb

from assetpulse.platform.api import create_app
from assetpulse.settings import Settings
from tests.fix_platform import make_card_sql

TOKEN = "scraper-" + "m" * 24


@pytest.fixture
def scraped(db_url: str, demo_units: dict[str, int]) -> Iterator[TestClient]:
    settings = Settings(
        database_url=db_url, jwt_secret="test-secret-" + "x" * 20, metrics_token=TOKEN
    )
    with TestClient(create_app(settings)) as client:
        yield client


def _bearer(client: TestClient, db_url: str, user: str) -> dict[str, str]:
    with psycopg.connect(db_url) as conn:
        row = conn.execute("select id from users where username = %s", (user,)).fetchone()
    assert row is not None
    token = client.app.state.tokens.issue(row[0])  # type: ignore[attr-defined]
    return {"Authorization": f"Bearer {token}"}


def _samples(client: TestClient, name: str) -> list[tuple[dict[str, str], float]]:
    r = client.get("/metrics/", headers={"Authorization": f"Bearer {TOKEN}"})
    assert r.status_code == 200
    return [
        (s.labels, s.value)
        for family in text_string_to_metric_families(r.text)
        for s in family.samples
        if s.name == name
    ]


def test_metrics_after_requests_count_them_by_route_template_not_raw_path(
    scraped: TestClient, db_url: str
) -> None:
    headers = _bearer(scraped, db_url, "hd_jb")
    for bill_id in (910001, 910002):
        assert scraped.get(f"/api/v1/bills/{bill_id}", headers=headers).status_code == 404
    assert scraped.get("/api/v1/no/such/path/4711").status_code == 404
    requests = _samples(scraped, "assetpulse_http_requests_total")
    by_route = {(s["route"], s["method"], s["status"]): v for s, v in requests}
    assert by_route[("/api/v1/bills/{bill_id}", "GET", "404")] == 2
    assert by_route[("unmatched", "GET", "404")] == 1
    assert not [s for s, _ in requests if "9100" in s["route"] or "4711" in s["route"]]
    latency = _samples(scraped, "assetpulse_http_request_duration_seconds_count")
    assert ({"route": "/api/v1/bills/{bill_id}", "method": "GET"}, 2.0) in latency


def test_metrics_business_figures_when_scraped_count_rows_any_process_wrote(
    scraped: TestClient, db_url: str, demo_units: dict[str, int]
) -> None:
    card = make_card_sql(db_url, demo_units["U460001"], status="idle", shareable=False)
    bill = scraped.post(
        "/api/v1/bills",
        json={"kind": "adjust", "card_ids": [card]},
        headers=_bearer(scraped, db_url, "hd_jb"),
    )
    assert bill.status_code == 201, bill.text
    with psycopg.connect(db_url) as conn:  # as the analyser does, from another process
        conn.execute(
            "insert into suggestions (card_id, unit_id, verdict, action, rule, score, metric,"
            " metric_value, evidence, evidence_zh, evidence_en, window_from, window_to)"
            " values (%s, %s, 'idle', 'adjust', 'idle-desktop', 0.9, 'usage_hours', 0, %s,"
            " '闲置', 'idle', '2026-10-01T00:00:00Z', '2026-11-01T00:00:00Z')",
            (card, demo_units["U460001"], Jsonb({})),
        )
    bills = {(s["kind"], s["stage"]): v for s, v in _samples(scraped, "assetpulse_bills")}
    assert bills == {("adjust", "draft"): 1}
    suggestions = _samples(scraped, "assetpulse_suggestions")
    assert suggestions == [({"verdict": "idle", "state": "new"}, 1.0)]
    assert _samples(scraped, "assetpulse_business_metrics_up") == [({}, 1.0)]
