"""What the scheduled analyser's /health says between runs (issue 16)."""

from __future__ import annotations

import time
from datetime import UTC, datetime

from assetpulse.monitor.runs import RunRecord, RunState


def _run(outcome: str, error: str | None = None) -> RunRecord:
    return RunRecord(datetime.now(UTC), 1.5, outcome, cards=3, suggestions_new=1, error=error)


def test_health_before_any_run_is_ok_and_says_none_finished() -> None:
    ok, body = RunState(every_s=300).health()
    assert ok
    assert (body["status"], body["last_run"]) == ("ok", None)


def test_health_after_a_failed_run_is_failing_with_the_reason() -> None:
    state = RunState(every_s=300)
    state.finished(_run("ok"))
    state.finished(_run("failed", "DATABASE_UNAVAILABLE"))
    ok, body = state.health()
    assert not ok
    assert body["status"] == "failing"
    assert body["last_run"]["error"] == "DATABASE_UNAVAILABLE"


def test_health_when_no_success_for_three_periods_is_overdue() -> None:
    state = RunState(every_s=600)
    state.finished(_run("ok"))
    assert state.last_ok_at is not None
    state.last_ok_at -= 3 * 600 + 1
    ok, body = state.health()
    assert (ok, body["status"]) == (False, "overdue")
    fresh = RunState(every_s=600, up_since=time.time() - 3 * 600 - 1)
    assert fresh.health()[1]["status"] == "overdue"  # up for long, never succeeded
