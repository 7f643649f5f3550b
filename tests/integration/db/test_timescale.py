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


def test_hourly_continuous_aggregate_summarises_readings_per_sensor_hour(timescale_db) -> None:
    for minute, on in ((0, True), (20, True), (40, False)):
        timescale_db.execute(
            "insert into readings (sensor_id, t, kind, gateway_id, on_state, temp_c)"
            " values ('PH-2', %s::timestamptz, 1, 'GW-1', %s, 30)",
            (f"2026-01-05T08:{minute:02d}:00Z", on),
        )
    timescale_db.execute("call refresh_continuous_aggregate('readings_hourly', null, null)")
    row = timescale_db.execute(
        "select samples, round(on_share, 3)::float8, temp_max from readings_hourly"
        " where sensor_id = 'PH-2'"
    ).fetchone()
    assert row == (3, round(2 / 3, 3), 30.0)
