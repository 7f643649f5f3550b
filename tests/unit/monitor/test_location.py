"""Location detector: wild fixes rejected, moved/parked by stay points, distance only when
moving — on generated tracks (plain Gaussian noise and random jumps, not shaped to the code).
The same behaviour on real AIS tracks: tests/integration/monitor/test_location_ais.py."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal

from assetpulse.monitor.core.detectors.location import (
    LocationParams,
    learn_radii,
    locate,
    stays,
)
from assetpulse.monitor.core.rollup import LOC

T0 = datetime(2026, 10, 20, 0, 0, tzinfo=UTC)
HOME = (20.0, 110.3)  # Hainan
M_PER_DEG_LAT = 111_195.0


def _track(east_m: np.ndarray, north_m: np.ndarray, every_s: float, sensor: str = "GPS1"):
    lat0, lon0 = HOME
    lat = lat0 + north_m / M_PER_DEG_LAT
    lon = lon0 + east_m / (M_PER_DEG_LAT * math.cos(math.radians(lat0)))
    n = len(east_m)
    return pl.DataFrame(
        {
            "card_id": [1] * n,
            "sensor_id": [sensor] * n,
            "t": [T0 + timedelta(seconds=every_s * i) for i in range(n)],
            "kind": [LOC] * n,
            "lat": lat,
            "lon": lon,
        }
    )


def _parked_with_multipath(rng: np.random.Generator, n: int, sigma_m: float, jump_p: float):
    """Gaussian noise per axis; a share ``jump_p`` of fixes jumps 20–80 m in a random
    direction (multipath) and the next fix is back."""
    east, north = rng.normal(0, sigma_m, n), rng.normal(0, sigma_m, n)
    jumps = rng.random(n) < jump_p
    size, angle = rng.uniform(20, 80, n), rng.uniform(0, 2 * math.pi, n)
    east += np.where(jumps, size * np.cos(angle), 0.0)
    north += np.where(jumps, size * np.sin(angle), 0.0)
    return east, north


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_parked_car_when_gps_noise_and_multipath_jumps_then_under_300m_a_day(seed: int):
    # the probe: 4 m noise, 3 % multipath jumps, one fix a minute for a day
    rng = np.random.default_rng(seed)
    east, north = _parked_with_multipath(rng, 1440, 4.0, 0.03)
    got = locate(_track(east, north, 60.0)).collect()
    assert got["step_m"].sum() < 300.0
    assert got["moving"].mean() < 0.02


def test_parked_car_when_multipath_lasts_two_fixes_then_under_300m_a_day():
    # a reflection that persists: 2 % of fixes start a burst of two fixes 40–80 m off the
    # same way (then back), on top of 4 m Gaussian noise, one fix a minute for a day
    rng = np.random.default_rng(12)
    n = 1440
    east, north = rng.normal(0, 4.0, n), rng.normal(0, 4.0, n)
    starts = np.flatnonzero(rng.random(n - 1) < 0.02)
    size, angle = rng.uniform(40, 80, starts.size), rng.uniform(0, 2 * math.pi, starts.size)
    for i in (0, 1):
        east[starts + i] += size * np.cos(angle)
        north[starts + i] += size * np.sin(angle)
    got = locate(_track(east, north, 60.0)).collect()
    assert got["step_m"].sum() < 300.0


def test_slow_mover_when_every_step_under_15m_then_moving_and_distance_counted():
    # parked 10 min, then 500 m in 20 min at 20-s fixes (8.3 m a step), parked 10 min
    rng = np.random.default_rng(7)
    north = np.concatenate([np.zeros(30), np.linspace(500 / 60, 500.0, 60), np.full(30, 500.0)])
    east = rng.normal(0, 1.0, north.size)
    north = north + rng.normal(0, 1.0, north.size)
    steps = np.hypot(np.diff(east), np.diff(north))
    assert steps.max() < 15.0  # the case the old per-step 15 m floor counted as parked
    got = locate(_track(east, north, 20.0)).collect()
    assert got["step_m"].sum() == pytest.approx(500.0, rel=0.1)
    assert got["moving"].sum() == pytest.approx(60, abs=6)  # 20-s intervals: 20 minutes


def test_wild_fix_when_spike_out_and_back_then_invalid_and_no_distance():
    rng = np.random.default_rng(3)
    east, north = rng.normal(0, 3.0, 30), rng.normal(0, 3.0, 30)
    df = _track(east, north, 60.0)
    wild = df.with_columns(
        pl.when(pl.int_range(pl.len()) == 12).then(pl.col("lat") - 40.0).otherwise(pl.col("lat"))
    )
    got = locate(wild).collect()
    assert got["valid"].to_list() == [i != 12 for i in range(30)]
    assert got["step_m"].sum() < 50.0


@pytest.mark.parametrize("where", [0, -1])
def test_wild_fix_when_first_or_last_of_track_then_invalid_and_no_distance(where: int):
    rng = np.random.default_rng(4)
    east, north = rng.normal(0, 3.0, 20), rng.normal(0, 3.0, 20)
    df = _track(east, north, 60.0)
    idx = where % df.height
    wild = df.with_columns(
        pl.when(pl.int_range(pl.len()) == idx).then(pl.col("lat") - 40.0).otherwise(pl.col("lat"))
    )
    got = locate(wild).collect()
    assert not got["valid"][idx]
    assert got["valid"].sum() == df.height - 1
    assert got["step_m"].sum() < 50.0


def test_jump_when_after_a_long_gap_then_valid_and_credited_once():
    # parked at home, 50 min without a fix, then 20 km away (6.7 m/s): a real trip
    rng = np.random.default_rng(5)
    east = np.concatenate([rng.normal(0, 3.0, 10), 20_000.0 + rng.normal(0, 3.0, 10)])
    north = rng.normal(0, 3.0, 20)
    df = _track(east, north, 60.0).with_columns(
        pl.when(pl.int_range(pl.len()) >= 10)
        .then(pl.col("t") + timedelta(minutes=50))
        .otherwise(pl.col("t"))
    )
    got = locate(df).collect()
    assert got["valid"].all()
    assert got["step_m"].sum() == pytest.approx(20_000.0, rel=0.01)
    assert got["stay_id"].n_unique() == 2


def test_impossible_step_when_no_side_is_the_odd_one_then_no_distance():
    # two tracks under one id (e.g. a shared MMSI): 1,400 km apart, 3 minutes between
    rng = np.random.default_rng(6)
    east = np.concatenate([rng.normal(0, 3.0, 6), 1_400_000.0 + rng.normal(0, 3.0, 6)])
    df = _track(east, rng.normal(0, 3.0, 12), 180.0)
    assert locate(df).collect()["step_m"].sum() < 50.0


def test_stays_when_parked_drive_parked_then_two_dwell_zones_with_centres_and_times():
    rng = np.random.default_rng(8)
    drive = np.linspace(0.0, 3_000.0, 12)[1:-1]  # 10 fixes at 300 m a minute
    north = np.concatenate([np.zeros(30), drive, np.full(30, 3_000.0)])
    north = north + rng.normal(0, 4.0, north.size)
    east = rng.normal(0, 4.0, north.size)
    located = locate(_track(east, north, 60.0)).collect()
    zones = stays(located).collect()
    assert zones.height == 2
    first, second = zones.row(0, named=True), zones.row(1, named=True)
    assert first["lat"] == pytest.approx(HOME[0], abs=10 / M_PER_DEG_LAT)
    assert second["lat"] == pytest.approx(HOME[0] + 3_000 / M_PER_DEG_LAT, abs=10 / M_PER_DEG_LAT)
    assert first["end"] <= T0 + timedelta(minutes=30)
    assert second["start"] >= T0 + timedelta(minutes=39)
    assert located["step_m"].sum() == pytest.approx(3_000.0, rel=0.05)


def test_radius_when_learned_then_follows_the_sensors_own_jitter():
    rng = np.random.default_rng(9)
    quiet = _track(*_parked_with_multipath(rng, 300, 2.0, 0.03), 60.0, sensor="Q")
    noisy = _track(*_parked_with_multipath(rng, 300, 10.0, 0.03), 60.0, sensor="N")
    radii = learn_radii(pl.concat([quiet, noisy])).collect().sort("sensor_id")
    r = dict(zip(radii["sensor_id"], radii["radius_m"], strict=True))
    p = LocationParams()
    assert r["Q"] == pytest.approx(p.radius_floor_m)  # 4 σ = 8 m: the floor holds
    assert 30.0 <= r["N"] <= 50.0  # ≈ 4 σ


def test_radius_when_too_few_fixes_then_from_reported_accuracy():
    df = _track(np.zeros(4), np.zeros(4), 60.0).with_columns(pl.lit(9.0).alias("acc"))
    assert locate(df).collect()["radius_m"].to_list() == [27.0] * 4  # 3 × acc


def _day_of_trips(rng: np.random.Generator) -> pl.DataFrame:
    """Ten hours of one fix a minute: parked spells with noise and multipath, drives at
    2–15 m/s, data gaps of 20–50 minutes and a few wild fixes, in random order."""
    east, north, t = [], [], []
    x = y = 0.0
    now = 0.0
    while now < 10 * 3600:
        kind = rng.choice(["park", "drive", "gap"], p=[0.5, 0.35, 0.15])
        n = int(rng.integers(5, 60))
        if kind == "gap":
            now += rng.uniform(1200, 3000)
            continue
        speed = rng.uniform(2, 15) if kind == "drive" else 0.0
        heading = rng.uniform(0, 2 * math.pi)
        for _ in range(n):
            x += speed * 60 * math.cos(heading)
            y += speed * 60 * math.sin(heading)
            jump = rng.uniform(20, 80) if rng.random() < 0.03 else 0.0
            angle = rng.uniform(0, 2 * math.pi)
            east.append(x + rng.normal(0, 4.0) + jump * math.cos(angle))
            north.append(y + rng.normal(0, 4.0) + jump * math.sin(angle))
            t.append(now)
            now += 60.0
    df = _track(np.array(east), np.array(north), 60.0)
    df = df.with_columns(pl.Series("t", [T0 + timedelta(seconds=s) for s in t]))
    wild = rng.random(df.height) < 0.005
    return df.with_columns(
        pl.when(pl.Series(wild)).then(pl.col("lat") - 40.0).otherwise(pl.col("lat")).alias("lat")
    )


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 10_000), hour=st.integers(1, 8))
def test_hour_when_located_from_nearby_fixes_only_then_same_as_from_the_whole_track(seed, hour):
    """What the rollup's refresh relies on: with the radius fixed (a stored calibration),
    an hour's decisions depend only on fixes within three hours of it."""
    df = _day_of_trips(np.random.default_rng(seed))
    radii = pl.DataFrame({"sensor_id": ["GPS1"], "radius_m": [20.0]})
    h = T0 + timedelta(hours=hour)
    in_hour = (pl.col("t") >= h) & (pl.col("t") < h + timedelta(hours=1))
    near = df.filter(
        (pl.col("t") >= h - timedelta(hours=3)) & (pl.col("t") < h + timedelta(hours=4))
    )
    cols = ["t", "valid", "moving", "step_m", "centre_lat", "centre_lon"]
    full = locate(df, radii=radii).filter(in_hour).select(cols).collect()
    part = locate(near, radii=radii).filter(in_hour).select(cols).collect()
    assert_frame_equal(part, full)


def test_sparse_sensor_when_a_fix_every_20_minutes_then_its_own_period_sets_the_gap():
    # 20 minutes apart is not a data gap for a sensor that always reports so (2.5 periods)
    rng = np.random.default_rng(13)
    north = np.concatenate([np.zeros(6), 5_000.0 * np.arange(1, 7), np.full(6, 30_000.0)])
    north = north + rng.normal(0, 4.0, north.size)
    got = locate(_track(rng.normal(0, 4.0, north.size), north, 1200.0)).collect()
    assert got["moving"].sum() >= 5
    assert got["step_m"].sum() == pytest.approx(30_000.0, rel=0.02)


def _two_sources(rng: np.random.Generator, apart_m: float, hours: float) -> pl.DataFrame:
    """One id, two stationary sources ``apart_m`` east of each other (a shared MMSI, a
    receiver locked on a reflector), each a fix a minute with 3 m noise, their clocks 1 s a
    minute apart: now and then the two fixes fall within seconds of each other (faster than
    any vehicle between them). Ingest keeps one reading per (sensor, second)."""
    n = int(hours * 60)
    ts = np.concatenate([np.arange(n) * 60.0, 7.0 + np.arange(n) * 61.0])
    east = np.concatenate([np.zeros(n), np.full(n, apart_m)]) + rng.normal(0, 3.0, 2 * n)
    north = rng.normal(0, 3.0, 2 * n)
    order = np.argsort(ts, kind="stable")
    df = _track(east[order], north[order], 1.0)
    df = df.with_columns(pl.Series("t", [T0 + timedelta(seconds=int(s)) for s in ts[order]]))
    return df.unique(["sensor_id", "t"], keep="first", maintain_order=True)


@pytest.mark.parametrize(("seed", "apart_m"), [(14, 350.0), (15, 2_000.0)])
def test_shared_id_when_two_sources_alternate_faster_than_a_vehicle_then_no_distance(
    seed: int, apart_m: float
):
    df = _two_sources(np.random.default_rng(seed), apart_m, 6.0)
    got = locate(df).collect()
    assert got.height > 600
    assert got["step_m"].sum() == 0.0  # before: one 350 m move; 1,995 m across a gap
    assert not got["moving"].any()


@pytest.mark.parametrize("every_s", [60.0, 600.0])
def test_ferry_when_it_crosses_and_returns_at_a_possible_speed_then_each_crossing_counted(
    every_s: float,
):
    # 2 km crossings of 10 minutes (3.3 m/s), 50 minutes at each landing, for 12 hours; a
    # fix a minute (intermediate fixes) or every 10 minutes (one step a crossing): never
    # faster than a vehicle, so both landings are one vehicle's and every crossing counts
    rng = np.random.default_rng(16)
    t = np.arange(0.0, 12 * 3600, every_s)
    phase = t % 7200
    leg = np.clip((phase % 3600 - 3000) / 600, 0.0, 1.0)
    east = np.where(phase < 3600, leg, 1.0 - leg) * 2_000.0
    got = locate(
        _track(east + rng.normal(0, 3.0, t.size), rng.normal(0, 3.0, t.size), every_s)
    ).collect()
    assert got["step_m"].sum() == pytest.approx(11 * 2_000.0, rel=0.1)  # 11 crossings
