"""Hourly rollup of location sensors: distance, seconds moving and the hour's position come
from the location detector (wild fixes out, stay points), not from a per-step floor."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from assetpulse.monitor.core.rollup import hourly_usage
from tests.unit.monitor.test_location import HOME, M_PER_DEG_LAT, _parked_with_multipath, _track


def test_rollup_when_parked_car_with_gps_noise_and_multipath_then_under_300m_a_day():
    rng = np.random.default_rng(11)
    east, north = _parked_with_multipath(rng, 1440, 4.0, 0.03)
    out = hourly_usage(_track(east, north, 60.0))
    assert out.height == 24
    assert out["distance_m"].sum() < 300.0
    assert out["moving_s"].sum() < 0.02 * 86_400


def test_rollup_when_slow_mover_then_moving_seconds_and_distance_counted():
    rng = np.random.default_rng(7)
    north = np.concatenate([np.zeros(30), np.linspace(500 / 60, 500.0, 60), np.full(30, 500.0)])
    east = rng.normal(0, 1.0, north.size)
    out = hourly_usage(_track(east, north + rng.normal(0, 1.0, north.size), 20.0))
    assert out["distance_m"].sum() == pytest.approx(500.0, rel=0.1)
    assert out["moving_s"].sum() == pytest.approx(1200.0, abs=120.0)


def test_rollup_when_one_fix_is_wild_then_distance_as_without_it():
    rng = np.random.default_rng(3)
    df = _track(rng.normal(0, 3.0, 30), rng.normal(0, 3.0, 30), 60.0)
    wild = df.with_columns(
        pl.when(pl.int_range(pl.len()) == 12).then(pl.col("lat") - 40.0).otherwise(pl.col("lat"))
    )
    without = df.filter(pl.int_range(pl.len()) != 12)
    assert hourly_usage(wild)["distance_m"].sum() == pytest.approx(
        hourly_usage(without)["distance_m"].sum(), abs=1.0
    )
    assert hourly_usage(wild)["distance_m"].sum() < 50.0


def test_rollup_when_parked_then_hour_position_is_the_stay_centre():
    rng = np.random.default_rng(10)
    east, north = _parked_with_multipath(rng, 60, 4.0, 0.03)
    out = hourly_usage(_track(east, north, 60.0))
    assert out.height == 1
    assert out["lat"][0] == pytest.approx(HOME[0], abs=5 / M_PER_DEG_LAT)
    assert out["lon"][0] == pytest.approx(HOME[1], abs=5 / M_PER_DEG_LAT)
    assert out["moving_s"][0] == 0.0
