"""A lamp smaller than daylight's sway on bright days: learned from its calm switches.

A generated meter (every 2 minutes, UTC+8): its days off are sunny with broken cloud, so
daylight moves it by more than its 200-lux lamp from one sample to the next at every
brightness the lamp is used at; its working days are overcast and calm, the lamp switched
morning and afternoon. Only the calm moments show the lamp's size.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import numpy as np
import polars as pl

from assetpulse.monitor.core.detectors.light import calibrate, lamp_light

SENSOR = "CALM-LX"
PERIOD = timedelta(minutes=2)
START = datetime(2026, 9, 13, 16, tzinfo=UTC)  # Monday 2026-09-14 00:00 at UTC+8
LAMP = 200.0
SITES = pl.DataFrame({"sensor_id": [SENSOR], "lat": [20.0], "lon": [110.3]})


def _local_h(t: datetime) -> float:
    local = t + timedelta(hours=8)
    return local.hour + local.minute / 60


def _sun(h: float) -> float:
    return 2000.0 * max(0.0, math.sin(math.pi * (h - 6.5) / 11.5))


def _meter(days: int, lamp_on: list[tuple[int, float, float]], calm_days: set[int]) -> pl.DataFrame:
    """Readings over ``days`` days from START: a calm overcast sky (a third of the sun,
    ±2 lux) on ``calm_days``, else broken cloud (±15 % of the sun each sample); ``LAMP``
    lux on (day, from local hour, to local hour) of ``lamp_on``."""
    rng = np.random.default_rng(7)
    ts, lux = [], []
    t = START
    while t < START + timedelta(days=days):
        day = (t - START).days
        h = _local_h(t)
        if day in calm_days:
            light = _sun(h) / 3 + rng.normal(0, 2.0)
        else:
            light = _sun(h) * (1 + rng.normal(0, 0.15))
        light = max(0.0, light) + abs(rng.normal(0, 0.5))
        if any(d == day and a <= h < b for d, a, b in lamp_on):
            light += LAMP
        ts.append(t)
        lux.append(round(light, 1))
        t += PERIOD
    return pl.DataFrame({"sensor_id": SENSOR, "t": ts, "lux": lux}).with_columns(
        pl.col("t").cast(pl.Datetime("us", "UTC"))
    )


WORKDAYS = [0, 1, 2, 3, 4, 7, 8, 9, 10, 11]  # Monday to Friday, two weeks
SESSIONS = [(d, a, b) for d in WORKDAYS for a, b in ((9.0, 11.5), (14.0, 16.5))]


def test_calibration_when_lamp_below_bright_sway_switched_in_calm_hours_then_learned():
    readings = _meter(14, SESSIONS, set(WORKDAYS))
    cal = calibrate(readings, SITES)
    sway = cal["sway"][0].to_list()
    # at every brightness the lamp is switched in, the sunny days off sway by more
    assert min(sway[5:8]) > LAMP
    levels = cal["levels"][0].to_list()
    assert len(levels) == 1
    assert abs(levels[0] - LAMP) <= 0.2 * LAMP


def test_light_when_learned_small_lamp_switched_in_calm_spell_of_bright_day_then_in_use():
    # two weeks as above, then a sunny Monday with broken cloud; the lamp is learned from
    # the calm weeks and switched on in the bright day's calm hour (10:00-12:00 local)
    history = _meter(14, SESSIONS, set(WORKDAYS))
    cal = calibrate(history, SITES)
    assert cal["levels"][0].len() == 1
    day = 14
    bright = _meter(15, [], {d for d in range(15) if d != day}).filter(
        pl.col("t") >= START + timedelta(days=day)
    )
    local = pl.col("t") + pl.duration(hours=8)
    at = local.dt.hour() + local.dt.minute() / 60
    # a calm spell in that sunny day: the sky steady from 10:00 to 12:00 local (the
    # broken cloud's flicker averaged away), the lamp on from 10:30 to 11:30
    bright = bright.with_columns(
        (
            pl.when(at.is_between(10.0, 12.0, closed="left"))
            .then(pl.col("lux").rolling_mean(15, min_samples=1, center=True))
            .otherwise(pl.col("lux"))
            + pl.when(at.is_between(10.5, 11.5, closed="left")).then(LAMP).otherwise(0.0)
        ).round(1)
    )
    detected = lamp_light(bright, cal, SITES)
    assert detected["lamp_known"].all()
    during = detected.filter(at.is_between(10.6, 11.5, closed="left"))
    assert during["lamps_on"].mean() >= 0.9  # type: ignore[operator]
    # the broken cloud of the rest of that bright day is no lamp
    cloud = detected.filter(at.is_between(7.0, 9.5) | at.is_between(13.0, 17.0))
    assert cloud["lamps_on"].mean() <= 0.05  # type: ignore[operator]
