"""Honest sensors: own periods, failures one at a time, GPS errors, a truth of real use."""

from __future__ import annotations

import hashlib
import itertools
import json
import math
import random
import statistics
from dataclasses import replace

import pytest
from click.testing import CliRunner

from assetpulse.firmware_sim import Fleet, FleetSpec, HonestSpec, Kind, Realism, SimError, Verdict
from assetpulse.firmware_sim.cli import sim
from assetpulse.firmware_sim.gps import GpsReceiver
from assetpulse.firmware_sim.honest import usage_sensors
from assetpulse.firmware_sim.usage import haversine_m
from tests.fix_sim import HONEST, asset_readings

HOME = (20.0583, 110.3250)


def _errors(honest: HonestSpec, n: int = 20_000, every_s: int = 60) -> list[tuple[float, str]]:
    gps = GpsReceiver(honest, random.Random(4))
    out = []
    for k in range(n):
        fix = gps.fix(*HOME, k * every_s * 1000)
        out.append((haversine_m(*HOME, fix.lat, fix.lon), fix.error))
    return out


@pytest.mark.parametrize(("sigma", "rate"), [(4.0, 0.03), (8.0, 0.10)])
def test_gps_jitter_spread_and_multipath_rate_as_configured(sigma, rate):
    honest = HonestSpec(gps_jitter_m=sigma, multipath_rate=rate, wild_fix_rate=0.0)
    errors = [d for d, _ in _errors(honest)]
    far = sum(d > 15.0 + 4 * sigma for d in errors) / len(errors)  # jitter never gets there
    assert far == pytest.approx(rate * (80 - 15 - 4 * sigma) / 60, abs=0.01)
    near = [d for d, e in _errors(honest) if e == "jitter"]
    # a 2-D normal error of σ per axis: the mean distance is σ·√(π/2)
    assert statistics.fmean(near) == pytest.approx(sigma * math.sqrt(math.pi / 2), rel=0.15)


def test_gps_jitter_is_correlated_so_a_parked_track_scribbles_slowly():
    honest = HonestSpec(gps_jitter_m=4.0, multipath_rate=0.0, wild_fix_rate=0.0)
    gps = GpsReceiver(honest, random.Random(2))
    fixes = [gps.fix(*HOME, k * 30_000) for k in range(2000)]
    steps = [haversine_m(a.lat, a.lon, b.lat, b.lon) for a, b in itertools.pairwise(fixes)]
    # 30 s apart with 2 min correlation: much shorter than two independent fixes (σ·√π ≈ 7 m)
    assert statistics.fmean(steps) < 4.0
    assert sum(steps) > 1000  # yet a day of it adds up: a per-step floor would not hold


def test_gps_wild_fixes_are_rare_and_far_away():
    honest = HonestSpec(multipath_rate=0.03, wild_fix_rate=0.002)
    errors = _errors(honest, n=30_000)
    wild = [d for d, e in errors if e == "wild"]
    assert len(wild) == pytest.approx(0.002 * 30_000, rel=0.35)
    assert min(wild) > 100_000  # hundreds of km: an impossible jump for a parked car
    assert all(d < 1000 for d, e in errors if e != "wild")


def test_parked_vehicles_send_noisy_fixes_without_a_zone(honest_fleet):
    cars = [a for a in honest_fleet.assets if a.kind is Kind.VEHICLE and a.verdict is Verdict.IDLE]
    assert cars
    for car in cars:
        loc = next(s.sensor_id for s in car.sensors if s.kind == "loc")
        fixes = asset_readings(car, HONEST)[loc]
        assert all("zone" not in r for r in fixes)  # a GPS does not know the garage's zone
        off = [haversine_m(car.home.lat, car.home.lon, r["lat"], r["lon"]) for r in fixes]
        assert 1.0 < statistics.median(off) < 10.0  # several metres of jitter
        assert any(20.0 < d < 200.0 for d in off)  # and some multipath jumps


def test_vehicles_some_trips_crawl_and_the_truth_is_the_road_driven(honest_fleet):
    speeds = []
    for car in (a for a in honest_fleet.assets if a.kind is Kind.VEHICLE):
        for s in car.sessions:
            speeds.append(2 * s.reach_m / ((s.end_ms - s.start_ms) / 1000))
        total = sum(2 * s.reach_m for s in car.sessions)
        assert car.truth()["distance_m"] == pytest.approx(total, abs=1.0)
    assert min(speeds) < 1.0 < 6.0 < max(speeds)


def test_each_sensor_samples_at_its_own_period_from_30_s_to_5_min(honest_fleet):
    periods = set()
    for a in honest_fleet.assets[:24]:
        readings = asset_readings(a, HONEST)
        for s, sp in zip(a.sensors, a.plan.sensors, strict=True):
            periods.add(sp.period_ms // 1000)
            if sp.sparse_p < 1.0 or sp.dead_from_ms is not None:
                continue
            ts = [r["t"] for r in readings[s.sensor_id]]
            assert {b - a for a, b in itertools.pairwise(ts)} == {sp.period_ms}
    assert periods <= {30, 60, 120, 300}
    assert len(periods) >= 3


def test_sensors_fail_one_at_a_time(honest_fleet):
    """A dead light meter beside a live thermometer; an offline car's sensors die apart."""
    offline = replace(HONEST, idle_share=0.0, under_used_share=0.0, offline_share=1.0, days=4)
    beside_live = apart = 0
    pairs = [(a, HONEST) for a in honest_fleet.assets]
    for a, spec in pairs + [(a, offline) for a in Fleet.build(offline).assets]:
        dead = {
            s.sensor_id: sp.dead_from_ms
            for s, sp in zip(a.sensors, a.plan.sensors, strict=True)
            if sp.dead_from_ms is not None
        }
        if not dead:
            continue
        readings = asset_readings(a, spec)
        last = {sid: max((r["t"] for r in rs), default=None) for sid, rs in readings.items()}
        for sid, at in dead.items():
            period = a.plan.sensors[[s.sensor_id for s in a.sensors].index(sid)].period_ms
            stopped = last[sid]
            assert stopped is None or stopped < at <= stopped + period, (sid, at, stopped)
        alive = [last[sid] for sid in readings if sid not in dead and last[sid] is not None]
        if any(t > max(dead.values()) + 86_400_000 for t in alive):
            beside_live += 1  # the others go on for days after one died
        if len(set(dead.values())) > 1:
            apart += 1
    assert beside_live >= 1
    assert apart >= 1


def test_offline_assets_lose_the_sensors_that_carry_their_use(honest_fleet):
    offline = [a for a in honest_fleet.assets if a.verdict is Verdict.OFFLINE]
    assert offline
    for a in offline:
        for s, sp in zip(a.sensors, a.plan.sensors, strict=True):
            failing = sp.dead_from_ms is not None or sp.sparse_p < 0.05
            if s.kind in usage_sensors(a.kind):
                assert failing, (a.asset_code, s.sensor_id)


def test_truth_is_real_use_not_the_on_flag():
    spec = replace(HONEST, honest=replace(HONEST.honest, left_on_share=0.5, warm_up_share=0.5,
                                          printer_wakeups_per_day=3.0))  # fmt: skip
    fleet = Fleet.build(spec)
    over = 0
    for a in fleet.assets:
        t = a.truth()
        assert t["in_use_s"] == sum(s.end_ms - s.start_ms for s in a.sessions) // 1000
        if a.kind in (Kind.DESKTOP, Kind.LAB):
            assert t["powered_s"] >= t["in_use_s"]
            over += t["powered_s"] > t["in_use_s"] + 3600
        if a.kind is Kind.PRINTER and a.verdict is Verdict.IDLE:
            assert t["in_use_s"] == 0
            assert t["powered_s"] > 0  # it woke to clean itself: on, yet nobody printed
    assert over >= 3


def test_only_plugs_and_ignitions_send_on_and_counters(honest_fleet):
    for a in honest_fleet.assets[:16]:
        photo = next(s for s in a.sensors if s.kind == "photo")
        rs = asset_readings(a, HONEST)[photo.sensor_id]
        keys = set().union(*(set(r) for r in rs)) if rs else set()
        if a.kind is Kind.ROOM:
            assert keys <= {"s", "k", "t", "lux"}
        else:
            assert {"on", "on_ms", "cyc"} <= keys
        assert ("lux" in keys) == (a.kind in (Kind.ROOM, Kind.DESKTOP, Kind.LAB)) or not rs


def _digest(fleet: Fleet, n: int = 300) -> str:
    h = hashlib.sha256()
    for i, m in enumerate(fleet.messages()):
        if i == n:
            break
        h.update(m.payload)
    return h.hexdigest()


def test_honest_fleet_deterministic_by_seed_and_unlike_legacy():
    spec = replace(HONEST, gateways=2, days=2)
    assert _digest(Fleet.build(spec)) == _digest(Fleet.build(spec))
    assert Fleet.build(spec).truth() == Fleet.build(spec).truth()
    assert _digest(Fleet.build(replace(spec, seed=12))) != _digest(Fleet.build(spec))
    assert _digest(Fleet.build(replace(spec, realism=Realism.LEGACY))) != _digest(Fleet.build(spec))


def test_honest_is_the_default_and_realism_is_validated():
    assert FleetSpec().realism is Realism.HONEST
    assert FleetSpec(realism="honest").realism is Realism.HONEST  # type: ignore[arg-type]
    with pytest.raises(SimError) as bad:
        FleetSpec(realism="candid")  # type: ignore[arg-type]
    assert bad.value.code == "SIM_BAD_REALISM"
    with pytest.raises(SimError) as bad:
        HonestSpec(multipath_rate=1.5)
    assert bad.value.code == "SIM_BAD_HONEST"
    assert "multipath_rate" in bad.value.message


def test_sim_cli_realism_honest_writes_an_honest_truth(tmp_path):
    truth = tmp_path / "truth.json"
    args = ["--start", "2026-09-28", "--days", "1", "-g", "1", "-s", "5", "--realism", "honest",
            "--truth", str(truth), "--dry-run"]  # fmt: skip
    result = CliRunner().invoke(sim, args, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    written = json.loads(truth.read_text())
    assert written["spec"]["realism"] == "honest"
    assert written["spec"]["sample_s"] == 30
    assert written["spec"]["honest"]["multipath_rate"] == HonestSpec().multipath_rate
    assert all("period_s" in a for a in written["assets"])
    assert json.loads(result.output.strip().splitlines()[-1])["readings"] > 0
