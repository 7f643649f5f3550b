"""The store on plain PostgreSQL: month partitions made on demand, duplicates counted."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import orjson
import psycopg
from psycopg import sql

from assetpulse.ingest.decode import decode
from assetpulse.ingest.model import Received
from assetpulse.ingest.store import ReadingStore
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
