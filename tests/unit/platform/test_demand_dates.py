"""需求结束日期 must not come before 期望到货日期 (issue 18, item 10)."""

from __future__ import annotations

import datetime as dt

from assetpulse.platform import rules


def test_demand_dates_when_end_before_arrival_then_refused_in_chinese() -> None:
    problem = rules.demand_dates_problem(dt.date(2026, 12, 20), dt.date(2026, 12, 10))
    assert problem is not None
    assert "需求结束日期（2026-12-10）不能早于期望到货日期（2026-12-20）" in problem


def test_demand_dates_when_same_day_or_one_missing_then_accepted() -> None:
    day = dt.date(2026, 12, 20)
    assert rules.demand_dates_problem(day, day) is None
    assert rules.demand_dates_problem(None, day) is None
    assert rules.demand_dates_problem(day, None) is None
