"""Usage over HTTP at the finest buckets, on a real office (UCI, tests/fix_real_sensors.py):
the minute a lamp goes on is the minute use starts, and a minute view adds up to the hours
the rollup stored."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import polars as pl
import psycopg
import pytest

from assetpulse.monitor.db.refresh import refresh_baselines, refresh_rollups
from tests.fix_real_sensors import MONS, uci_office

END = datetime(2015, 2, 10, 9, 0, tzinfo=UTC)


@pytest.fixture
def office(db, db_url, monitor_world) -> int:
    readings, _ = uci_office()
    card = monitor_world.card("办公室", "A0101")
    since = readings["t"].min() - timedelta(days=1)
    monitor_world.bind("UCI-LX", "photo", card, since)
    with psycopg.connect(db_url) as conn:
        conn.execute("select ensure_reading_partitions(%s, %s)", (since, END))
        conn.execute("update sensors set lat = %s, lon = %s where sensor_id = 'UCI-LX'", MONS)
    monitor_world.write(readings.select("sensor_id", "t", "lux", kind=pl.lit(1)), fresh=True)
    refresh_baselines(db, until=END, days=7, site=MONS)
    refresh_rollups(db, lag=timedelta(0), site=MONS)
    return card


def _usage(api, auth, card: int, start: str, end: str, bucket: str) -> list[dict]:
    r = api.get(
        f"/api/v1/assets/{card}/usage",
        params={"from": start, "to": end, "bucket": bucket},
        headers=auth("hd_jb"),
    )
    assert r.status_code == 200, r.text
    return r.json()["items"]


def test_usage_when_minute_buckets_then_use_starts_the_minute_the_lamps_go_on(api, auth, office):
    # 2015-02-09, back from lunch: the lamps go on at 13:34 local (UTC+1); daylight before
    items = _usage(
        api, auth, office, "2015-02-09T13:15:00+01:00", "2015-02-09T14:00:00+01:00", "minute"
    )
    assert len(items) == 45
    used = [datetime.fromisoformat(b["start"]) for b in items if b["in_use_s"] > 30]
    assert used[0] == datetime(2015, 2, 9, 12, 34, tzinfo=UTC)
    assert all(b["in_use_s"] == 0 for b in items[:19])
    assert all(b["in_use_s"] == pytest.approx(60, abs=1) for b in items[21:])
    assert items[30]["coverage_by_sensor"]["UCI-LX"] == pytest.approx(1.0, abs=0.02)
    assert items[30]["coverage_by_signal"]["photo"] == pytest.approx(1.0, abs=0.02)


def test_usage_when_quarter_hours_of_a_day_then_they_add_up_to_the_stored_hours(api, auth, office):
    day = ("2015-02-09T00:00:00+01:00", "2015-02-10T00:00:00+01:00")
    quarters = _usage(api, auth, office, *day, "15min")
    hours = _usage(api, auth, office, *day, "hour")
    assert len(quarters) == 96
    assert len(hours) == 24
    total_q = sum(b["in_use_s"] for b in quarters)
    total_h = sum(b["in_use_s"] for b in hours)
    assert total_h > 8 * 3600  # a working day with the lamps on
    assert total_q == pytest.approx(total_h, rel=0.01)


def test_usage_when_minute_range_too_long_then_refused_with_code(api, auth, office):
    r = api.get(
        f"/api/v1/assets/{office}/usage",
        params={
            "from": "2015-02-01T00:00:00+01:00",
            "to": "2015-02-10T00:00:00+01:00",
            "bucket": "minute",
        },
        headers=auth("hd_jb"),
    )
    assert r.status_code == 422
    assert r.json()["error"]["code"] == "USAGE_RANGE_INVALID"
