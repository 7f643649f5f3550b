"""Suggestion lifecycle: refresh, supersede, and when a dismissed asset comes back."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import polars as pl

from assetpulse.monitor.core.suggestions import HISTORY_SCHEMA, plan

NOW = datetime(2026, 11, 1, tzinfo=UTC)


def _detail(rows):
    base = {"status": "in_use", "shareable": False, "threshold": 1.0, "unit_id": 3}
    return pl.DataFrame([{**base, **r} for r in rows])


def _history(rows):
    return pl.DataFrame(rows, schema=HISTORY_SCHEMA, orient="row")


IDLE = {"card_id": 1, "verdict": "idle", "metric_value": 0.0}
UNDER = {"card_id": 2, "verdict": "under_used", "metric_value": 0.4}


def test_plan_when_no_history_then_candidates_inserted_and_others_ignored():
    detail = _detail(
        [
            IDLE,
            UNDER,
            {"card_id": 3, "verdict": "in_use", "metric_value": 5.0},
            {"card_id": 4, "verdict": "idle", "metric_value": 0.0, "status": "leased"},
            {"card_id": 5, "verdict": "under_used", "metric_value": 0.1, "shareable": True},
        ]
    )
    p = plan(detail, _history([]), NOW)
    assert sorted(p.insert["card_id"].to_list()) == [1, 2]
    assert p.refresh.height == 0
    assert p.supersede == []


def test_plan_when_open_suggestion_then_refreshed_or_superseded():
    detail = _detail([IDLE, {"card_id": 2, "verdict": "in_use", "metric_value": 3.0}])
    hist = _history([(10, 1, "new", "idle", 0.0, None), (11, 2, "new", "under_used", 0.4, None)])
    p = plan(detail, hist, NOW)
    assert p.insert.height == 0
    assert p.refresh["suggestion_id"].to_list() == [10]
    assert p.supersede == [11]


def test_plan_when_dismissed_and_evidence_same_then_not_suggested_again():
    hist = _history([(10, 1, "dismissed", "idle", 0.0, NOW + timedelta(days=5))])
    assert plan(_detail([IDLE]), hist, NOW).insert.height == 0


def test_plan_when_dismissed_without_snooze_then_only_evidence_change_brings_it_back():
    hist = _history([(10, 2, "dismissed", "under_used", 0.4, None)])
    assert plan(_detail([UNDER]), hist, NOW).insert.height == 0
    slight = {**UNDER, "metric_value": 0.45}
    assert plan(_detail([slight]), hist, NOW).insert.height == 0
    dropped = {**UNDER, "metric_value": 0.05}
    assert plan(_detail([dropped]), hist, NOW).insert.height == 1
    now_idle = {**UNDER, "verdict": "idle", "metric_value": 0.0}
    assert plan(_detail([now_idle]), hist, NOW).insert.height == 1


def test_plan_when_snooze_over_then_suggested_again():
    hist = _history([(10, 1, "dismissed", "idle", 0.0, NOW - timedelta(seconds=1))])
    assert plan(_detail([IDLE]), hist, NOW).insert["card_id"].to_list() == [1]


def test_plan_when_previous_superseded_then_new_suggestion():
    hist = _history([(10, 1, "superseded", "idle", 0.0, None)])
    assert plan(_detail([IDLE]), hist, NOW).insert.height == 1
