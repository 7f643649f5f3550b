"""The analyser end to end: readings → `assetpulse analyse` → suggestions over HTTP → accept
or dismiss (card change with origin 'suggestion'), and per-asset usage buckets."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import polars as pl
import psycopg
import pytest
from click.testing import CliRunner

from assetpulse.monitor.cli import analyse

END = datetime(2026, 11, 2, 16, 0, tzinfo=UTC)  # local midnight 2026-11-03
DAYS = 10


def _trace(sensor: str, on_hours: set[int], minutes: int = 60) -> pl.DataFrame:
    """A desktop's photo sensor every 10 minutes for DAYS days; on during the first
    ``minutes`` of the local hours given."""
    start = END - timedelta(days=DAYS)
    ts = [start + timedelta(minutes=10 * i) for i in range(DAYS * 144)]
    on = [((t.hour + 8) % 24) in on_hours and t.minute < minutes for t in ts]
    return pl.DataFrame({"sensor_id": sensor, "t": ts, "kind": 1, "on_state": on})


def _run_analyse(db_url: str) -> str:
    result = CliRunner().invoke(
        analyse,
        ["--window-days", str(DAYS), "--end", END.strftime("%Y-%m-%dT%H:%M:%S")],
        env={"ASSETPULSE_DATABASE_URL": db_url},
    )
    assert result.exit_code == 0, result.output
    return result.output


@pytest.fixture
def analysed(api, db_url, monitor_world):
    idle = monitor_world.card("闲置台式机", "A02010105")
    busy = monitor_world.card("在用台式机", "A02010105")
    rare = monitor_world.card("少用台式机", "A02010105")
    other = monitor_world.card("海师台式机", "A02010105", unit="U460002")
    for name, card, hours, minutes in (
        ("PH-IDLE", idle, set(), 60),
        ("PH-BUSY", busy, set(range(9, 17)), 60),
        ("PH-RARE", rare, {10}, 30),
        ("PH-OTHER", other, set(), 60),
    ):
        monitor_world.bind(name, "photo", card, END - timedelta(days=DAYS + 1))
        monitor_world.write(_trace(name, hours, minutes))
    out = _run_analyse(db_url)
    return {"idle": idle, "busy": busy, "rare": rare, "other": other, "output": out}


def test_analyse_when_desktops_differ_then_idle_and_under_used_suggested(api, auth, analysed):
    assert "suggestions: 3 new" in analysed["output"]
    r = api.get("/api/v1/suggestions", headers=auth("hd_jb"))
    assert r.status_code == 200, r.text
    by_card = {s["card_id"]: s for s in r.json()["items"]}
    assert set(by_card) == {analysed["idle"], analysed["rare"]}
    idle, rare = by_card[analysed["idle"]], by_card[analysed["rare"]]
    assert (idle["verdict"], idle["action"]) == ("idle", "adjust")
    assert (rare["verdict"], rare["action"]) == ("under_used", "share")
    assert idle["score"] > rare["score"]
    assert "累计使用0.0小时" in idle["evidence_zh"]
    assert "0.0 h in use" in idle["evidence_en"]
    assert rare["evidence"]["usage_hours_per_workday"] == pytest.approx(0.5, abs=0.01)
    trace = rare["evidence"]["trace"]  # which sensors, which rule, which numbers
    assert (trace["signal"], trace["sensors"], trace["silent_sensors"]) == (
        "photo",
        ["PH-RARE"],
        [],
    )
    assert trace["rule"] == rare["rule"]
    assert trace["metric_value"] == pytest.approx(rare["metric_value"], abs=1e-3)


def test_suggestions_when_other_unit_then_invisible_and_not_actionable(api, auth, analysed):
    r = api.get("/api/v1/suggestions", headers=auth("hs_jb"))
    assert [s["card_id"] for s in r.json()["items"]] == [analysed["other"]]
    mine = api.get("/api/v1/suggestions", headers=auth("hd_jb")).json()["items"][0]
    r = api.post(f"/api/v1/suggestions/{mine['id']}/accept", headers=auth("hs_jb"))
    assert r.status_code == 404
    assert r.json()["error"]["code"] == "SUGGESTION_NOT_FOUND"


def test_accept_when_operator_then_pending_card_change_from_suggestion(api, auth, analysed, db_url):
    items = api.get("/api/v1/suggestions", headers=auth("hd_jb")).json()["items"]
    idle = next(s for s in items if s["card_id"] == analysed["idle"])
    r = api.post(f"/api/v1/suggestions/{idle['id']}/accept", headers=auth("hd_jb"), json={})
    assert r.status_code == 200, r.text
    assert r.json()["state"] == "accepted"
    with psycopg.connect(db_url) as conn:
        change = conn.execute(
            "select cc.state, cc.origin, cc.suggestion_id, cc.changes, cc.card_version,"
            " c.version, c.status from card_changes cc join asset_cards c on c.id = cc.card_id"
            " where cc.id = %s",
            (r.json()["card_change_id"],),
        ).fetchone()
    assert change == ("pending", "suggestion", idle["id"], {"status": "idle"}, 1, 1, "in_use")
    again = api.post(f"/api/v1/suggestions/{idle['id']}/accept", headers=auth("hd_jb"))
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "SUGGESTION_NOT_OPEN"


def test_accept_share_when_under_used_then_change_sets_shareable(api, auth, analysed, db_url):
    items = api.get("/api/v1/suggestions?action=share", headers=auth("hd_jb")).json()["items"]
    assert [s["card_id"] for s in items] == [analysed["rare"]]
    r = api.post(f"/api/v1/suggestions/{items[0]['id']}/accept", headers=auth("hd_jb"))
    assert r.status_code == 200, r.text
    with psycopg.connect(db_url) as conn:
        row = conn.execute(
            "select changes from card_changes where suggestion_id = %s", (items[0]["id"],)
        ).fetchone()
    assert row == ({"shareable": True},)


def test_accept_when_reviewer_not_operator_then_forbidden(api, auth, analysed):
    sid = api.get("/api/v1/suggestions", headers=auth("hd_sh")).json()["items"][0]["id"]
    r = api.post(f"/api/v1/suggestions/{sid}/accept", headers=auth("hd_sh"))
    assert r.status_code == 403
    r = api.post(f"/api/v1/suggestions/{sid}/dismiss", headers=auth("hd_sh"), json={"reason": "x"})
    assert r.status_code == 403


def test_dismiss_when_reanalysed_with_same_evidence_then_not_suggested_again(
    api, auth, analysed, db_url
):
    sid = next(
        s["id"]
        for s in api.get("/api/v1/suggestions", headers=auth("hd_jb")).json()["items"]
        if s["card_id"] == analysed["idle"]
    )
    r = api.post(f"/api/v1/suggestions/{sid}/dismiss", headers=auth("hd_jb"), json={})
    assert r.status_code == 422  # a reason is required
    r = api.post(
        f"/api/v1/suggestions/{sid}/dismiss",
        headers=auth("hd_jb"),
        json={"reason": "备用机，按规定保留", "snooze_days": 30},
    )
    assert r.status_code == 200, r.text
    assert r.json()["state"] == "dismissed"
    assert r.json()["snooze_until"] is not None
    out = _run_analyse(db_url)
    assert "0 new, 2 refreshed, 0 superseded" in out  # rare, and the other unit's
    open_cards = [
        s["card_id"] for s in api.get("/api/v1/suggestions", headers=auth("hd_jb")).json()["items"]
    ]
    assert open_cards == [analysed["rare"]]


def test_usage_when_daily_buckets_then_hours_and_coverage_per_local_day(api, auth, analysed):
    start = (END - timedelta(days=3)).isoformat()
    r = api.get(
        f"/api/v1/assets/{analysed['busy']}/usage",
        params={"from": start, "to": END.isoformat(), "bucket": "day"},
        # the unit's reviewer: an asset user sees only their department's cards (issue 14)
        headers=auth("hd_sh"),
    )
    assert r.status_code == 200, r.text
    items = r.json()["items"]
    assert len(items) == 3
    for b in items:
        assert b["in_use_s"] == pytest.approx(8 * 3600, rel=0.01)
        assert b["sessions"] == 1
        assert b["coverage"] == pytest.approx(1.0, abs=0.01)
    r = api.get(
        f"/api/v1/assets/{analysed['other']}/usage",
        params={"from": start, "to": END.isoformat()},
        headers=auth("hd_jb"),
    )
    assert r.status_code == 404
    r = api.get(
        f"/api/v1/assets/{analysed['busy']}/usage",
        params={"from": END.isoformat(), "to": start},
        headers=auth("hd_jb"),
    )
    assert r.status_code == 422
    assert r.json()["error"]["code"] == "USAGE_RANGE_INVALID"
