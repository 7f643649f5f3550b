"""A lux-only room whose light meter cannot see a lamp by day (issue 11: an honest 数据不足
rather than a guess), through PostgreSQL: readings → baselines and calibration → rollup →
analysis, the meter's calibration and daylight carried into the verdict and its evidence."""

from __future__ import annotations

import math
import random
from datetime import UTC, datetime, timedelta
from typing import Any

import polars as pl
import psycopg

from assetpulse.monitor.core.rules import load_rules
from assetpulse.monitor.db.analyse import analyse
from assetpulse.monitor.db.refresh import refresh_baselines, refresh_rollups
from tests.fix_monitor import MonitorWorld

END = datetime(2026, 10, 25, 16, 0, tzinfo=UTC)  # local midnight after Sunday 2026-10-25
DAYS = 14


def _never_lit(sensor: str, daylight: float, swing: float, seed: int) -> pl.DataFrame:
    """Every 5 minutes for ``DAYS`` days, no lamp ever: daylight rising and setting with
    the sun (06:00-18:30 local), ``daylight`` lux at noon under a clear sky, and cloud
    taking a share of it that wanders by ``swing`` (one standard deviation) from one sample
    to the next (broken cloud past a window); 0.2 lux at night."""
    rng = random.Random(seed)
    start = END - timedelta(days=DAYS)
    rows = []
    clear = 1.0
    for i in range(DAYS * 288):
        t = start + timedelta(minutes=5 * i)
        local_h = (t.hour + 8) % 24 + t.minute / 60
        sun = math.sin(math.pi * (local_h - 6.0) / 12.5) if 6.0 < local_h < 18.5 else 0.0
        clear = min(1.0, max(0.3, clear + rng.gauss(0.0, swing)))
        lux = 0.2 + daylight * sun * clear
        rows.append({"sensor_id": sensor, "t": t, "kind": 1, "lux": round(lux, 1)})
    return pl.DataFrame(rows)


def test_analyse_when_meter_cannot_see_a_lamp_against_daylight_then_insufficient_not_idle(
    db: psycopg.Connection[Any], monitor_world: MonitorWorld
) -> None:
    bright = monitor_world.card("南向会议室", "A010101")
    dim = monitor_world.card("内侧资料室", "A010101")
    for sensor, card, daylight, swing in (
        ("PH-BRIGHT", bright, 600.0, 0.15),  # a window room on a 5-minute meter
        ("PH-DIM", dim, 30.0, 0.15),  # no window: any lamp would show
    ):
        monitor_world.bind(sensor, "photo", card, END - timedelta(days=DAYS + 1))
        monitor_world.write(_never_lit(sensor, daylight, swing, card), fresh=True)
    refresh_baselines(db, until=END, days=DAYS)
    refresh_rollups(db, lag=timedelta(0))
    result = analyse(db, rules=load_rules(), window_end=END, days=DAYS, store=False)
    assert result.frame is not None
    v = {row["card_id"]: row for row in result.frame.iter_rows(named=True)}
    assert v[dim]["verdict"] == "idle"
    assert v[bright]["verdict"] == "insufficient_data"
    assert "PH-BRIGHT" in v[bright]["evidence_zh"]
    assert "尚未学到" in v[bright]["evidence_zh"]
    assert "lamp" in v[bright]["evidence_en"]
