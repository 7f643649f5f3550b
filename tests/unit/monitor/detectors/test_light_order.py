"""The light detector's shortcuts on sorted frames give what the plain formulations give.

The walk and the calibration read each meter's readings in time order: ``_prepared`` and
``_runs`` take a frame that comes sorted as it is (a check of neighbouring rows, no sort)
and read a sensor's previous reading by a shift where the sensor is the same instead of a
window per sensor; the calm-change test runs only on meters with no lamp learned. Real
meters (tests/fix_real_sensors.py), given in time order and shuffled.
"""

from __future__ import annotations

import math

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from assetpulse.monitor.core.detectors.light import (
    LightParams,
    _calm_change,
    _calm_where_unlearned,
    _prepared,
    _runs,
    calibrate,
    lamp_checkpoints,
    prepare,
)
from tests.fix_real_sensors import desk_room, every_nth, uci_office


@pytest.fixture(scope="module")
def rooms() -> tuple[pl.DataFrame, pl.DataFrame]:
    """The UCI office at 2-minute sampling and the four desk meters, in one frame."""
    u, su = uci_office()
    d, sd = desk_room()
    r = pl.concat([every_nth(u, 2), d]).select("sensor_id", "t", "lux")
    return r, pl.concat([su, sd])


def _first_day(r: pl.DataFrame) -> pl.DataFrame:
    return r.filter(pl.col("t") < pl.col("t").min().over("sensor_id") + pl.duration(days=1))


def test_prepared_when_rows_shuffled_with_repeated_times_then_sorted_first_of_each_kept(rooms):
    r, sites = rooms
    some = r.filter(pl.col("sensor_id") == "ROE-S1").head(200)
    # a repeated (sensor, t) right after its first, with another lux
    repeats = some.gather_every(10).with_columns(pl.col("lux") + 1000.0)
    given = pl.concat([some, repeats]).sort("sensor_id", "t", maintain_order=True)
    got = _prepared(given, sites)
    assert got.height == some.height
    assert_frame_equal(got.select("sensor_id", "t", "lux"), some.sort("sensor_id", "t"))
    expected_dt = some.sort("t")["t"].diff().dt.total_microseconds() / 1e6
    assert got["dt"][0] == math.inf
    assert got["dt"][1:].to_list() == expected_dt[1:].to_list()
    # shuffled: the same frame (no repeats, so which one is first does not matter)
    shuffled = r.sample(fraction=1.0, shuffle=True, seed=11)
    assert_frame_equal(_prepared(shuffled, sites), _prepared(r, sites), check_exact=True)


def test_runs_when_rows_shuffled_then_same_steps_as_in_time_order(rooms):
    r, sites = rooms
    p = LightParams()
    prepared = prepare(r, sites, p).with_columns(pl.lit(20.0).alias("small"))
    span = pl.lit(p.step_span_s)
    in_order = _runs(prepared, pl.col("small"), span)
    shuffled = _runs(prepared.sample(fraction=1.0, shuffle=True, seed=5), pl.col("small"), span)
    assert (in_order["step"] != 0).sum() > 50  # the lamps and the sun make steps
    assert_frame_equal(shuffled, in_order, check_exact=True)
    # steps are each run's total on its first sample: as many as runs with a sign
    runs = in_order.filter(pl.col("sign") != 0)["run"].n_unique()
    assert (in_order["step"] != 0).sum() <= runs


def test_calm_change_when_only_unlearned_meters_computed_then_as_on_every_meter(rooms):
    r, sites = rooms
    p = LightParams()
    # the desk meters learned from all their days, the office from its first day only
    cal = pl.concat(
        [
            calibrate(r.filter(pl.col("sensor_id").str.starts_with("ROE")), sites),
            calibrate(_first_day(r.filter(pl.col("sensor_id") == "UCI-LX")), sites),
        ]
    )
    walked = prepare(r, sites, p).join(cal.drop("period_s"), on="sensor_id", how="left")
    smallest = pl.col("levels").list.min()
    # no lamp learned, or its lamp small enough for daylight's swing to hide it somewhere
    looked = smallest.is_null() | (smallest <= pl.col("sway").list.max())
    unlearned = walked.select(looked).to_series()
    assert 0 < unlearned.sum() <= walked.height
    everywhere = walked.select((looked & _calm_change(p)).alias("calm")).to_series()
    assert everywhere.sum() > 0
    calm, used = _calm_where_unlearned(walked, p)
    assert_frame_equal(pl.DataFrame([calm]), pl.DataFrame([everywhere]))
    assert used.to_list() == unlearned.to_list()


def test_lamp_checkpoints_when_readings_shuffled_then_same_lamps_and_states(rooms):
    r, sites = rooms
    cal = calibrate(_first_day(r), sites)
    hours = r.select("sensor_id", pl.col("t").dt.truncate("1h").alias("hour")).unique()
    lamps, states = lamp_checkpoints(r, cal, sites, hours)
    s_lamps, s_states = lamp_checkpoints(
        r.sample(fraction=1.0, shuffle=True, seed=2), cal, sites, hours
    )
    assert lamps["lamps_on"].any()
    assert states.height > 0
    assert_frame_equal(s_lamps, lamps, check_exact=True)
    assert_frame_equal(s_states, states, check_exact=True)
    # a state is final only with two step spans of its meter's readings after it, and it
    # holds the reading kept before its own
    ends = r.group_by("sensor_id").agg(pl.col("t").max().alias("t_last"))
    spans = cal.select("sensor_id", pl.max_horizontal(150.0, 2.2 * pl.col("period_s")).alias("s"))
    late = states.join(ends, on="sensor_id").join(spans, on="sensor_id")
    assert late.filter(
        pl.col("t") + pl.duration(microseconds=(2e6 * pl.col("s")).cast(pl.Int64))
        >= pl.col("t_last")
    ).is_empty()
    before = prepare(r, sites, LightParams(), cal).select(
        "sensor_id", "t", pl.col("t").shift(1).over("sensor_id").alias("t_prev")
    )
    assert_frame_equal(
        states.select("sensor_id", "t", "t_prev"),
        states.select("sensor_id", "t").join(before, on=["sensor_id", "t"], how="left"),
    )
