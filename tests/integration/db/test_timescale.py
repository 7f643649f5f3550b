"""The TimescaleDB path of the schema; runs where the test PostgreSQL has the extension.

Point ASSETPULSE_TEST_PG_BINDIR at a PostgreSQL installation that ships timescaledb and
the session's server preloads it, so these tests (and the whole suite) take that path.
"""

from __future__ import annotations

import psycopg
import pytest


@pytest.fixture
def timescale_db(has_timescale: bool, db: psycopg.Connection[tuple[object, ...]]):
    if not has_timescale:
        pytest.skip("the test PostgreSQL has no timescaledb (set ASSETPULSE_TEST_PG_BINDIR)")
    return db


def test_readings_become_compressed_hypertable_with_policies(timescale_db) -> None:
    hyper = timescale_db.execute(
        "select compression_enabled from timescaledb_information.hypertables"
        " where hypertable_name = 'readings'"
    ).fetchone()
    assert hyper == (True,)
    jobs = {
        r[0]
        for r in timescale_db.execute(
            "select proc_name from timescaledb_information.jobs where hypertable_name = 'readings'"
        )
    }
    assert {"policy_compression", "policy_retention"} <= jobs


def test_redelivered_reading_into_compressed_chunk_is_stored_once(timescale_db) -> None:
    insert = (
        "insert into readings (sensor_id, t, kind, gateway_id, on_state)"
        " values ('PH-1', '2026-01-05T08:00:00Z', 1, 'GW-1', true)"
        " on conflict (sensor_id, t) do nothing"
    )
    timescale_db.execute(insert)
    timescale_db.execute("select compress_chunk(c) from show_chunks('readings') c")
    timescale_db.execute(insert)
    assert timescale_db.execute("select count(*) from readings").fetchone() == (1,)
