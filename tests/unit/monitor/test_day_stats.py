"""Day summaries (issue 12): the baselines and light calibrations learned from per-day
histograms and steps are those learned from the raw readings, to the histograms' grain."""

from __future__ import annotations

from datetime import timedelta

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from assetpulse.monitor.core.baselines import sensor_baselines
from assetpulse.monitor.core.day_stats import code, learn, quantiles, summarise, value
from assetpulse.monitor.core.detectors.light import calibrate
from tests.fix_real_sensors import desk_room, uci_office


@settings(max_examples=60, deadline=None)
@given(
    values=st.lists(st.integers(-3000, 3000), min_size=1, max_size=300),
    q=st.sampled_from([0.02, 0.05, 0.1, 0.5, 0.9, 0.95]),
)
def test_quantile_when_values_in_tenths_below_300_then_same_as_polars(values, q):
    v = pl.Series([x / 10 for x in values], dtype=pl.Float64)
    hist = (
        pl.DataFrame({"v": v})
        .group_by(code(pl.col("v")).alias("code"))
        .agg(pl.len().cast(pl.Int64).alias("n"))
        .with_columns(pl.lit("S").alias("sensor_id"), pl.lit(1, pl.Int16).alias("stat"))
    )
    got = quantiles(hist, q, "x")["x"][0]
    want = v.quantile(q)
    if abs(want) < 100:  # tenths: exact
        assert got == pytest.approx(want, abs=1e-9)
    else:  # bins 1 % wide
        assert got == pytest.approx(want, rel=0.011)


def test_code_when_round_trip_then_within_grain():
    v = pl.Series([0.0, 0.1, 0.3, 5.0, 99.9, 100.0, 433.5, 2000.0, -7.3, -150.0])
    back = pl.DataFrame({"v": v}).select(value(code(pl.col("v"))))["v"]
    for a, b in zip(v, back, strict=True):
        assert b == (pytest.approx(a, abs=1e-9) if abs(a) < 99.95 else pytest.approx(a, rel=0.01))


def _by_day(readings: pl.DataFrame, sites: pl.DataFrame, reference: pl.DataFrame):
    """Each UTC day summarised on its own (with the hour either side), then learned."""
    stats, steps = [], []
    for day in readings["t"].dt.date().unique().sort():
        near = readings.filter(
            pl.col("t").dt.date().is_between(day - timedelta(days=1), day + timedelta(days=1))
        )
        s, k = summarise(near, sites, reference, (day, day))
        stats.append(s)
        steps.append(k)
    return learn(pl.concat(stats), pl.concat(steps))


@pytest.mark.parametrize("room", [uci_office, desk_room])
def test_learn_when_days_summarised_one_by_one_then_calibration_and_baselines_as_from_raw(room):
    readings, sites = room()
    r = readings.select("sensor_id", "t", "lux", "temp_c", kind=pl.lit(1, pl.Int16))
    raw_cal = calibrate(r.select("sensor_id", "t", "lux"), sites)
    raw_base = sensor_baselines(r)
    cal, base = _by_day(r, sites, raw_cal)
    joined = raw_cal.join(cal, on="sensor_id", suffix="_days")
    assert joined.height == raw_cal.height
    for row in joined.iter_rows(named=True):
        assert row["levels_days"] == pytest.approx(row["levels"], rel=1e-6)
        assert row["floor_days"] == pytest.approx(row["floor"], abs=0.05)
        assert row["noise_days"] == pytest.approx(row["noise"], abs=0.05)
        assert row["period_s_days"] == pytest.approx(row["period_s"], abs=0.05)
        assert row["samples_days"] == row["samples"]
        assert row["sway_days"] == pytest.approx(row["sway"], abs=0.5)
    b = raw_base.join(base, on=["sensor_id", "hour_of_day"], how="full", coalesce=True)
    assert b.height == raw_base.height == base.height
    assert (b["lux_base"] - b["lux_base_right"]).abs().max() <= 0.05 + 1e-9  # type: ignore[operator]
    assert (b["temp_base"] - b["temp_base_right"]).abs().max() <= 0.05 + 1e-9  # type: ignore[operator]
