"""Hourly rollup core: counters, resets, gaps, positions, whole-hour locality (light on real
rooms: tests/unit/monitor/detectors/test_light.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal

from assetpulse.monitor.core.detectors.light import empty_calibration
from assetpulse.monitor.core.rollup import (
    LightInputs,
    RollupParams,
    dirty_hours,
    hourly_usage,
    usage_by_bucket,
)
from tests.fix_real_sensors import desk_room

T0 = datetime(2026, 10, 20, 0, 0, tzinfo=UTC)  # 08:00 local


def _rows(sensor: str, kind: int, n: int, step_min: int = 5, card: int = 1, **cols):
    data = {
        "card_id": [card] * n,
        "sensor_id": [sensor] * n,
        "t": [T0 + timedelta(minutes=step_min * i) for i in range(n)],
        "kind": [kind] * n,
    }
    data.update({k: list(v) for k, v in cols.items()})
    return pl.DataFrame(data)


def _total(df: pl.DataFrame, col: str = "in_use_s") -> float:
    return float(hourly_usage(df)[col].sum())


def test_on_ms_counter_when_reset_mid_session_then_usage_neither_lost_nor_invented():
    # on for the whole two hours; the counter restarts at 0 after sample 10 (a reboot)
    on_ms = [i * 300_000 for i in range(11)] + [i * 300_000 for i in range(0, 14)]
    df = _rows("PH", 1, 25, on_state=[True] * 25, on_ms=on_ms, cyc=[1] * 11 + [1] * 14)
    out = hourly_usage(df)
    assert out["in_use_s"].sum() == pytest.approx(24 * 300)
    assert out["sessions"].sum() == 1  # seen on at the first sample; the reset adds none


def test_on_ms_counter_when_messages_lost_then_gap_usage_still_counted():
    keep = [0, 1, 2, 7, 8]  # 25 minutes of samples lost, device on throughout
    df = _rows("PH", 1, 9, on_ms=[i * 300_000 for i in range(9)])[keep]
    assert _total(df) == pytest.approx(8 * 300)


def test_on_flag_when_gap_longer_than_hold_then_gap_not_counted_nor_covered():
    df = _rows("PH", 1, 30, on_state=[True] * 30)
    df = df.filter(
        (pl.col("t") < T0 + timedelta(minutes=40)) | (pl.col("t") >= T0 + timedelta(minutes=100))
    )
    out = hourly_usage(df)
    assert out["in_use_s"].sum() == pytest.approx((7 + 9) * 300)  # the 65-minute gap is unknown
    assert out["coverage"].sum() == pytest.approx((7 + 9) * 300 / 3600)
    assert out["coverage"].max() <= 1.0


def test_counters_when_skewed_clock_interleaves_stale_readings_then_nothing_invented():
    # a printer's plug, every minute for two hours: a 72-s wake-up at 08:10 and nothing
    # else; from 09:00 its gateway's clock runs six hours ahead for 30 minutes (MQTT.md),
    # so readings sampled before the wake-up, with its counters still lower, arrive
    # stamped a few ms after the true ones: going back and forth, they are no reboot
    # (a counter restarted holds at most the time since the last reading) and no use
    n = 120
    on = [10 <= i < 12 for i in range(n)]
    on_ms = [5_000_000 + min(72_000, max(0, i - 10) * 60_000) for i in range(n)]
    cyc = [7 + (i >= 10) for i in range(n)]
    true = _rows("PRN", 1, n, step_min=1, on_state=on, on_ms=on_ms, cyc=cyc)
    stale = _rows("PRN", 1, 30, step_min=1, on_state=[False] * 30, on_ms=[5_000_000] * 30)
    stale = stale.with_columns(
        pl.col("t") + timedelta(hours=1, milliseconds=137), pl.lit(7, pl.Int64).alias("cyc")
    )
    both = pl.concat([true.with_columns(pl.col("cyc").cast(pl.Int64)), stale]).sort("t")
    assert hourly_usage(both)["sessions"].sum() == hourly_usage(true)["sessions"].sum() == 1
    assert _total(both) == pytest.approx(_total(true)) == pytest.approx(72.0)


def test_cycle_counter_when_reset_then_no_phantom_session():
    # on throughout; the cycle counter resets to 1 at sample 5 (firmware counts a start)
    df = _rows("PH", 1, 10, on_state=[True] * 10, cyc=[3] * 5 + [1] * 5, on_ms=[0] * 10)
    assert hourly_usage(df)["sessions"].sum() == 1  # the first sample, not the reset


def test_sessions_when_on_flag_toggles_then_each_off_to_on_counts():
    on = [False, True, True, False, True, False, False, True, True, False]
    assert hourly_usage(_rows("PH", 1, 10, on_state=on))["sessions"].sum() == 3


def test_location_when_jitter_within_accuracy_then_no_distance():
    lat = [20.0 + (0.00005 if i % 2 else 0.0) for i in range(12)]  # ±5.5 m
    df = _rows("LC", 3, 12, lat=lat, lon=[110.0] * 12, acc=[8.0] * 12, zone=["P1"] * 12)
    out = hourly_usage(df)
    assert out["distance_m"].sum() == 0
    assert out["zones"][0].to_list() == ["P1"]


def test_location_when_driving_then_distance_is_path_length():
    lat = [20.0 + 0.01 * i for i in range(12)]  # 1.11 km per 5 minutes, north
    df = _rows("LC", 3, 12, lat=lat, lon=[110.0] * 12, acc=[8.0] * 12)
    assert _total(df, "distance_m") == pytest.approx(11 * 1111.95, rel=0.001)


def test_params_when_gap_longer_than_an_hour_then_refused():
    with pytest.raises(ValueError, match="3600"):
        RollupParams(counter_gap_s=7200)


@settings(max_examples=25, deadline=None)
@given(
    on=st.lists(st.booleans(), min_size=30, max_size=120),
    drop=st.sets(st.integers(0, 119), max_size=40),
    hour=st.integers(0, 9),
)
def test_hour_when_recomputed_from_nearby_readings_then_equals_full_recompute(on, drop, hour):
    """The refresh job's premise: an hour depends only on readings within the reach."""
    n = len(on)
    on_ms, acc = [], 0
    for v in on:
        on_ms.append(acc)
        acc += 300_000 if v else 0
    df = _rows("PH", 1, n, on_state=on, on_ms=on_ms)
    df = df.with_row_index().filter(~pl.col("index").is_in(list(drop))).drop("index")
    h = T0 + timedelta(hours=hour)
    full = hourly_usage(df).filter(pl.col("hour") == h)
    near = df.filter(
        (pl.col("t") >= h - timedelta(hours=3)) & (pl.col("t") < h + timedelta(hours=4))
    )
    assert_frame_equal(hourly_usage(near).filter(pl.col("hour") == h), full)


def test_dirty_hours_when_one_reading_then_two_hours_either_side():
    touched = pl.DataFrame({"card_id": [7], "t": [T0 + timedelta(minutes=90)]})
    hours = dirty_hours(touched)["hour"].to_list()
    assert hours == [T0 + timedelta(hours=k) for k in range(-1, 4)]


@pytest.mark.parametrize("ahead_h", [2, 24])
def test_dirty_hours_when_cards_touched_here_and_there_then_each_hour_in_reach_once(ahead_h):
    rng = np.random.default_rng(ahead_h)
    minutes = rng.choice(14 * 24 * 60, size=400)
    touched = pl.DataFrame(
        {
            "card_id": rng.integers(1, 6, size=400),
            "t": [T0 + timedelta(minutes=int(m)) for m in minutes],
        }
    )
    # the definition: every hour from two before a touched one's hour to ``ahead_h`` after
    want = sorted(
        {
            (c, t.replace(minute=0, second=0) + timedelta(hours=k))
            for c, t in touched.iter_rows()
            for k in range(-2, ahead_h + 1)
        }
    )
    got = dirty_hours(touched, ahead_h=ahead_h)
    assert list(got.iter_rows()) == want


def powered_pc(t: list[datetime], lit: list[bool]) -> pl.DataFrame:
    """A PC powered throughout (its plug counts on-time each minute), a light meter on its
    screen reading 150 lux where ``lit`` and dark elsewhere."""
    return pl.DataFrame(
        {
            "card_id": 1,
            "sensor_id": "PC-PH",
            "t": t,
            "kind": 1,
            "on_state": True,
            "on_ms": [60_000 * i for i in range(len(t))],
            "cyc": 1,
            "lux": [150.0 + (i * 7 % 3) * 0.1 if on else 1.0 for i, on in enumerate(lit)],
        }
    )


def test_room_when_two_meters_lit_one_after_the_other_then_in_use_for_both_spans():
    # desk A lit for the first half hour, desk B for the second: the room was in use an hour
    a = _rows("PH-A", 1, 13, step_min=5, on_state=[i < 6 for i in range(13)])
    b = _rows("PH-B", 1, 13, step_min=5, on_state=[6 <= i < 12 for i in range(13)])
    assert _total(pl.concat([a, b])) == pytest.approx(60 * 60)
    # both lit at once count once
    assert _total(pl.concat([a, a.with_columns(pl.lit("PH-C").alias("sensor_id"))])) == (
        pytest.approx(30 * 60)
    )


def test_pc_when_left_on_overnight_then_in_use_only_while_its_screen_is_lit():
    # a PC in an inner office, powered all week (never shut down); its screen light (150 lux
    # at the meter) is on 09:00–12:00 and 14:00–17:30 local on six days, asleep otherwise
    minutes = 6 * 24 * 60
    t = [T0 - timedelta(hours=8) + timedelta(minutes=i) for i in range(minutes)]
    local_h = [((x.hour + 8) % 24) + x.minute / 60 for x in t]
    lit = [9 <= h < 12 or 14 <= h < 17.5 for h in local_h]
    df = powered_pc(t, lit)
    out = hourly_usage(df)
    assert out["in_use_s"].sum() / 3600 == pytest.approx(6 * 6.5, rel=0.03)  # not 6 × 24 h
    assert out["sessions"].sum() == 12  # two sittings a day, not the one power-on


@pytest.mark.parametrize("bucket_s", [60, 3600])
def test_room_when_four_desk_meters_then_a_session_is_the_rooms_not_each_desks(bucket_s):
    # the UCI desk room: four desk meters lighting up one after another within a sitting
    readings, sites = desk_room()
    truth = readings.group_by("t").agg(pl.col("truth").first()).sort("t")["truth"]
    sittings = int((truth.cast(pl.Int8).diff() == 1).sum()) + int(truth[0])
    meters = readings.select("sensor_id", "t", "lux", card_id=pl.lit(1), kind=pl.lit(1))
    light = LightInputs(empty_calibration(), sites)
    out, _ = usage_by_bucket(meters, light=light, bucket_s=bucket_s)
    assert sittings == 5
    assert abs(out["sessions"].sum() - sittings) <= 1  # each desk's lamp: 12


def test_pc_when_left_on_overnight_before_its_screen_is_learned_then_dark_night_not_in_use():
    # a PC in an inner office (Beijing), shut down on neither of two nights; its screen
    # (150 lux at the meter) was lit once, 09:00–12:00 local on the first day: too seldom for
    # the meter to learn the screen's size. By day the plug decides (daylight could hide the
    # screen), but with the sun down a meter that reads dark says the screen is off: a PC
    # left on at night whose screen is dark is powered, not used
    minutes = 2 * 24 * 60
    t = [T0 + timedelta(minutes=i) for i in range(minutes)]  # from 08:00 local
    local_h = [(i / 60 + 8) % 24 for i in range(minutes)]
    lit = [i < 24 * 60 and 9 <= h < 12 for i, h in enumerate(local_h)]
    df = powered_pc(t, lit)
    sites = pl.DataFrame({"sensor_id": ["PC-PH"], "lat": [39.9], "lon": [116.4]})
    out = hourly_usage(df, light=LightInputs(empty_calibration(), sites))
    night = out.filter(((pl.col("hour").dt.hour() + 8) % 24).is_in([21, 22, 23, 0, 1, 2, 3, 4]))
    assert night.height == 16
    assert night["in_use_s"].sum() == 0.0  # the plug alone: 16 h in use
    assert out["in_use_s"].sum() / 3600 >= 3.0  # the lit sitting is kept


def test_plug_counter_when_a_cycle_straddles_an_hour_then_its_on_time_counted_once():
    # a printer's plug reporting every 5 min at :02, :07, …; one 119-s wake-up from 19:00:27
    # to 19:02:26 UTC: the reading at 19:02 says 93.5 s of it, the one at 19:07 the rest.
    # The interval 18:57–19:02 is credited pro rata to both hours; it must not be credited
    # again, whole, to the hour it ends in
    start = datetime(2026, 9, 13, 18, 2, tzinfo=UTC)
    n = 24
    on_ms = [0] * 12 + [93_539] + [119_000] * 11
    df = pl.DataFrame(
        {
            "card_id": 1,
            "sensor_id": "PRN-PH",
            "t": [start + timedelta(minutes=5 * i) for i in range(n)],
            "kind": 1,
            "on_state": [i == 12 for i in range(n)],
            "on_ms": on_ms,
            "cyc": [0] * 12 + [1] * 12,
        }
    )
    out = hourly_usage(df)
    assert out["in_use_s"].sum() == pytest.approx(119.0)  # not 175 (56 s twice)
    assert out["sessions"].sum() == 1
