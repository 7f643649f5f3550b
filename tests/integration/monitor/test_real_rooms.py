"""Real rooms through PostgreSQL: readings → light calibration → hourly rollup → verdicts.

Data: the UCI office (tests/fix_real_sensors.py, attribution there), at its real place and
dates; the refresh job learns the meter's lamps from its own unlabeled history.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import polars as pl
import psycopg
import pytest

from assetpulse.monitor.core.rules import parse_rules
from assetpulse.monitor.db.analyse import analyse
from assetpulse.monitor.db.refresh import refresh_baselines, refresh_rollups
from tests.fix_real_sensors import MONS, uci_office

END = datetime(2015, 2, 10, 9, 0, tzinfo=UTC)
RULES = (Path(__file__).parents[3] / "src/assetpulse/monitor/idle_rules.toml").read_text(
    encoding="utf-8"
)


def _office(monitor_world, db_url: str, *, dead_light_meter: bool) -> int:
    readings, _ = uci_office()
    card = monitor_world.card("办公室", "A0101")
    since = readings["t"].min() - timedelta(days=1)
    monitor_world.bind("UCI-LX", "photo", card, since)
    monitor_world.bind("UCI-TM", "temp", card, since)
    with psycopg.connect(db_url) as conn:
        conn.execute("select ensure_reading_partitions(%s, %s)", (since, END))
        conn.execute(
            "update sensors set lat = %s, lon = %s where sensor_id in ('UCI-LX', 'UCI-TM')", MONS
        )
    thermometer = readings.select("t", "temp_c", sensor_id=pl.lit("UCI-TM"), kind=pl.lit(2))
    monitor_world.write(thermometer, fresh=True)
    if not dead_light_meter:
        monitor_world.write(readings.select("sensor_id", "t", "lux", kind=pl.lit(1)), fresh=True)
    return card


def _refresh(db) -> None:
    refresh_baselines(db, until=END, days=7, site=MONS)
    refresh_rollups(db, lag=timedelta(0), site=MONS)


def test_office_when_rolled_up_then_usage_hours_follow_the_occupied_minutes(
    db, db_url, monitor_world
):
    card = _office(monitor_world, db_url, dead_light_meter=False)
    _refresh(db)
    used_h, covered = db.execute(
        "select sum(in_use_s) / 3600, avg(photo_coverage) from usage_hourly where card_id = %s",
        (card,),
    ).fetchone()
    readings, _ = uci_office()
    truth_h = readings["truth"].sum() / 60  # one sample a minute
    assert used_h == pytest.approx(truth_h, rel=0.06)
    assert covered > 0.95
    levels = db.execute(
        "select levels from sensor_light_calibration where sensor_id = 'UCI-LX'"
    ).fetchone()[0]
    assert len(levels) == 1
    assert 380 <= levels[0] <= 470


def test_office_when_light_meter_dead_and_thermometer_live_then_insufficient_naming_it(
    db, db_url, monitor_world
):
    card = _office(monitor_world, db_url, dead_light_meter=True)
    _refresh(db)
    rules = parse_rules(RULES.replace("min_covered_workdays = 5", "min_covered_workdays = 3"))
    result = analyse(db, rules=rules, window_end=END, days=7, store=False)
    assert result.frame is not None
    row = result.frame.filter(card_id=card).row(0, named=True)
    assert row["verdict"] == "insufficient_data"
    assert row["coverage"] == 0.0  # the light meter's, not the thermometer's 100 %
    assert "UCI-LX" in row["evidence_zh"]
    assert "光照" in row["evidence_zh"]
