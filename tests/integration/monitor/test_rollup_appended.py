"""Appended readings through PostgreSQL (issue 12): a cycle whose fresh readings all come
after what their sensors had recomputes only from where their influence begins, from a
few readings before that hour (and the light walk stored there), and writes the same
hours as one full run over the whole history.

Data: the UCI office light meter and thermometer (tests/fix_real_sensors.py), the desk
room's four meters on one card, and the simulated fleet of ``bench/monitor.py`` (rooms,
computers, vehicles); each history cut at random minutes into cycles, some of them with
readings held back and delivered late (those cards take the general path).
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import polars as pl
import psycopg
from bench.monitor import Fleet, readings_frame
from polars.testing import assert_frame_equal

from assetpulse.monitor.core.rollup import ROLLUP_COLUMNS
from assetpulse.monitor.db.analyse import Rolled, fetch_rollup
from assetpulse.monitor.db.refresh import (
    APPEND_CONTEXT,
    RefreshResult,
    refresh_light_calibration,
    refresh_rollups,
    rollup_cards,
)
from tests.fix_real_sensors import HYDERABAD, MONS, desk_room, uci_office

Site = tuple[float, float]


def _rollup(db: psycopg.Connection) -> pl.DataFrame:
    cols = ", ".join(ROLLUP_COLUMNS)
    rows = db.execute(f"select {cols} from usage_hourly order by card_id, hour").fetchall()
    return pl.DataFrame(rows, schema=list(ROLLUP_COLUMNS), orient="row", infer_schema_length=None)


def _calibrate(db: psycopg.Connection, readings: pl.DataFrame, site: Site) -> None:
    photo = readings.filter(pl.col("kind") == 1).select("sensor_id", "t", "lux", "kind")
    refresh_light_calibration(
        db, photo.with_columns(temp_c=None), t0=photo["t"].min(), t1=photo["t"].max(), site=site
    )


def _in_cycles(
    db: psycopg.Connection,
    monitor_world,
    readings: pl.DataFrame,
    cuts: list[datetime],
    site: Site,
    *,
    hold_back: float = 0.0,
    seed: int = 0,
) -> list[RefreshResult]:
    """Readings up to each cut, then a refresh; ``hold_back``: that share of a cycle's
    readings comes only with the next one (late)."""
    rng = random.Random(seed)
    lo = readings["t"].min()
    held = readings.head(0)
    out = []
    for cut in [*cuts, readings["t"].max() + timedelta(seconds=1)]:
        part = readings.filter((pl.col("t") >= lo) & (pl.col("t") < cut))
        if hold_back and part.height and rng.random() < 0.5:
            late = pl.Series([rng.random() < hold_back for _ in range(part.height)])
            monitor_world.write(pl.concat([held, part.filter(~late)]), fresh=True)
            held = part.filter(late)
        else:
            monitor_world.write(pl.concat([held, part]), fresh=True)
            held = part.head(0)
        out.append(refresh_rollups(db, lag=timedelta(0), site=site))
        lo = cut
    if held.height:
        monitor_world.write(held, fresh=True)
        out.append(refresh_rollups(db, lag=timedelta(0), site=site))
    return out


def _once(db: psycopg.Connection, site: Site) -> pl.DataFrame:
    db.execute("truncate usage_hourly, sensor_light_state")
    db.execute("update monitor_watermarks set watermark = '1970-01-01T00:00:00Z'")
    refresh_rollups(db, lag=timedelta(0), site=site)
    return _rollup(db)


def _cuts(rng: random.Random, start: datetime, n: int) -> list[datetime]:
    """A first run to ``start``, then ``n`` cycles of 1 to 45 minutes (across hours too)."""
    cuts = [start]
    for _ in range(n):
        cuts.append(cuts[-1] + timedelta(minutes=rng.choice([1, 5, 5, 5, 7, 12, 20, 45])))
    return cuts


def _assert_same(cycles: pl.DataFrame, once: pl.DataFrame) -> None:
    assert cycles.height == once.height > 0
    assert_frame_equal(cycles, once, check_exact=False, abs_tol=1e-3)


def test_appended_when_uci_office_arrives_in_cycles_then_hours_equal_one_full_run(
    db, monitor_world
):
    readings, _ = uci_office()
    office = monitor_world.card("办公室", "A0101")
    pc = monitor_world.card("台式机", "A020101")
    since = readings["t"].min() - timedelta(days=1)
    monitor_world.bind("UCI-LX", "photo", office, since)
    monitor_world.bind("UCI-TC", "temp", pc, since)
    db.execute("select ensure_reading_partitions(%s, %s)", (since, readings["t"].max()))
    db.execute("update sensors set lat = %s, lon = %s where sensor_id = 'UCI-LX'", MONS)
    both = pl.concat(
        [
            readings.select("sensor_id", "t", "lux", kind=pl.lit(1)),
            readings.select("t", "temp_c", sensor_id=pl.lit("UCI-TC"), kind=pl.lit(2)),
        ],
        how="diagonal",
    ).sort("t", "sensor_id")
    _calibrate(db, both, MONS)
    rng = random.Random(12)
    # Monday: the office's lamps on by day, where only the resumed walk tells them
    cuts = _cuts(rng, datetime(2015, 2, 9, 6, rng.randrange(60), tzinfo=UTC), 30)
    results = _in_cycles(db, monitor_world, both, cuts, MONS)
    cycles = _rollup(db)
    # the cycles of a few minutes read their minutes, the context and the hour's start:
    # not the three hours either side of every dirty hour (~330 readings a sensor)
    short = [
        r.readings_read
        for r, a, b in zip(results[1:], cuts, cuts[1:], strict=False)
        if b - a <= timedelta(minutes=12)
    ]
    assert short
    assert max(short) <= 2 * (APPEND_CONTEXT + 2 * 60 + 12)
    _assert_same(cycles, _once(db, MONS))


def test_appended_when_desk_room_arrives_in_cycles_with_late_readings_then_hours_equal_one_run(
    db, monitor_world
):
    readings, _ = desk_room()
    room = monitor_world.card("自习室", "A0101")
    since = readings["t"].min() - timedelta(days=1)
    for k in range(1, 5):
        monitor_world.bind(f"ROE-S{k}", "photo", room, since)
    db.execute("select ensure_reading_partitions(%s, %s)", (since, readings["t"].max()))
    db.execute("update sensors set lat = %s, lon = %s where sensor_id like 'ROE-%%'", HYDERABAD)
    photo = readings.select("sensor_id", "t", "lux", kind=pl.lit(1)).sort("t", "sensor_id")
    _calibrate(db, photo, HYDERABAD)
    rng = random.Random(5)
    t0 = photo["t"].min() + timedelta(days=1, hours=rng.randrange(24), minutes=rng.randrange(60))
    cuts = _cuts(rng, t0, 24)
    _in_cycles(db, monitor_world, photo, cuts, HYDERABAD, hold_back=0.02, seed=3)
    cycles = _rollup(db)
    _assert_same(cycles, _once(db, HYDERABAD))


def test_appended_when_simulated_fleet_arrives_in_cycles_then_hours_equal_one_full_run(
    db, monitor_world
):
    # a Tuesday afternoon in China, cycles across the vehicles' 15:00 trips
    now = datetime(2026, 12, 1, 21, 53, tzinfo=UTC)
    start = int(now.timestamp() // 60) - 36 * 60
    fleet = Fleet(30, start, 2)
    raw = readings_frame(fleet, start, start + 36 * 60, None)
    readings = raw.drop("received_at").with_columns(
        pl.col("t").str.to_datetime("%Y-%m-%d %H:%M:%S%#z", time_zone="UTC")
    )
    since = readings["t"].min() - timedelta(days=1)
    db.execute("select ensure_reading_partitions(%s, %s)", (since, now))
    vehicles = []
    for prefix, kind, n in fleet.kinds:
        for sensor in fleet.ids(prefix, n):
            category = {"photo": "A0101", "temp": "A020101", "loc": "A0203"}[kind]
            card = monitor_world.card(sensor, category)
            monitor_world.bind(sensor, kind, card, since)
            if kind == "loc":
                vehicles.append(card)
    site = (20.04, 110.34)
    db.execute("update sensors set lat = %s, lon = %s where kind = 'photo'", site)
    _calibrate(db, readings, site)
    rng = random.Random(9)
    t0 = readings["t"].min() + timedelta(hours=20, minutes=rng.randrange(60))
    cuts = _cuts(rng, t0, 24)
    _in_cycles(db, monitor_world, readings, cuts, site, hold_back=0.01, seed=4)
    cycles = _rollup(db)
    assert cycles["distance_m"].sum() > 0
    assert cycles["in_use_s"].sum() > 0
    once = _once(db, site)
    moving = pl.col("card_id").is_in(vehicles)
    _assert_same(cycles.filter(~moving), once.filter(~moving))
    # The location detector learns each track's stay radius from the fixes it is given
    # (detectors/location.py), so a vehicle's hour can move by one interval at a trip's
    # start between any two windows — the general path's three hours as much as these
    # (both give the same hours here); the rest of a vehicle's figures are exact.
    v, w = cycles.filter(moving), once.filter(moving)
    exact = [c for c in ROLLUP_COLUMNS if c not in ("distance_m", "moving_s", "lat", "lon")]
    assert_frame_equal(v.select(exact), w.select(exact), check_exact=False, abs_tol=1e-3)
    assert ((v["moving_s"] - w["moving_s"]).abs() <= 120).all()
    assert ((v["distance_m"] - w["distance_m"]).abs() <= 2 * 480 + 50).all()
    assert abs(v["distance_m"].sum() - w["distance_m"].sum()) <= 0.01 * w["distance_m"].sum()


def test_rolled_when_laid_over_committed_rollup_then_equals_what_the_transaction_sees(
    db, monitor_world
):
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    start = int(now.timestamp() // 60) - 12 * 60
    fleet = Fleet(6, start, 1)
    readings = (
        readings_frame(fleet, start, start + 12 * 60, None)
        .drop("received_at")
        .with_columns(pl.col("t").str.to_datetime("%Y-%m-%d %H:%M:%S%#z", time_zone="UTC"))
    )
    since = readings["t"].min() - timedelta(days=1)
    for prefix, kind, n in fleet.kinds:
        for sensor in fleet.ids(prefix, n):
            category = {"photo": "A0101", "temp": "A020101", "loc": "A0203"}[kind]
            monitor_world.bind(sensor, kind, monitor_world.card(sensor, category), since)
    cut = readings["t"].min() + timedelta(hours=7, minutes=13)
    monitor_world.write(readings.filter(pl.col("t") < cut), fresh=True)
    refresh_rollups(db, lag=timedelta(0))
    monitor_world.write(readings.filter(pl.col("t") >= cut), fresh=True)
    ids = sorted(monitor_world.cards.values())
    lo, hi = ids[1], ids[-2]  # a slice: the cards around it keep their committed rows
    t0, t1 = now - timedelta(days=1), now + timedelta(hours=1)
    with db.transaction():
        mark = db.execute("select watermark from monitor_watermarks").fetchone()[0]
        r = rollup_cards(db, since=mark, until=now + timedelta(hours=1), cards=(lo, hi))
        assert r.replaced is not None
        assert r.replaced.height > 0
        seen = fetch_rollup(db, t0, t1, card_range=(lo, hi))
        laid = fetch_rollup(db, t0, t1, card_range=(lo, hi), rolled=Rolled(r.replaced, r.rows))
    assert seen.height > 0
    assert_frame_equal(laid, seen)
