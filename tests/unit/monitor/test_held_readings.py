"""What a slice's first learn holds for its rollup: the held part of a fetch, and the rest."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import polars as pl

from assetpulse.monitor.db.held_readings import HeldReadings

T0 = datetime(2026, 11, 2, tzinfo=UTC)
T1 = T0 + timedelta(days=2)


def _rows(sensor: str, t0: datetime, t1: datetime) -> pl.DataFrame:
    minutes = int((t1 - t0).total_seconds() // 60)
    return pl.DataFrame(
        {
            "sensor_id": [sensor] * minutes,
            "t": [t0 + timedelta(minutes=m) for m in range(minutes)],
            "lux": [float(m % 300) for m in range(minutes)],
            "temp_c": [None] * minutes,
        },
        schema={"sensor_id": pl.String, "t": pl.Datetime("us", "UTC"), "lux": pl.Float32,
                "temp_c": pl.Float64},
    )  # fmt: skip


def test_split_when_the_span_is_held_then_only_other_sensors_are_fetched():
    held = HeldReadings()
    assert held.keep(["PH-1"], T0, T1, _rows("PH-1", T0, T1))
    a, b = T0 + timedelta(hours=5), T0 + timedelta(hours=30)
    rows, fetch = held.split(["PH-1", "TS-9"], a, b)
    assert fetch == [(["TS-9"], a, b)]
    assert rows is not None
    assert rows.height == 25 * 60
    assert rows["t"].min() == a
    assert rows["t"].max() == b - timedelta(minutes=1)
    # what was null in every row is not held, and comes back null beside fetched rows
    assert "temp_c" not in rows.columns


def test_split_when_asked_beyond_the_held_span_then_the_held_sensors_fetch_the_rest():
    held = HeldReadings()
    held.keep(["PH-1"], T0, T1, _rows("PH-1", T0, T1))
    a, b = T0 - timedelta(hours=3), T1 + timedelta(hours=2)
    rows, fetch = held.split(["PH-1"], a, b)
    assert fetch == [(["PH-1"], a, T0), (["PH-1"], T1, b)]
    assert rows is not None
    assert rows.height == 2 * 1440


def test_keep_when_over_budget_or_another_span_then_nothing_held():
    held = HeldReadings(budget=3000)
    assert held.keep(["PH-1"], T0, T1, _rows("PH-1", T0, T1))  # 2,880 rows
    assert not held.keep(["PH-2"], T0, T1, _rows("PH-2", T0, T1))  # would pass 3,000
    rows, fetch = held.split(["PH-2"], T0, T1)
    assert rows is None
    assert fetch == [(["PH-2"], T0, T1)]
    other = HeldReadings()
    other.keep(["PH-1"], T0, T1, _rows("PH-1", T0, T0 + timedelta(hours=1)))
    assert not other.keep(["PH-2"], T0, T1 + timedelta(hours=1), _rows("PH-2", T0, T1))
