"""The store on plain PostgreSQL: month partitions made on demand, duplicates counted."""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime
from typing import Any

import orjson
import psycopg
from psycopg import sql

from assetpulse.ingest.decode import decode
from assetpulse.ingest.model import Received
from assetpulse.ingest.store import EXACT_AFTER_CONFLICT, ReadingStore
from tests.fix_ingest import envelope, now_ms, temp, up_topic

DAY = 86_400_000


def _received(gw: str, seq: int, readings: list[Any], at: int) -> Received:
    raw = orjson.dumps(envelope(gw, seq, readings))
    return Received(up_topic(gw), raw, at, decode(raw, up_topic(gw), now_ms=at))


def test_store_reading_in_month_without_partition_creates_it(
    db: psycopg.Connection[Any], db_url: str, has_timescale: bool
) -> None:
    now = now_ms()
    ahead = now + 40 * DAY  # a skewed clock, inside the horizon: kept and flagged
    month = datetime.fromtimestamp(ahead / 1000, UTC).strftime("%Y%m")
    db.execute(sql.SQL("drop table if exists {}").format(sql.Identifier(f"readings_{month}")))
    store = ReadingStore(db_url)
    try:
        result = store.write([_received("GW-P", 1, [temp("S-P", ahead, 20.0)], now)])
    finally:
        store.close()
    assert result.stored == 1
    # plain PostgreSQL: the monthly partition now exists (TimescaleDB makes chunks itself)
    expected = None if has_timescale else f"readings_{month}"
    assert db.execute("select to_regclass(%s)", (f"readings_{month}",)).fetchone() == (expected,)
    assert db.execute("select flags from readings where sensor_id = 'S-P'").fetchone() == (1,)


def test_store_redelivered_batch_counts_duplicates_and_stores_nothing_twice(
    db: psycopg.Connection[Any], db_url: str
) -> None:
    now = now_ms()
    batch = [_received("GW-D", n, [temp(f"S{n}", now - 1000, 1.0)] * 2, now) for n in range(3)]
    store = ReadingStore(db_url)
    try:
        first = store.write(batch)
        again = store.write(batch)
    finally:
        store.close()
    # the same (sensor, t) twice in one message is one reading
    assert (first.stored, first.duplicates) == (3, 3)
    assert (again.stored, again.duplicates) == (0, 6)
    assert db.execute("select count(*) from readings").fetchone() == (3,)


def test_store_fresh_batch_keeps_sample_time_and_values_to_the_millisecond(
    db: psycopg.Connection[Any], db_url: str
) -> None:
    at = now_ms() - 123_457  # not a whole second: the fast path's time conversion shows
    store = ReadingStore(db_url)
    try:
        result = store.write([_received("GW-T", 1, [temp("S-T", at, 21.5)], at + 50)])
    finally:
        store.close()
    assert (result.stored, result.duplicates) == (1, 0)
    row = db.execute(
        "select t, temp_c, gateway_id from readings where sensor_id = 'S-T'"
    ).fetchone()
    assert row == (datetime.fromtimestamp(at / 1000, UTC), 21.5, "GW-T")


def test_store_after_conflict_window_takes_fast_path_and_still_stores_once(
    db: psycopg.Connection[Any], db_url: str
) -> None:
    now = now_ms()
    store = ReadingStore(db_url)
    try:
        store.write([_received("GW-W", 0, [temp("S-W", now - 1, 1.0)], now)])
        assert store.write([_received("GW-W", 0, [temp("S-W", now - 1, 1.0)], now)]).stored == 0
        # enough fresh batches to use up the exact path's window and come back to the fast one
        fresh = [
            store.write([_received("GW-W", n, [temp("S-W", now - 1000 * n, 1.0)], now)])
            for n in range(1, EXACT_AFTER_CONFLICT + 3)
        ]
        redelivered = store.write([_received("GW-W", 5, [temp("S-W", now - 5000, 1.0)], now)])
    finally:
        store.close()
    assert all((r.stored, r.duplicates) == (1, 0) for r in fresh)
    assert (redelivered.stored, redelivered.duplicates) == (0, 1)
    expected = 1 + EXACT_AFTER_CONFLICT + 2
    assert db.execute("select count(*), count(distinct t) from readings").fetchone() == (
        expected,
        expected,
    )


UNBOUND_ROW = (
    "select gateway_id, first_t, last_t, readings from unbound_sensors where sensor_id = %s"
)


def test_store_unbound_sensor_seen_again_within_interval_then_counts_written_at_flush(
    db: psycopg.Connection[Any], db_url: str
) -> None:
    now = now_ms()
    store = ReadingStore(db_url, unbound_flush_s=3600)
    try:
        store.write([_received("GW-U", 1, [temp("S-U", now - 3000, 1.0)], now)])
        listed = db.execute(UNBOUND_ROW, ("S-U",)).fetchone()
        # listed in the batch that first brought it, so the operator sees it at once
        assert listed is not None
        assert listed[3] == 1
        store.write([_received("GW-U", 2, [temp("S-U", now - 2000, 1.0)], now)])
        store.write([_received("GW-U", 3, [temp("S-U", now - 1000, 1.0)], now)])
        assert db.execute(UNBOUND_ROW, ("S-U",)).fetchone() == listed  # held, not lost
        store.flush()
    finally:
        store.close()
    gw, first_t, last_t, n = db.execute(UNBOUND_ROW, ("S-U",)).fetchone() or (None,) * 4
    assert (gw, n) == ("GW-U", 3)
    assert first_t == listed[1]
    assert last_t == datetime.fromtimestamp((now - 1000) / 1000, UTC)


def test_store_unbound_counts_when_interval_is_up_then_written_with_the_batch(
    db: psycopg.Connection[Any], db_url: str
) -> None:
    now = now_ms()
    store = ReadingStore(db_url, unbound_flush_s=0)
    try:
        for seq in range(3):
            store.write([_received("GW-V", seq, [temp("S-V", now - 3000 + seq, 1.0)], now)])
            row = db.execute(UNBOUND_ROW, ("S-V",)).fetchone()
            assert row is not None
            assert row[3] == seq + 1
    finally:
        store.close()


def test_store_unbound_batch_fails_then_its_counts_are_not_held_twice(
    db: psycopg.Connection[Any], db_url: str
) -> None:
    now = now_ms()
    store = ReadingStore(db_url, unbound_flush_s=3600)
    batch = [_received("GW-F", 2, [temp("S-F", now - 2000, 1.0)], now)]
    try:
        store.write([_received("GW-F", 1, [temp("S-F", now - 3000, 1.0)], now)])
        # the connection drops before the next batch commits: the worker retries it
        conn = store.connect()
        db.execute("select pg_terminate_backend(%s)", (conn.info.backend_pid,))
        with contextlib.suppress(psycopg.OperationalError):
            store.write(batch)
        store.write(batch)  # the retry, on a new connection
        store.flush()
    finally:
        store.close()
    row = db.execute(UNBOUND_ROW, ("S-F",)).fetchone()
    assert row is not None
    assert row[3] == 2


def test_store_when_same_sensor_and_time_come_with_other_value_then_first_stays_and_dead_letter(
    db: psycopg.Connection[Any], db_url: str
) -> None:
    now = now_ms()
    t = now - 60_000
    store = ReadingStore(db_url)
    try:
        first = store.write([_received("GW-C", 1, [temp("S-C", t, 20.0)], now)])
        # a second source under the same id (or a reset clock): another value at the same t
        later = store.write(
            [_received("GW-C", 2, [temp("S-C", t, 25.5), temp("S-C", t + 1000, 21.0)], now)]
        )
        # one message holding two values for one (sensor, t): the first stays
        within = store.write(
            [_received("GW-C", 3, [temp("S-W", t, 3.0), temp("S-W", t, 4.0)], now)]
        )
        resent = store.write([_received("GW-C", 2, [temp("S-C", t, 20.0)], now)])
    finally:
        store.close()
    assert first.stored == 1
    assert (later.stored, later.duplicates, later.dead_readings, later.conflicting) == (1, 0, 1, 1)
    assert (within.stored, within.duplicates, within.conflicting) == (1, 0, 1)
    # the very same reading again is a duplicate, not a conflict
    assert (resent.stored, resent.duplicates, resent.conflicting) == (0, 1, 0)
    stored = db.execute(
        "select sensor_id, temp_c from readings where sensor_id in ('S-C', 'S-W')"
        " and t = to_timestamp(%s / 1000.0) order by sensor_id",
        (t,),
    ).fetchall()
    assert stored == [("S-C", 20.0), ("S-W", 3.0)]
    dead = db.execute(
        "select sensor_id, gateway_id, topic, detail, payload from ingest_dead_letters"
        " where reason = 'conflicting_reading' order by sensor_id"
    ).fetchall()
    assert [(d[0], d[1], d[2]) for d in dead] == [
        ("S-C", "GW-C", up_topic("GW-C")),
        ("S-W", "GW-C", up_topic("GW-C")),
    ]
    assert "20.0" in dead[0][3]  # both values, for the operator
    assert "25.5" in dead[0][3]
    assert orjson.loads(dead[0][4])["c"] == 25.5  # the refused reading itself is kept
