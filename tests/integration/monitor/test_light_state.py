"""Incremental light state through PostgreSQL (issue 12): cycles that resume each light
meter's lamp walk from ``sensor_light_state`` write the same hours as one full run.

Data: the UCI office light meter (tests/fix_real_sensors.py), calibrated once on its whole
history; its readings arrive as a 5-minute timer would see them, in pieces.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import polars as pl
import psycopg
from polars.testing import assert_frame_equal

from assetpulse.monitor.db.refresh import refresh_light_calibration, refresh_rollups
from tests.fix_real_sensors import MONS, uci_office

END = datetime(2015, 2, 10, 9, 0, tzinfo=UTC)


def _rollup(db: psycopg.Connection) -> pl.DataFrame:
    rows = db.execute(
        "select card_id, hour, in_use_s, sessions, samples, coverage, photo_coverage"
        " from usage_hourly order by card_id, hour"
    ).fetchall()
    names = ["card_id", "hour", "in_use_s", "sessions", "samples", "coverage", "photo_coverage"]
    return pl.DataFrame(rows, schema=names, orient="row")


def _office(db: psycopg.Connection, monitor_world) -> pl.DataFrame:
    readings, _ = uci_office()
    photo = readings.select("sensor_id", "t", "lux", kind=pl.lit(1))
    card = monitor_world.card("办公室", "A0101")
    since = readings["t"].min() - timedelta(days=1)
    monitor_world.bind("UCI-LX", "photo", card, since)
    db.execute("select ensure_reading_partitions(%s, %s)", (since, END))
    db.execute("update sensors set lat = %s, lon = %s where sensor_id = 'UCI-LX'", MONS)
    t0, t1 = photo["t"].min(), END
    refresh_light_calibration(db, photo.with_columns(temp_c=None), t0=t0, t1=t1, site=MONS)
    return photo


def test_light_state_when_readings_arrive_in_cycles_then_hours_equal_one_full_run(
    db, monitor_world
):
    photo = _office(db, monitor_world)
    # the history to Monday noon at once (the first run), then the afternoon in 20-minute
    # cycles — each resumes from a walk stored by day, with the lamps on, where only the
    # walk tells them from daylight — then the rest
    first = datetime(2015, 2, 9, 12, 0, tzinfo=UTC)
    cuts = [first + timedelta(minutes=20 * k) for k in range(13)] + [END]
    lo = photo["t"].min()
    read = []
    for cut in cuts:
        monitor_world.write(photo.filter((pl.col("t") >= lo) & (pl.col("t") < cut)), fresh=True)
        read.append(refresh_rollups(db, lag=timedelta(0), site=MONS).readings_read)
        lo = cut
    cycles = _rollup(db)
    resumed = db.execute("select count(*) from sensor_light_state").fetchone()[0]
    assert resumed > 0
    # each 20-minute cycle read its hours' reach (~5-6 h), not the 24 h back to the night
    assert max(read[1:-1]) < 7 * 60

    db.execute("truncate usage_hourly, sensor_light_state")
    db.execute("update monitor_watermarks set watermark = '1970-01-01T00:00:00Z'")
    refresh_rollups(db, lag=timedelta(0), site=MONS)
    once = _rollup(db)
    assert once["in_use_s"].sum() > 20 * 3600  # the office was used: the lamps mattered
    assert_frame_equal(cycles, once, check_exact=False, abs_tol=1e-3)


def test_light_state_when_calibration_changes_then_stored_walk_not_resumed(db, monitor_world):
    photo = _office(db, monitor_world)
    first = datetime(2015, 2, 9, 5, 0, tzinfo=UTC)
    monitor_world.write(photo.filter(pl.col("t") < first), fresh=True)
    refresh_rollups(db, lag=timedelta(0), site=MONS)
    assert db.execute("select count(*) from sensor_light_state").fetchone()[0] > 0
    # another lamp learned: the walks stored under the old calibration no longer hold
    db.execute(
        "update sensor_light_calibration set levels = levels || 900::real, updated_at = now()"
    )
    monitor_world.write(
        photo.filter(pl.col("t").is_between(first, first + timedelta(minutes=20), closed="left")),
        fresh=True,
    )
    r = refresh_rollups(db, lag=timedelta(0), site=MONS)
    assert r.readings_read > 20 * 60  # walked from the night before, and the learnt hours
