"""A cycle's slices are cut by the work they hold (issue 12): a 5-minute cycle over a fleet
pays one slice's fixed cost for what is a few minutes of readings, not one per thousand
cards; where the fresh readings are many, the slices are cut where they lie."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

import polars as pl
import psycopg

from assetpulse.monitor.db.slices import create_run

T0 = datetime(2026, 10, 20, tzinfo=UTC)
CARDS = 12


def _fleet(monitor_world) -> list[int]:
    cards = []
    for i in range(CARDS):
        card = monitor_world.card(f"温度计{i}", "A020101")
        monitor_world.bind(f"CS-T{i:02d}", "temp", card, T0 - timedelta(days=1))
        cards.append(card)
    return cards


def _write(monitor_world, sensors: list[int], minutes: int, received: datetime) -> None:
    rows = [
        {"sensor_id": f"CS-T{i:02d}", "t": T0 + timedelta(minutes=m), "kind": 2, "temp_c": 24.0}
        for i in sensors
        for m in range(minutes)
    ]
    monitor_world.write(pl.DataFrame(rows), received_at=received)


def _slices(db: psycopg.Connection, run: int) -> list[tuple[int, int]]:
    return db.execute(
        "select card_lo, card_hi from monitor_slices where run_id = %s order by slice", (run,)
    ).fetchall()


def _set_watermark(db: psycopg.Connection, mark: datetime) -> None:
    db.execute("update monitor_watermarks set watermark = %s where name = 'usage_hourly'", (mark,))


def test_cycle_slices_when_few_readings_arrived_then_one_slice_for_many_cards(db, monitor_world):
    cards = _fleet(monitor_world)
    _write(monitor_world, list(range(CARDS)), 5, T0 + timedelta(minutes=6))
    _set_watermark(db, T0)
    end = T0 + timedelta(hours=1)
    # a day's first run (baselines due) is cut by cards; a cycle's 60 readings are one slice
    first = create_run(
        db, window_end=end, window_days=3, store=False, slice_cards=2, baselines=True
    )
    assert len(_slices(db, first)) == CARDS // 2
    cycle = create_run(
        db, window_end=end, window_days=3, store=False, slice_cards=2, baselines=False
    )
    (only,) = _slices(db, cycle)
    assert only[0] <= min(cards)
    assert only[1] >= max(cards)


def test_cycle_slices_when_readings_crowd_some_cards_then_cut_there_and_cover_every_card(
    db, monitor_world
):
    cards = _fleet(monitor_world)
    # 60 minutes of four cards (240 readings), 5 of the others: 40 + 2 units per card
    _write(monitor_world, [0, 1, 2, 3], 60, T0 + timedelta(minutes=61))
    _write(monitor_world, list(range(4, CARDS)), 5, T0 + timedelta(minutes=61))
    _set_watermark(db, T0)
    run = create_run(
        db,
        window_end=T0 + timedelta(hours=2),
        window_days=3,
        store=False,
        baselines=False,
        cycle_work=124,
        cycle_cards=100,
    )
    got = _slices(db, run)
    # the four busy cards two by two (62 units each), the eight others together (56)
    ids = sorted(cards)
    assert [hi for _, hi in got[:-1]] == [ids[1], ids[3]]
    assert got[0][0] == -(2**63)
    assert got[-1][1] == 2**63 - 1
    assert all(b[0] == a[1] + 1 for a, b in itertools.pairwise(got))
    # at most cycle_cards cards a slice, whatever their work
    capped = create_run(
        db,
        window_end=T0 + timedelta(hours=2),
        window_days=3,
        store=False,
        baselines=False,
        cycle_cards=5,
    )
    assert len(_slices(db, capped)) == 3


def test_first_run_slices_when_meters_learn_from_raw_history_then_cut_to_what_is_held(
    db, monitor_world
):
    # a run that learns baselines holds what its raw learners read for its rollup, up to a
    # budget: its slices are cut where those learners pass it (here 5 a slice), and
    # sensors already summarised day by day (a day's first run after the first) weigh
    # nothing
    cards = sorted(_fleet(monitor_world))

    def cut() -> list[tuple[int, int]]:
        run = create_run(
            db, window_end=T0, window_days=3, store=False, baselines=True, raw_sensors=5
        )
        return _slices(db, run)

    assert [hi for _, hi in cut()[:-1]] == [cards[4], cards[9]]
    db.execute(
        "insert into sensor_day_stats (sensor_id, day, complete, stats, codes, counts)"
        " select 'CS-T' || lpad(i::text, 2, '0'), %s, true, '{}', '{}', '{}'"
        " from generate_series(0, 5) i",
        (T0.date(),),
    )
    # a summary older than the baselines' days does not spare the raw learn: it weighs
    db.execute(
        "insert into sensor_day_stats (sensor_id, day, complete, stats, codes, counts)"
        " select 'CS-T' || lpad(i::text, 2, '0'), %s, true, '{}', '{}', '{}'"
        " from generate_series(6, 11) i",
        ((T0 - timedelta(days=30)).date(),),
    )
    got = cut()
    # cards 0-5 weigh nothing, 6-10 fill a slice, 11 starts the next
    assert [hi for _, hi in got[:-1]] == [cards[10]]
    assert got[0][0] == -(2**63)
    assert got[-1][1] == 2**63 - 1
    assert all(b[0] == a[1] + 1 for a, b in itertools.pairwise(got))
    # a run without baselines due is cut by cards only
    run = create_run(db, window_end=T0, window_days=3, store=False, baselines=False)
    assert len(_slices(db, run)) == 1
