"""Honest rooms: lux-only light meters, lamps as steps over daylight, sun and people warming."""

from __future__ import annotations

import itertools
import random
import statistics
from dataclasses import replace

import pytest

from assetpulse.firmware_sim import Kind, Verdict
from assetpulse.firmware_sim.honest import HonestSignals, Intervals
from assetpulse.firmware_sim.sky import DAY_MS
from tests.fix_sim import HONEST, asset_readings

HOUR_MS = 3_600_000


def _rooms(fleet):
    return [a for a in fleet.assets if a.kind is Kind.ROOM]


def _local_hour(t_ms: int) -> float:
    return ((t_ms - HONEST.start_ms) % DAY_MS) / HOUR_MS


@pytest.fixture(scope="module")
def room_readings(honest_fleet):
    return {a.asset_code: asset_readings(a, HONEST) for a in _rooms(honest_fleet)}


def test_rooms_are_lux_only_light_meters_by_default(honest_fleet, room_readings):
    rooms = _rooms(honest_fleet)
    lux_only = [a for a in rooms if [s.kind for s in a.sensors] == ["photo"]]
    assert len(lux_only) > len(rooms) / 2
    assert any("temp" in {s.kind for s in a.sensors} for a in rooms)  # some have one too
    for a in rooms:
        photo = next(s.sensor_id for s in a.sensors if s.kind == "photo")
        for r in room_readings[a.asset_code][photo]:
            assert set(r) == {"s", "k", "t", "lux"}


def test_rooms_daylight_zero_at_night_several_hundred_lux_on_a_sunny_empty_day(
    honest_fleet, room_readings
):
    bright = 0
    for a in _rooms(honest_fleet):
        photo = next(s.sensor_id for s in a.sensors if s.kind == "photo")
        for r in room_readings[a.asset_code][photo]:
            hour = _local_hour(r["t"])
            if (hour < 5.0 or hour > 20.0) and not a.plan.lamp.on(r["t"]):
                assert r["lux"] < 2.0, (a.asset_code, hour, r)
        if a.verdict is Verdict.IDLE and a.plan.window_room:
            bright += max(r["lux"] for r in room_readings[a.asset_code][photo]) > 300
    assert bright >= 1  # an empty room with windows, lit by the sun alone


def test_rooms_daylight_follows_the_sun_and_weather_outside(honest_fleet, room_readings):
    """Without the lamp, a room's lux is a fixed share of the light outside at its place
    (sun and clouds), and its lux-weighted mean hour lies near local solar noon."""
    noon = 12.0 + (120.0 - 110.33) / 15.0  # mean solar noon at Haikou, in UTC+8
    checked = 0
    for a in _rooms(honest_fleet):
        p = a.plan
        photo = next(s.sensor_id for s in a.sensors if s.kind == "photo")
        dark = [r for r in room_readings[a.asset_code][photo] if not p.lamp.on(r["t"])]
        shares = [
            r["lux"] / outside
            for r in dark
            if (outside := p.sky.outdoor_lux(p.lat, p.lon, r["t"])) > 20_000
        ]
        middle = statistics.median(shares)
        assert all(abs(x / middle - 1) < 0.1 for x in shares), a.asset_code
        if p.window_room:
            weight = sum(r["lux"] for r in dark)
            centre = sum(r["lux"] * _local_hour(r["t"]) for r in dark) / weight
            assert abs(centre - noon) < 1.5, (a.asset_code, centre)  # clouds shift it a bit
            checked += 1
    assert checked >= 2


def test_room_lamp_is_a_step_of_the_rooms_own_level(honest_fleet, room_readings):
    steps: dict[str, list[float]] = {}
    for a in _rooms(honest_fleet):
        photo = next(s for s in a.sensors if s.kind == "photo")
        period = a.plan.sensors[a.sensors.index(photo)].period_ms
        if period > 120_000:
            continue  # over five minutes, daylight moves as much as a dim lamp
        rs = room_readings[a.asset_code][photo.sensor_id]
        lamp = a.plan.lamp
        for r0, r1 in itertools.pairwise(rs):
            if r1["t"] - r0["t"] != period:
                continue  # a sample lost on a poor link in between
            switched = lamp.starts_up_to(r1["t"]) - lamp.starts_up_to(r0["t"])
            if switched == 1 and lamp.on(r1["t"]) and not lamp.on(r0["t"]):
                steps.setdefault(a.asset_code, []).append((r1["lux"] - r0["lux"]) / a.plan.lamp_lux)
    assert len(steps) >= 3
    for code, ratios in steps.items():
        # one sample later the room is brighter by its own lamp (daylight moved a little)
        assert 0.8 < statistics.median(ratios) < 1.2, (code, ratios)
    levels = [a.plan.lamp_lux for a in _rooms(honest_fleet)]
    assert max(levels) - min(levels) > 100  # every room its own lamp


def test_room_daylight_moves_much_less_than_a_lamp_between_close_samples(
    honest_fleet, room_readings
):
    checked = 0
    for a in _rooms(honest_fleet):
        photo = next(s for s in a.sensors if s.kind == "photo")
        period = a.plan.sensors[a.sensors.index(photo)].period_ms
        if period > 60_000:
            continue
        rs = room_readings[a.asset_code][photo.sensor_id]
        lamp = a.plan.lamp
        moves = [
            abs(r1["lux"] - r0["lux"])
            for r0, r1 in itertools.pairwise(rs)
            if r1["t"] - r0["t"] == period
            and lamp.on(r0["t"]) == lamp.on(r1["t"])
            and lamp.starts_up_to(r0["t"]) == lamp.starts_up_to(r1["t"])
        ]
        assert statistics.quantiles(moves, n=100)[98] < 0.3 * a.plan.lamp_lux, a.asset_code
        checked += 1
    assert checked >= 2


def _room_signals(room, plan):
    return HonestSignals(
        sensors=room.sensors,
        sessions=(),
        plan=plan,
        home=room.home,
        honest=HONEST.honest,
        window_start_ms=HONEST.start_ms,
        rng=random.Random(1),
    )


def _temperatures(room, plan, hours: float, step_ms: int = 60_000) -> list[tuple[int, float]]:
    sig = _room_signals(room, plan)
    out = []
    for t in range(HONEST.start_ms, HONEST.start_ms + int(hours * HOUR_MS), step_ms):
        out.append((t, sig.temperature_c(t)))
    return out


def _a_room_with_thermometer(honest_fleet):
    rooms = [a for a in _rooms(honest_fleet) if "temp" in {s.kind for s in a.sensors}]
    assert rooms
    return rooms[0]


def test_room_sun_warms_it_by_day_not_by_night(honest_fleet):
    room = _a_room_with_thermometer(honest_fleet)
    empty = replace(room.plan, used=Intervals(), has_ac=False)
    sunny = _temperatures(room, replace(empty, daylight_factor=0.008), 6 * 24)
    shaded = _temperatures(room, replace(empty, daylight_factor=0.0001), 6 * 24)
    gain = [(t, a - b) for (t, a), (_, b) in zip(sunny, shaded, strict=True)]
    by_day = [g for t, g in gain if 13.0 <= _local_hour(t) <= 15.0]
    by_night = [g for t, g in gain if 2.0 <= _local_hour(t) <= 5.0]
    assert statistics.fmean(by_day) > 0.8
    assert max(by_night) < 0.05


def test_room_people_warm_it_slowly(honest_fleet):
    room = _a_room_with_thermometer(honest_fleet)
    arrive = HONEST.start_ms + DAY_MS + 2 * HOUR_MS  # 02:00: no sun to confound
    base = replace(room.plan, used=Intervals(), has_ac=False)
    occupied = replace(base, used=Intervals.of([(arrive, arrive + 5 * HOUR_MS)]))
    empty = dict(_temperatures(room, base, 36))
    full = dict(_temperatures(room, occupied, 36))
    rise = {t: full[t] - empty[t] for t in full}
    settled = rise[arrive + 5 * HOUR_MS - 60_000]
    assert settled > 0.5
    assert rise[arrive + 10 * 60_000] < 0.3 * settled  # ten minutes in: barely warmer
    assert rise[arrive + 3 * HOUR_MS] > 0.8 * settled
