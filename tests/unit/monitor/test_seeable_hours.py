"""A room whose light meter cannot see a lamp in bright daylight (day-blind, issue 11):
judged by the working hours dim enough for people to need a lamp and for the meter to see
one (``light.hour_sight``, ``features.seeable_coverage``, ``verdicts.judge``), else 数据不足
naming the meter and those hours. Pure core, no database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import polars as pl

from assetpulse.monitor.core.calendar import calendar_frame
from assetpulse.monitor.core.detectors.light import SWAY_BINS, hour_sight
from assetpulse.monitor.core.features import seeable_coverage, usage_features, window_days
from assetpulse.monitor.core.rules import load_rules
from assetpulse.monitor.core.verdicts import judge

END = datetime(2026, 10, 11, 16, 0, tzinfo=UTC)  # local midnight after Sunday 2026-10-11
DAYS = 14  # 2026-09-28 … 2026-10-11: National Day week, 6 working days (one a make-up Saturday)
RULES = load_rules()
METER = "PH-EAST-0101"


def _calendar() -> pl.DataFrame:
    first, last = window_days(END, DAYS)
    return calendar_frame(first, last)


def _hours() -> pl.Series:
    return pl.datetime_range(
        END - timedelta(days=DAYS), END, "1h", closed="left", eager=True, time_zone="UTC"
    )


def _local_hour(hour: pl.Expr) -> pl.Expr:
    return (hour.dt.hour() + 8) % 24


def _room(card: int, seeable_local_hours: range) -> pl.DataFrame:
    """Every hour covered, never lit; ``seeable`` (the hour's coverage where the meter could
    see a lamp) in the local hours given, every day."""
    return pl.DataFrame({"card_id": card, "hour": _hours()}).with_columns(
        _local_hour(pl.col("hour"))
        .is_in(list(seeable_local_hours))
        .cast(pl.Float64)
        .alias("seeable")
    )


def test_seeable_coverage_when_dim_only_before_ten_then_share_counts_working_hours_of_workdays():
    cal = _calendar()
    workdays = int(cal["workday"].sum())
    # dim from midnight to 10:00 local every day: the night and 08-10 on working days count
    # only as two of the day's ten working hours, and days off not at all
    got = seeable_coverage(_room(1, range(0, 10)), cal).row(0, named=True)
    assert got["seeable_hours"] == 2 * workdays
    assert abs(got["seeable_share"] - 0.2) < 1e-9
    assert got["seeable_workdays"] == 0  # no working day had half its working hours dim
    # dim all day but 12-14: eight of ten working hours, every working day
    got = seeable_coverage(_room(2, [*range(0, 12), *range(14, 24)]), cal).row(0, named=True)  # type: ignore[arg-type]
    assert abs(got["seeable_share"] - 0.8) < 1e-9
    assert got["seeable_workdays"] == workdays


def test_seeable_coverage_when_hour_half_covered_then_it_counts_half():
    hours = _room(1, range(24)).with_columns(pl.lit(0.5).alias("seeable"))
    got = seeable_coverage(hours, _calendar()).row(0, named=True)
    assert abs(got["seeable_share"] - 0.5) < 1e-9


def test_hour_sight_when_meter_unlearned_then_dark_and_still_hours_see_any_lamp_bright_ones_not():
    # daylight moves this meter by 12 lux a sample below 56 lux, 40 at 56-120 lux, and by
    # 300 from 120 lux up (broken cloud past a window): ``light.sway_bin``
    sway = [12.0] * 3 + [40.0] + [300.0] * (SWAY_BINS - 4)
    cal = pl.DataFrame(
        {
            "sensor_id": [METER, "PH-KNOWS-LAMP"],
            "floor": [0.5, 0.5],
            "noise": [0.4, 0.4],
            "levels": [[], [220.0]],
            "sway": [sway, sway],
        },
        schema_overrides={"levels": pl.List(pl.Float64)},
    )
    t = datetime(2026, 10, 9, 0, tzinfo=UTC)  # 08:00 local
    hourly = pl.DataFrame(
        {
            "sensor_id": [METER] * 6 + ["PH-KNOWS-LAMP"],
            # 22:00 dark; 08:00 dull; noon bright and calm, bright and broken, one reading;
            # 15:00 overcast and still
            "hour": [
                t - timedelta(hours=10),
                t,
                *(t + timedelta(hours=h) for h in (4, 5, 6, 7)),
                t,
            ],
            "lux_max": [0.8, 90.0, 450.0, 700.0, 450.0, 200.0, 700.0],
            "change_q": [0.3, 30.0, 50.0, 160.0, None, 10.0, 5.0],
        }
    )
    got = hour_sight(cal, hourly).sort("hour")
    assert got["sensor_id"].to_list() == [METER] * 6  # a meter that knows its lamp: left out
    # dark: the smallest lamp it accepts; dull: three swings of 40; calm noon: six times
    # its changes (not three swings of 300); broken cloud: three swings, under six changes
    assert got["hour_sight_lux"].to_list() == [100.0, 120.0, 300.0, 900.0, 900.0, 100.0]
    assert got["daylight_lux"].round(1).to_list() == [0.3, 89.5, 449.5, 699.5, 449.5, 199.5]
    # seen as in the dark, whatever lamp the room has: the night and the still grey hour
    assert got["sees_any_lamp"].to_list() == [True, False, False, False, False, True]


def _judge(card: int, seeable: pl.DataFrame, use_s: float = 0.0, sessions: int = 0) -> dict:
    cal = _calendar()
    rollup = pl.DataFrame({"card_id": card, "hour": _hours()}).with_columns(
        pl.lit(use_s).alias("in_use_s"),
        pl.lit(sessions).alias("sessions"),
        pl.lit(0.0).alias("distance_m"),
        pl.lit(1.0).alias("coverage"),
    )
    feats = usage_features(rollup, cal, window_end=END).collect()
    cards = pl.DataFrame(
        {
            "card_id": [card],
            "category_code": ["A010101"],
            "day_blind": [[METER]],
            "day_sight_lux": [860.0],
        }
    ).join(seeable_coverage(seeable, cal), on="card_id", how="left")
    return judge(cards, feats, RULES).collect().row(0, named=True)


def test_verdict_when_day_blind_meter_saw_most_working_hours_dim_and_no_lamp_then_idle():
    # a north room: only 12-14 local too bright to see a lamp in; eight of ten working hours
    # on every working day its meter could have seen the lamp people would have needed
    v = _judge(1, _room(1, [*range(0, 12), *range(14, 24)]))  # type: ignore[arg-type]
    assert (v["verdict"], v["action"]) == ("idle", "adjust")
    assert METER in v["evidence_zh"]
    assert "48个工作小时" in v["evidence_zh"]  # 6 working days × 8 dim working hours
    assert "80%" in v["evidence_zh"]
    assert METER in v["evidence_en"]
    assert "48 working hours" in v["evidence_en"]


def test_verdict_when_day_blind_meter_saw_too_few_dim_working_hours_then_insufficient_naming_it():
    # a window room: dim only before 10:00 local, two of ten working hours
    v = _judge(1, _room(1, range(0, 10)))
    assert v["verdict"] == "insufficient_data"
    assert v["action"] is None
    zh, en = v["evidence_zh"], v["evidence_en"]
    assert METER in zh
    assert "860勒克斯" in zh
    assert "只有12小时" in zh  # 6 working days × 2 dim working hours
    assert "需≥60%" in zh
    assert METER in en
    assert "in only 12 working hours" in en


def test_verdict_when_day_blind_meter_has_no_seeable_hours_known_then_insufficient():
    cards = pl.DataFrame(
        {"card_id": [1], "category_code": ["A010101"], "day_blind": [[METER]]},
    )
    rollup = pl.DataFrame({"card_id": 1, "hour": _hours()}).with_columns(
        pl.lit(0.0).alias("in_use_s"),
        pl.lit(0).alias("sessions"),
        pl.lit(0.0).alias("distance_m"),
        pl.lit(1.0).alias("coverage"),
    )
    feats = usage_features(rollup, _calendar(), window_end=END).collect()
    v = judge(cards, feats, RULES).collect().row(0, named=True)
    assert v["verdict"] == "insufficient_data"
    assert "只有0小时" in v["evidence_zh"]


def test_verdict_when_day_blind_meter_saw_lamp_then_in_use_whatever_its_dim_hours():
    v = _judge(1, _room(1, range(0, 10)), use_s=3600.0, sessions=1)
    assert v["verdict"] == "in_use"  # what was seen was seen
