"""The rollup's intervals per (card, sensor) read the reading before by a shift within the
sorted frame (each card-sensor numbered once): a sensor bound to two cards, and card-sensors
given in any order, get what each gets alone."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import polars as pl
from polars.testing import assert_frame_equal

from assetpulse.monitor.core.rollup import hour_runs, usage_by_bucket

T0 = datetime(2026, 11, 2, 8, tzinfo=UTC)


def _plug(sensor: str, card: int, minutes: list[int], on_ms: list[int | None]) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "card_id": card,
            "sensor_id": sensor,
            "t": [T0 + timedelta(minutes=m) for m in minutes],
            "kind": 1,
            "on_ms": on_ms,
            "on_state": [v is not None and v > 0 for v in on_ms],
        },
        schema_overrides={"on_ms": pl.Int64},
    )


def test_usage_when_plug_on_two_cards_and_rows_shuffled_then_each_card_as_alone() -> None:
    minutes = [0, 5, 10, 15, 20, 30, 40, 55, 70, 75]
    # counting up, a reboot at 40 (restarts near 0), a stale low reading at 70
    on_ms = [0, 300_000, 600_000, 600_000, 900_000, 1_500_000, 60_000, 960_000, 30_000, 1_260_000]
    a = _plug("P1", 1, minutes, on_ms)
    b = _plug("P1", 2, minutes[2:], on_ms[2:])
    c = _plug("P2", 1, minutes[::2], [None, 0, 120_000, 700_000, 900_000])
    together = usage_by_bucket(pl.concat([a, b, c]).sample(fraction=1.0, shuffle=True, seed=3))
    alone = [usage_by_bucket(pl.concat([a, c])), usage_by_bucket(b)]
    cards = pl.concat([alone[0][0], alone[1][0]]).sort("card_id", "hour")
    sensors = pl.concat([alone[0][1], alone[1][1]]).sort("card_id", "hour", "sensor_id")
    assert cards["in_use_s"].sum() > 0
    assert_frame_equal(together[0], cards)
    assert_frame_equal(together[1], sensors)
    # the plug's second card starts at its own first reading: no interval before it
    first_b = together[0].filter(pl.col("card_id") == 2)["hour"].min()
    assert first_b == T0
    assert together[0].filter(pl.col("card_id") == 2)["coverage"][0] < 1.0


def test_hour_runs_when_hours_have_gaps_then_each_stretch_is_one_run():
    h = datetime(2026, 11, 2, tzinfo=UTC)
    hours = pl.DataFrame(
        {
            "card_id": [2, 1, 1, 1, 1, 2, 1],
            "hour": [h, h, h + timedelta(hours=1), h + timedelta(hours=3), h,
                     h + timedelta(hours=1), h + timedelta(hours=2)],
        }
    )  # fmt: skip
    runs = hour_runs(hours)
    assert runs.rows() == [(1, h, h + timedelta(hours=4)), (2, h, h + timedelta(hours=2))]
    gap = hour_runs(
        hours.filter(~((pl.col("card_id") == 1) & (pl.col("hour") == h + timedelta(hours=2))))
    )
    assert gap.rows() == [
        (1, h, h + timedelta(hours=2)),
        (1, h + timedelta(hours=3), h + timedelta(hours=4)),
        (2, h, h + timedelta(hours=2)),
    ]
