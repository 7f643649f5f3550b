"""The migration runner against a real PostgreSQL."""

from __future__ import annotations

import psycopg
import pytest

from assetpulse.db.migrate import apply_migrations, discover
from assetpulse.localservices import PostgresProcess


def test_migrations_rerun_apply_nothing(db_url: str) -> None:
    assert apply_migrations(db_url) == []


def test_migrations_fresh_database_records_every_file(pg_server: PostgresProcess) -> None:
    url = pg_server.create_database("fresh_migrate")
    applied = apply_migrations(url, use_timescale=False)
    assert applied == [m.version for m in discover(timescale=False)]
    with psycopg.connect(url) as conn:
        rows = conn.execute("select version from schema_migrations order by 1").fetchall()
    assert [r[0] for r in rows] == applied


def test_reading_partitions_cover_recent_months(
    db: psycopg.Connection[tuple[object, ...]], has_timescale: bool
) -> None:
    if has_timescale:
        pytest.skip("TimescaleDB creates chunks on demand; see test_timescale.py")
    db.execute(
        "insert into readings (sensor_id, t, kind, gateway_id, on_state)"
        " values ('PH-1', now() - interval '200 days', 1, 'GW-1', true)"
    )
    made = db.execute(
        "select ensure_reading_partitions(now() + interval '1 year', now() + interval '1 year')"
    ).fetchone()
    assert made == (1,)
