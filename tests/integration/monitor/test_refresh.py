"""Rollup refresh on PostgreSQL: changed hours only, late and duplicate readings exact."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import polars as pl
import psycopg
from polars.testing import assert_frame_equal

from assetpulse.monitor.db.refresh import refresh_baselines, refresh_rollups

T0 = datetime(2026, 10, 20, 0, 0, tzinfo=UTC)


def _photo_trace(sensor: str, minutes: int, on_between: list[tuple[int, int]]) -> pl.DataFrame:
    rows = []
    on_ms = cyc = 0
    prev_on = False
    for i in range(minutes):
        on = any(a <= i < b for a, b in on_between)
        if on and not prev_on:
            cyc += 1
        rows.append(
            {
                "sensor_id": sensor,
                "t": T0 + timedelta(minutes=i),
                "kind": 1,
                "on_state": on,
                "lux": 300.0 if on else 5.0,
                "on_ms": on_ms,
                "cyc": cyc,
            }
        )
        if on:
            on_ms += 60_000
        prev_on = on
    return pl.DataFrame(rows)


def _rollup(db: psycopg.Connection) -> pl.DataFrame:
    rows = db.execute(
        "select card_id, hour, in_use_s, sessions, samples, coverage"
        " from usage_hourly order by card_id, hour"
    ).fetchall()
    return pl.DataFrame(
        rows,
        schema=["card_id", "hour", "in_use_s", "sessions", "samples", "coverage"],
        orient="row",
    )


def test_refresh_when_readings_arrive_late_and_twice_then_rollup_equals_on_time(
    db, db_url, monitor_world
):
    card = monitor_world.card("显微镜", "A023201")
    monitor_world.bind("PH-1", "photo", card, T0 - timedelta(days=1))
    trace = _photo_trace("PH-1", 6 * 60, [(30, 95), (200, 230)])

    # on time, all at once, in a second database cloned from the same template
    monitor_world.write(trace)
    refresh_rollups(db, lag=timedelta(0))
    on_time = _rollup(db)
    assert on_time["in_use_s"].sum() == (65 + 30) * 60
    assert on_time["sessions"].sum() == 2

    # the same readings again in another order, with a tenth held back and delivered
    # after a refresh, plus duplicates of both halves
    db.execute("truncate usage_hourly")
    db.execute("delete from readings")
    db.execute("update monitor_watermarks set watermark = '1970-01-01T00:00:00Z'")
    rng = random.Random(7)
    idx = list(range(trace.height))
    rng.shuffle(idx)
    late = sorted(idx[: trace.height // 10])
    early = sorted(idx[trace.height // 10 :])
    monitor_world.write(trace[early])
    refresh_rollups(db, lag=timedelta(0))
    partial = _rollup(db)
    assert partial["samples"].sum() < trace.height
    monitor_world.write(trace[late])
    monitor_world.write(trace[early[:50]])  # redelivered: stored once
    refresh_rollups(db, lag=timedelta(0))
    assert_frame_equal(_rollup(db), on_time)


def test_refresh_when_nothing_new_then_no_hours_recomputed(db, monitor_world):
    card = monitor_world.card("打印机", "A020102")
    monitor_world.bind("PH-2", "photo", card, T0 - timedelta(days=1))
    monitor_world.write(_photo_trace("PH-2", 120, [(10, 20)]), received_at=T0)
    first = refresh_rollups(db, lag=timedelta(0))
    assert first.card_hours > 0
    again = refresh_rollups(db, lag=timedelta(0))
    assert again.card_hours == 0


def test_refresh_when_sensor_bound_after_its_readings_then_history_rolled_up(db, monitor_world):
    trace = _photo_trace("PH-3", 120, [(0, 60)])
    monitor_world.write(trace, received_at=T0)  # unbound: quarantined, nothing to roll up
    assert refresh_rollups(db, lag=timedelta(0)).card_hours == 0
    card = monitor_world.card("投影仪", "A020104")
    monitor_world.bind("PH-3", "photo", card, T0 - timedelta(days=1))
    refresh_rollups(db, lag=timedelta(0))
    assert _rollup(db)["in_use_s"].sum() == 60 * 60


def test_baselines_when_first_values_are_whole_numbers_then_fractions_still_load(db):
    # the CSV from PostgreSQL prints 5.0 as "5": a type guessed from the first rows
    # must not turn lux or temperature into integers and fail on a later 8.6
    n = 4 * 24 * 12  # four days of 5-minute samples
    ts = [T0 + timedelta(minutes=5 * i) for i in range(n)]
    with db.cursor() as cur:
        cur.execute("insert into sensors (sensor_id, kind) values ('PH-B', 'photo')")
        cur.execute("insert into sensors (sensor_id, kind) values ('TM-B', 'temp')")
        cur.executemany(
            "insert into readings (sensor_id, t, kind, gateway_id, lux)"
            " values ('PH-B', %s, 1, 'GW-1', %s)",
            [(t, 5.0 if i < n - 50 else 8.6) for i, t in enumerate(ts)],
        )
        cur.executemany(
            "insert into readings (sensor_id, t, kind, gateway_id, temp_c)"
            " values ('TM-B', %s, 2, 'GW-1', %s)",
            [(t, 21.0 if i < n - 50 else 21.5) for i, t in enumerate(ts)],
        )
    assert refresh_baselines(db, until=T0 + timedelta(days=5), days=6) > 0
    lux_bases = [
        r[0]
        for r in db.execute(
            "select lux_base from sensor_baselines where sensor_id = 'PH-B'"
        ).fetchall()
    ]
    assert lux_bases
    assert all(b is not None and b >= 5.0 for b in lux_bases)


def test_refresh_when_binding_back_dated_to_another_card_then_hours_move_and_none_counts_twice(
    db, db_url, monitor_world
):
    # the sensor sat on the microscope; an operator records (later) that it was moved to
    # the projector at minute 180: the microscope's hours after that are recomputed
    microscope = monitor_world.card("显微镜", "A023201")
    projector = monitor_world.card("投影仪", "A020104")
    monitor_world.bind("PH-M", "photo", microscope, T0 - timedelta(days=1))
    monitor_world.write(_photo_trace("PH-M", 6 * 60, [(60, 300)]))
    refresh_rollups(db, lag=timedelta(0))
    total = _rollup(db)["in_use_s"].sum()
    assert total == 240 * 60
    moved_at = T0 + timedelta(minutes=180)
    with db.transaction():
        db.execute(
            "update sensor_bindings set valid = tstzrange(lower(valid), %s)"
            " where sensor_id = 'PH-M'",
            (moved_at,),
        )
        db.execute(
            "insert into sensor_bindings (sensor_id, card_id, valid)"
            " values ('PH-M', %s, tstzrange(%s, null))",
            (projector, moved_at),
        )
    refresh_rollups(db, lag=timedelta(0))
    after = _rollup(db)
    by_card = dict(after.group_by("card_id").agg(pl.col("in_use_s").sum()).iter_rows())
    # the minute across the move spans two cards' readings: it counts for neither
    assert by_card[microscope] == 119 * 60
    assert by_card[projector] == 120 * 60
    assert after["in_use_s"].sum() == total - 60  # no reading counts for two cards


def test_refresh_when_light_calibration_changes_then_its_hours_are_recomputed(db, monitor_world):
    # a light meter whose only history is its first day: its lamp (a 300-lux step) is not
    # known yet; a later calibration learns it and the earlier hours are redone with it
    card = monitor_world.card("会议室", "A0101")
    monitor_world.bind("PH-L", "photo", card, T0 - timedelta(days=1))
    db.execute("update sensors set lat = 20.04, lon = 110.34 where sensor_id = 'PH-L'")
    day = _photo_trace("PH-L", 24 * 60, [(60, 120), (600, 660)]).drop("on_state", "on_ms", "cyc")
    monitor_world.write(day)
    refresh_rollups(db, lag=timedelta(0))
    before = db.execute("select count(*) from usage_hourly").fetchone()[0]
    db.execute(
        "insert into sensor_light_calibration (sensor_id, floor, noise, levels, period_s,"
        " learned_from, learned_to) values ('PH-L', 0, 0.5, '{}', 60, %s, %s)",
        (T0, T0 + timedelta(days=1)),
    )
    refresh_rollups(db, lag=timedelta(0))
    assert db.execute("select count(*) from usage_hourly").fetchone()[0] == before
    refreshed = db.execute("select min(refreshed_at) from usage_hourly").fetchone()[0]
    db.execute("update sensor_light_calibration set levels = '{295}', updated_at = now()")
    refresh_rollups(db, lag=timedelta(0))
    assert db.execute("select min(refreshed_at) from usage_hourly").fetchone()[0] > refreshed


def test_fetch_windows_when_span_path_then_same_readings_as_one_query_per_window(db, monitor_world):
    # a plug with counters and a zone on some readings, a sensor moved between two cards
    # (one binding closed with an inclusive upper bound), a thermometer with nulls only
    from assetpulse.monitor.db import refresh as r

    a = monitor_world.card("显微镜", "A023201")
    b = monitor_world.card("离心机", "A023201")
    monitor_world.bind("PL-1", "photo", a, T0 - timedelta(days=1))
    monitor_world.bind("TH-1", "temp", b, T0 - timedelta(days=1))
    db.execute(
        "insert into sensors (sensor_id, kind) values ('MV-1', 'photo') on conflict do nothing"
    )
    moved = T0 + timedelta(minutes=97)
    db.execute(
        "insert into sensor_bindings (sensor_id, card_id, valid) values"
        " ('MV-1', %s, tstzrange(%s, %s, '[]')), ('MV-1', %s, tstzrange(%s, null, '()'))",
        (a, T0 - timedelta(days=1), moved, b, moved + timedelta(minutes=40)),
    )
    db.commit()
    plug = _photo_trace("PL-1", 4 * 60, [(30, 95)]).with_columns(
        pl.when(pl.int_range(pl.len()) % 7 == 0).then(pl.lit("lab-2")).alias("zone")
    )
    mover = _photo_trace("MV-1", 4 * 60, [(100, 150)]).with_columns(
        pl.lit(None, pl.Boolean).alias("on_state"),
        pl.lit(None, pl.Int64).alias("on_ms"),
        pl.lit(None, pl.Int64).alias("cyc"),
    )
    temp = pl.DataFrame(
        {
            "sensor_id": "TH-1",
            "t": [T0 + timedelta(minutes=i) for i in range(4 * 60)],
            "kind": 2,
            "temp_c": 21.5,
        }
    )
    for frame in (plug, mover, temp):
        monitor_world.write(frame, fresh=True)
    windows = pl.DataFrame(
        {
            "card_id": [a, b],
            "sensors": [["PL-1", "MV-1"], ["TH-1", "MV-1"]],
            "t0": [T0 - timedelta(hours=1), T0 + timedelta(minutes=20)],
            "t1": [T0 + timedelta(hours=5), T0 + timedelta(hours=5)],
        },
        schema={
            "card_id": pl.Int64,
            "sensors": pl.List(pl.String),
            "t0": pl.Datetime("us", "UTC"),
            "t1": pl.Datetime("us", "UTC"),
        },
    )
    key = ["card_id", "sensor_id", "t"]
    span = r.fetch_windows(db, windows).sort(key)
    w = windows.explode("sensors")
    per_window = r._readings_frame(
        r.fetch_frame(
            db,
            r.FETCH_WINDOWS,
            {
                "cards": w["card_id"].to_list(),
                "sensors": w["sensors"].to_list(),
                "t0": w["t0"].to_list(),
                "t1": w["t1"].to_list(),
            },
        )
    ).sort(key)
    assert span.height > 0
    assert span["zone"].drop_nulls().len() > 0
    assert span["on_ms"].drop_nulls().len() > 0
    # the moved sensor counts for the first card up to its move, the minute itself
    # included, and for the second only after the start of its open binding
    mv = span.filter(pl.col("sensor_id") == "MV-1")
    assert mv.filter(pl.col("card_id") == a)["t"].max() == moved
    assert mv.filter(pl.col("card_id") == b)["t"].min() == moved + timedelta(minutes=41)
    assert_frame_equal(span, per_window)


def test_span_fetch_when_readings_stray_from_their_sensors_kind_then_each_comes_whole(
    db, monitor_world
):
    # a query per kind of sensor carries that kind's columns only: a reading of another
    # kind (a gateway that sends a light meter's temperature), or with a sparse field
    # (an on flag), must still come back with every value it holds
    from assetpulse.monitor.db.refresh import fetch_span

    card = monitor_world.card("会议室", "A0101")
    monitor_world.bind("PH-S", "photo", card, T0 - timedelta(days=1))
    monitor_world.bind("LOC-S", "loc", card, T0 - timedelta(days=1))
    sent = pl.DataFrame(
        [
            {"sensor_id": "PH-S", "t": T0, "kind": 1, "lux": 120.5},
            {"sensor_id": "PH-S", "t": T0 + timedelta(minutes=1), "kind": 1, "lux": 310.0,
             "on_state": True, "on_ms": 60_000, "cyc": 4},
            {"sensor_id": "PH-S", "t": T0 + timedelta(minutes=2), "kind": 2, "temp_c": 21.25},
            {"sensor_id": "LOC-S", "t": T0, "kind": 3, "lat": 20.041234, "lon": 110.345678,
             "acc": 4.0, "zone": "B2"},
            {"sensor_id": "LOC-S", "t": T0 + timedelta(minutes=1), "kind": 1, "lux": 9.0},
        ]
    )  # fmt: skip
    monitor_world.write(sent)
    got = (
        fetch_span(db, ["PH-S", "LOC-S"], T0, T0 + timedelta(hours=1))
        .select(
            pl.col("sensor_id").cast(pl.String),
            pl.col("t").cast(pl.Datetime("us", "UTC")),
            pl.col("kind").cast(pl.Int64),
            *[pl.col(c).cast(pl.Float64) for c in ("lux", "temp_c", "lat", "lon", "acc")],
            pl.col("on_state"),
            pl.col("on_ms").cast(pl.Int64),
            pl.col("cyc").cast(pl.Int64),
            pl.col("zone").cast(pl.String),
        )
        .sort("sensor_id", "t")
    )
    want = sent.select(got.columns).with_columns(pl.col("t").cast(pl.Datetime("us", "UTC")))
    assert_frame_equal(got, want.sort("sensor_id", "t"), check_dtypes=False)
