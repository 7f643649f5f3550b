"""Use follows the Chinese working calendar and working hours (UTC+8)."""

from __future__ import annotations

from datetime import date, datetime

from assetpulse.firmware_sim import Kind, Verdict
from assetpulse.firmware_sim.spec import CHINA_TZ
from assetpulse.firmware_sim.usage import is_workday

NATIONAL_DAY = [date(2026, 10, d) for d in range(1, 8)]
MAKEUP_SATURDAY = date(2026, 10, 10)  # a working day by State Council decree


def test_calendar_national_day_is_a_holiday_and_makeup_saturday_a_workday():
    assert not any(is_workday(d) for d in NATIONAL_DAY)
    assert is_workday(MAKEUP_SATURDAY)


def test_printers_idle_through_national_day_but_work_on_makeup_saturday(small_fleet):
    printers = [
        a for a in small_fleet.assets if a.kind is Kind.PRINTER and a.verdict is Verdict.IN_USE
    ]
    assert printers
    for a in printers:
        for d in NATIONAL_DAY:
            assert a.day(d).in_use_s == 0
    assert sum(a.day(MAKEUP_SATURDAY).sessions for a in printers) > 0


def test_fleet_in_use_mostly_on_working_days(small_fleet):
    work = rest = 0
    for a in small_fleet.assets:
        for d in a.truth_days:
            if d.workday:
                work += d.in_use_s
            else:
                rest += d.in_use_s
    days = small_fleet.assets[0].truth_days
    n_work = sum(d.workday for d in days)
    assert 0 < n_work < len(days)
    assert rest / (len(days) - n_work) < 0.15 * work / n_work


def test_sessions_lie_in_daytime_local_hours(small_fleet):
    for a in small_fleet.assets:
        first_of_day: dict[object, datetime] = {}
        for s in a.sessions:
            start = datetime.fromtimestamp(s.start_ms / 1000, CHINA_TZ)
            end = datetime.fromtimestamp(s.end_ms / 1000, CHINA_TZ)
            first_of_day.setdefault(start.date(), start)
            assert start.hour >= 8
            assert end.date() == start.date()
            assert end.hour < 23 or (end.hour == 23 and end.minute == 0)
        # a day's work starts in working hours (later sessions may run into the evening)
        assert all(8 <= f.hour < 18 for f in first_of_day.values())
