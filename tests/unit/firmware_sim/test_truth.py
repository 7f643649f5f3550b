"""Ground truth agrees with the telemetry: a perfect analyser of the readings finds it."""

from __future__ import annotations

import itertools
import json
from collections import defaultdict
from dataclasses import replace

import pytest

from assetpulse.firmware_sim import Fleet, Kind, Verdict
from assetpulse.firmware_sim.usage import DAY_MS, haversine_m
from tests.fix_sim import SMALL, t_ms


@pytest.fixture(scope="module")
def readings(small_published):
    """sensor_id -> readings sorted by time, decoded from the published payloads."""
    out: dict[str, list[dict]] = defaultdict(list)
    for m in small_published[0]:
        for r in json.loads(m.payload)["readings"]:
            r["t"] = t_ms(r["t"])
            out[r["s"]].append(r)
    for rs in out.values():
        rs.sort(key=lambda r: r["t"])
    return out


def _day(spec, t):
    return (t - spec.start_ms) // DAY_MS


def _sensor(asset, kind):
    return next(s.sensor_id for s in asset.sensors if s.kind == kind)


def _online(fleet):
    return [a for a in fleet.assets if a.verdict is not Verdict.OFFLINE]


def test_truth_on_samples_sum_to_in_use_seconds_and_sessions(small_fleet, readings):
    spec = small_fleet.spec
    checked = 0
    for a in _online(small_fleet):
        if not a.profile.on_flag:
            continue
        secs: dict[int, int] = defaultdict(int)
        starts: dict[int, int] = defaultdict(int)
        prev = False
        for r in readings[_sensor(a, "photo")]:
            d = _day(spec, r["t"])
            secs[d] += spec.sample_s if r["on"] else 0
            starts[d] += 1 if r["on"] and not prev else 0
            prev = r["on"]
        for i, day in enumerate(a.truth_days):
            assert secs[i] == day.in_use_s, (a.asset_code, day)
            assert starts[i] == day.sessions, (a.asset_code, day)
            checked += 1
    assert checked > 200


def test_truth_counters_reproduce_total_use(small_fleet, readings):
    spec = small_fleet.spec
    for a in _online(small_fleet):
        if not a.profile.counters:
            continue
        last = readings[_sensor(a, "photo")][-1]
        total_ms = last["on_ms"] + (spec.sample_s * 1000 if last["on"] else 0)
        assert total_ms == sum(d.in_use_s for d in a.truth_days) * 1000
        assert last["cyc"] == sum(d.sessions for d in a.truth_days)


def test_truth_vehicle_distance_from_loc_readings(small_fleet, readings):
    spec = small_fleet.spec
    cars = [a for a in _online(small_fleet) if a.kind is Kind.VEHICLE]
    assert any(sum(d.distance_m for d in a.truth_days) > 0 for a in cars)
    for a in cars:
        dist: dict[int, float] = defaultdict(float)
        rs = readings[_sensor(a, "loc")]
        for p, q in itertools.pairwise(rs):
            dist[_day(spec, q["t"])] += haversine_m(p["lat"], p["lon"], q["lat"], q["lon"])
        for i, day in enumerate(a.truth_days):
            assert dist[i] == pytest.approx(day.distance_m, abs=1.0)
            assert (day.distance_m > 0) == (day.sessions > 0)


def test_truth_temperature_rises_while_in_use(small_fleet, readings):
    labs = [a for a in _online(small_fleet) if a.kind is Kind.LAB and a.verdict is Verdict.IN_USE]
    assert labs
    for a in labs:
        on_at = {r["t"] for r in readings[_sensor(a, "photo")] if r["on"]}
        temps = readings[_sensor(a, "temp")]
        hot = [r["c"] for r in temps if r["t"] in on_at]
        cold = [r["c"] for r in temps if r["t"] not in on_at]
        assert sum(hot) / len(hot) > sum(cold) / len(cold) + 5.0


def test_truth_daylight_in_idle_sunlit_room_outshines_the_lamp():
    fleet = Fleet.build(replace(SMALL, idle_share=1.0, under_used_share=0, offline_share=0,
                                days=3, gateways=6))  # fmt: skip
    rooms = [a for a in fleet.assets if a.kind is Kind.ROOM and a.env.sunlit]
    assert rooms
    brightest = {s: 0.0 for a in rooms for s in (_sensor(a, "photo"),)}
    for m in fleet.messages():
        for r in json.loads(m.payload)["readings"]:
            if r["s"] in brightest:
                assert "on" not in r  # a light meter: lux only
                brightest[r["s"]] = max(brightest[r["s"]], r["lux"])
    assert max(brightest.values()) > max(a.env.lamp_lux for a in rooms)
    assert all(sum(d.in_use_s for d in a.truth_days) == 0 for a in rooms)


def test_truth_lamp_is_a_step_at_session_start(small_fleet, readings):
    rooms = [a for a in _online(small_fleet) if a.kind is Kind.ROOM and a.sessions]
    assert rooms
    for a in rooms:
        by_t = {r["t"]: r["lux"] for r in readings[_sensor(a, "photo")]}
        for s in a.sessions:
            before = by_t[s.start_ms - small_fleet.spec.sample_s * 1000]
            assert by_t[s.start_ms] - before > 0.8 * a.env.lamp_lux - 60


def test_truth_offline_assets_send_little_or_nothing(small_fleet, readings):
    spec = small_fleet.spec
    expected = spec.days * 86_400 // spec.sample_s
    offline = [a for a in small_fleet.assets if a.verdict is Verdict.OFFLINE]
    assert offline
    for a in offline:
        assert len(readings.get(_sensor(a, "photo"), [])) < 0.2 * expected


def test_truth_json_has_class_and_per_day_use(small_fleet):
    truth = json.loads(json.dumps(small_fleet.truth()))
    assert truth["spec"]["seed"] == SMALL.seed
    assert len(truth["assets"]) == 32
    one = truth["assets"][0]
    assert {"asset_code", "verdict", "in_use_s", "sessions", "distance_m", "days_moved"} <= set(one)
    assert len(one["days"]) == SMALL.days
    assert one["in_use_s"] == sum(d["in_use_s"] for d in one["days"])
