"""A device's own off-hours background (core.background): a printer's self-cleaning
wake-ups are not use, its prints are. Hours are built the way the rollup gives a printer
on a plug with counters: per hour the on-seconds and the power cycles started in it."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import polars as pl

from assetpulse.monitor.core.background import subtract_background
from assetpulse.monitor.core.calendar import calendar_frame
from assetpulse.monitor.core.rollup import PHOTO, hourly_usage

FIRST = date(2026, 9, 14)  # a Monday; 21 days as the simulator's evaluation
CAL = calendar_frame(FIRST, FIRST + timedelta(days=20))
LOCAL = timedelta(hours=8)


def _hours(card: int, events: list[tuple[int, int, float, int]]) -> pl.DataFrame:
    """Every hour of the window for ``card``, with ``(day, local hour, on_s, sessions)``."""
    start = datetime(FIRST.year, FIRST.month, FIRST.day, tzinfo=UTC) - LOCAL
    hours = [start + timedelta(hours=h) for h in range(21 * 24)]
    used = {(d, h): (s, n) for d, h, s, n in events}
    rows = []
    for t in hours:
        local = t + LOCAL
        s, n = used.get(((local.date() - FIRST).days, local.hour), (0.0, 0))
        rows.append({"card_id": card, "hour": t, "in_use_s": s, "sessions": n, "coverage": 1.0})
    return pl.DataFrame(
        rows,
        schema={
            "card_id": pl.Int64,
            "hour": pl.Datetime("us", "UTC"),
            "in_use_s": pl.Float64,
            "sessions": pl.Int32,
            "coverage": pl.Float64,
        },
    )


# wake-ups of 60–120 s at any hour: nights, a Saturday, and two in office time
WAKEUPS = [(0, 5, 73.0, 1), (2, 23, 95.0, 1), (6, 3, 110.0, 1), (9, 1, 60.0, 1)]
OFFICE_WAKEUPS = [(8, 15, 102.0, 1), (11, 14, 65.0, 1)]


def _totals(frame: pl.DataFrame) -> dict[int, tuple[int, float]]:
    g = frame.group_by("card_id").agg(pl.col("sessions").sum(), pl.col("in_use_s").sum())
    return {int(c): (int(n), float(s)) for c, n, s in g.iter_rows()}


def test_background_when_printer_only_wakes_itself_then_no_use_left():
    idle = _hours(1, WAKEUPS + OFFICE_WAKEUPS)
    out, summary = subtract_background(idle, CAL, [1])
    assert _totals(out) == {1: (0, 0.0)}
    row = summary.row(0, named=True)
    assert row["background_sessions"] == 6
    assert 110 < row["background_max_s"] < 200  # about the longest wake-up seen, with slack


def test_background_when_printer_prints_rarely_then_its_prints_are_kept():
    prints = [(1, 10, 180.0, 1), (15, 14, 300.0, 1)]  # two 3–5-minute jobs in three weeks
    under_used = _hours(2, WAKEUPS + OFFICE_WAKEUPS + prints)
    out, _ = subtract_background(under_used, CAL, [2])
    assert _totals(out) == {2: (2, 480.0)}


def test_background_when_not_asked_or_no_recurring_background_then_use_unchanged():
    late_print = _hours(3, [(4, 20, 240.0, 1), (1, 10, 90.0, 1), (2, 9, 100.0, 1)])
    out, summary = subtract_background(late_print, CAL, [3])
    assert out.equals(late_print)  # one late job is no programme: nothing learned
    assert summary.height == 0
    other = _hours(4, WAKEUPS + OFFICE_WAKEUPS)
    out, _ = subtract_background(pl.concat([late_print, other]), CAL, [3])
    assert _totals(out)[4] == (6, sum(e[2] for e in WAKEUPS + OFFICE_WAKEUPS))  # not its rule


def test_background_when_many_short_office_sessions_then_only_the_expected_are_taken():
    # 30 one-minute jobs in office time, far more than four background wake-ups in ~350
    # off-hours predict for ~150 office hours (≈ 1.7, bound 5): at most 5 are taken
    jobs = [(d, h, 70.0, 1) for d in (0, 1, 2, 3, 4, 7) for h in (9, 10, 11, 14, 15)]
    busy = _hours(5, WAKEUPS + jobs)
    out, summary = subtract_background(busy, CAL, [5])
    sessions, _ = _totals(out)[5]
    assert 30 - 5 <= sessions < 30
    assert summary["background_sessions"][0] == 4 + 30 - sessions


def test_background_when_wakeup_runs_over_the_hour_then_its_tail_goes_too():
    split = [(0, 5, 40.0, 0), (0, 6, 50.0, 1)]  # started 05:59, counted at 06:01
    out, _ = subtract_background(_hours(6, WAKEUPS[1:] + split), CAL, [6])
    assert _totals(out) == {6: (0, 0.0)}


def test_background_when_printer_judged_then_evidence_names_the_wakeups_taken_out():
    from assetpulse.monitor.core.features import usage_features
    from assetpulse.monitor.core.rules import load_rules
    from assetpulse.monitor.core.verdicts import judge

    rollup = _hours(7, WAKEUPS + OFFICE_WAKEUPS + [(1, 10, 180.0, 1)])
    out, summary = subtract_background(rollup, CAL, [7])
    end = datetime(FIRST.year, FIRST.month, FIRST.day, tzinfo=UTC) - LOCAL + timedelta(days=21)
    out = out.with_columns(pl.lit(0.0).alias("distance_m"))
    feats = usage_features(out, CAL, window_end=end).collect().join(summary, on="card_id")
    cards = pl.DataFrame({"card_id": [7], "category_code": ["A020102"]})
    v = judge(cards, feats, load_rules()).collect().row(0, named=True)
    assert v["verdict"] == "under_used"  # one print in three weeks, not six
    assert "维护唤醒6次" in v["evidence_zh"]
    assert "wake-ups taken out: 6 sessions" in v["evidence_en"]


def test_background_when_real_printer_active_at_odd_hours_then_its_jobs_are_kept():
    # tracebase's office printer (tests/integration/monitor/test_quality_tracebase.py for
    # the data's source and licence): ten days, bursts of fuser pulses at 01:44, 20:17,
    # 23:08 on a Saturday … and two in office hours. Their on-time per hour ranges from
    # under a minute to four: no programme of one length, so nothing is taken as the
    # device's own background.
    folder = Path(__file__).parents[3] / ".." / "shared" / "data" / "tracebase_office"
    files = sorted((folder / "complete" / "Printer").glob("*.csv"))
    trace = (
        pl.concat(
            pl.read_csv(
                f,
                separator=";",
                has_header=False,
                new_columns=["ts", "p1", "p8"],
                schema_overrides={"ts": pl.String, "p1": pl.Int64, "p8": pl.Int64},
            )
            for f in files
        )
        .with_columns(pl.col("ts").str.to_datetime("%d/%m/%Y %H:%M:%S").alias("local"))
        .unique("local")
        .sort("local")
    )
    readings = trace.select(
        pl.lit(1, pl.Int64).alias("card_id"),
        pl.lit("TB-PRN").alias("sensor_id"),
        (pl.col("local") - LOCAL).dt.replace_time_zone("UTC").alias("t"),
        pl.lit(PHOTO, pl.Int16).alias("kind"),
        (pl.col("p1") > 50).alias("on_state"),  # the README's level for the printer
    )
    hours = hourly_usage(readings)
    days = trace["local"].dt.date()
    out, summary = subtract_background(hours, calendar_frame(days.min(), days.max()), [1])
    assert hours["sessions"].sum() > 100  # every fuser pulse is a power cycle
    assert summary.height == 0
    assert out.equals(hours)


def test_background_when_two_wakeups_in_one_office_hour_then_both_taken():
    # an idle printer that woke twice within one office hour (87 s each: 174 s, two power
    # cycles): the hour's on-time is longer than one wake-up, but not per power cycle
    twice = _hours(8, [*WAKEUPS, (3, 11, 174.0, 2)])
    out, summary = subtract_background(twice, CAL, [8])
    assert _totals(out) == {8: (0, 0.0)}
    assert summary["background_sessions"][0] == 6
