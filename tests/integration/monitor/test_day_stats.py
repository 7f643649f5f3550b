"""Baselines and light calibrations kept up from day summaries in PostgreSQL (issue 12):
the day's first run summarises the days it has not summarised yet and learns from the
stored summaries, not from the raw history.

Data: the UCI office light meter and thermometer (tests/fix_real_sensors.py).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import polars as pl
import psycopg
import pytest

from assetpulse.monitor.db.refresh import refresh_baselines
from tests.fix_real_sensors import MONS, uci_office

END = datetime(2015, 2, 10, 9, 0, tzinfo=UTC)


def _office(db: psycopg.Connection, monitor_world) -> pl.DataFrame:
    readings, _ = uci_office()
    card = monitor_world.card("办公室", "A0101")
    since = readings["t"].min() - timedelta(days=1)
    monitor_world.bind("UCI-LX", "photo", card, since)
    monitor_world.bind("UCI-TM", "temp", card, since)
    db.execute("select ensure_reading_partitions(%s, %s)", (since, END + timedelta(days=1)))
    db.execute("update sensors set lat = %s, lon = %s", MONS)
    both = pl.concat(
        [
            readings.select("sensor_id", "t", "lux", kind=pl.lit(1)),
            readings.select("t", "temp_c", sensor_id=pl.lit("UCI-TM"), kind=pl.lit(2)),
        ],
        how="diagonal",
    )
    monitor_world.write(both, fresh=True)
    return both


def _learned(db: psycopg.Connection) -> tuple[dict, pl.DataFrame]:
    cal = db.execute(
        "select floor, noise, levels, period_s, samples from sensor_light_calibration"
        " where sensor_id = 'UCI-LX'"
    ).fetchone()
    rows = db.execute(
        "select sensor_id, hour_of_day, lux_base, temp_base from sensor_baselines order by 1, 2"
    ).fetchall()
    names = ["sensor_id", "hour_of_day", "lux_base", "temp_base"]
    keys = ["floor", "noise", "levels", "period_s", "samples"]
    return dict(zip(keys, cal, strict=True)), pl.DataFrame(rows, schema=names, orient="row")


def _assert_close(a: tuple[dict, pl.DataFrame], b: tuple[dict, pl.DataFrame]) -> None:
    (ca, ba), (cb, bb) = a, b
    assert ca["levels"] == pytest.approx(cb["levels"], rel=1e-4)
    for k in ("floor", "noise", "period_s"):
        assert ca[k] == pytest.approx(cb[k], abs=0.06)
    assert ca["samples"] == cb["samples"]
    j = ba.join(bb, on=["sensor_id", "hour_of_day"], how="full", coalesce=True)
    assert j.height == ba.height == bb.height
    for c in ("lux_base", "temp_base"):
        assert (j[c] - j[f"{c}_right"]).abs().max() <= 0.051  # type: ignore[operator]


def test_baselines_when_learned_each_morning_then_as_from_the_raw_history(db, monitor_world):
    _office(db, monitor_world)
    first = datetime(2015, 2, 5, 2, 0, tzinfo=UTC)
    for k in range(6):  # each day's first run, 02:00 UTC, then the end of the file
        refresh_baselines(db, until=first + timedelta(days=k), days=7, site=MONS)
    refresh_baselines(db, until=END, days=7, site=MONS)
    daily = _learned(db)
    days = db.execute("select count(*), bool_and(complete) from sensor_day_stats").fetchone()
    assert days[0] == 2 * 7  # two sensors, 2015-02-04 … 02-10
    db.execute("truncate sensor_day_stats, sensor_day_steps, sensor_baselines")
    db.execute("delete from sensor_light_calibration")
    refresh_baselines(db, until=END, days=7, site=MONS)
    _assert_close(daily, _learned(db))


def test_baselines_when_old_raw_readings_gone_then_learned_from_their_day_summaries(
    db, monitor_world
):
    _office(db, monitor_world)
    refresh_baselines(db, until=END, days=7, site=MONS)
    before = _learned(db)
    # the raw history but for the last day is gone: a relearn that read it would miss
    # the nights the lamp was learned from and most of the samples
    db.execute("delete from readings where t < %s", (END - timedelta(days=1),))
    refresh_baselines(db, until=END + timedelta(hours=3), days=7, site=MONS)
    _assert_close(before, _learned(db))
