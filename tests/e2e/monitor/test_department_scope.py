"""An asset user (资产使用人) sees the usage and the suggestions of their own department's
cards only, as with the cards themselves (issue 14, point 5)."""

from __future__ import annotations

from typing import Any

import psycopg
import pytest
from fastapi.testclient import TestClient
from psycopg.types.json import Jsonb

from tests.fix_api import AuthHeaders

USAGE = "/api/v1/assets/{}/usage?from=2026-11-01T00:00:00%2B08:00&to=2026-11-03T00:00:00%2B08:00"


def _card(conn: psycopg.Connection[Any], code: str, unit: int, dept: int) -> int:
    row = conn.execute(
        "insert into asset_cards (asset_code, name, category_code, unit_id, department_id,"
        " status) values (%s, '台式机', 'A02010105', %s, %s, 'in_use') returning id",
        (code, unit, dept),
    ).fetchone()
    assert row is not None
    return int(row[0])


def _suggest(conn: psycopg.Connection[Any], card: int, unit: int) -> None:
    conn.execute(
        "insert into suggestions (card_id, unit_id, verdict, action, rule, score, metric,"
        " metric_value, evidence, evidence_zh, evidence_en, window_from, window_to)"
        " values (%s, %s, 'idle', 'adjust', 'idle-desktop', 0.9, 'usage_hours', 0, %s,"
        " '闲置', 'idle', '2026-10-01T00:00:00Z', '2026-11-01T00:00:00Z')",
        (card, unit, Jsonb({})),
    )


@pytest.fixture
def two_departments(db_url: str, demo_units: dict[str, int]) -> dict[str, int]:
    """A card in 物理学院 (hd_wl's department) and one in 后勤处, both of 海南大学."""
    unit = demo_units["U460001"]
    with psycopg.connect(db_url) as conn:
        own = _card(conn, "DEPT-OWN-1", unit, demo_units["D460001-01"])
        other = _card(conn, "DEPT-OTHER-1", unit, demo_units["D460001-02"])
        for card in (own, other):
            _suggest(conn, card, unit)
    return {"own": own, "other": other}


def test_usage_of_another_departments_card_is_not_found_for_asset_user(
    api: TestClient, auth: AuthHeaders, two_departments: dict[str, int]
) -> None:
    assert (
        api.get(f"/api/v1/cards/{two_departments['other']}", headers=auth("hd_wl")).status_code
        == 404
    )
    r = api.get(USAGE.format(two_departments["other"]), headers=auth("hd_wl"))
    assert r.status_code == 404
    assert r.json()["error"]["code"] == "CARD_NOT_FOUND"
    mine = api.get(USAGE.format(two_departments["own"]), headers=auth("hd_wl"))
    assert mine.status_code == 200, mine.text
    # the unit's staff still see every department's card
    assert api.get(USAGE.format(two_departments["other"]), headers=auth("hd_jb")).status_code == 200


def test_suggestions_of_another_department_are_invisible_to_asset_user(
    api: TestClient, auth: AuthHeaders, two_departments: dict[str, int]
) -> None:
    page = api.get("/api/v1/suggestions", headers=auth("hd_wl")).json()
    assert [s["card_id"] for s in page["items"]] == [two_departments["own"]]
    assert page["total"] == 1
    staff = api.get("/api/v1/suggestions", headers=auth("hd_jb")).json()
    other = next(s for s in staff["items"] if s["card_id"] == two_departments["other"])
    r = api.get(f"/api/v1/suggestions/{other['id']}", headers=auth("hd_wl"))
    assert r.status_code == 404
    assert r.json()["error"]["code"] == "SUGGESTION_NOT_FOUND"
