"""Analysis in slices taken from a queue: a worker killed mid-slice loses nothing and
doubles nothing; `assetpulse analyse --workers 2` gives what one worker gives."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta

import polars as pl
import psycopg
from click.testing import CliRunner

from assetpulse.monitor.cli import analyse
from assetpulse.monitor.core.rules import load_rules
from assetpulse.monitor.db.slices import create_run, wait_and_finish

T0 = datetime(2026, 10, 20, tzinfo=UTC)
CARDS = 3
ON_MINUTES = 60


def _world(monitor_world) -> list[int]:
    cards = []
    for i in range(CARDS):
        card = monitor_world.card(f"打印机{i}", "A020102")
        monitor_world.bind(f"PH-S{i}", "photo", card, T0 - timedelta(days=1))
        ts = [T0 + timedelta(minutes=m) for m in range(3 * 60)]
        monitor_world.write(
            pl.DataFrame(
                {
                    "sensor_id": f"PH-S{i}",
                    "t": ts,
                    "kind": 1,
                    "on_state": [30 <= m < 30 + ON_MINUTES for m in range(len(ts))],
                }
            )
        )
        cards.append(card)
    return cards


def _rollup(db: psycopg.Connection) -> list[tuple[object, ...]]:
    return db.execute(
        "select card_id, hour, in_use_s, samples from usage_hourly order by card_id, hour"
    ).fetchall()


def _waiting_on_usage_hourly(db: psycopg.Connection) -> bool:
    row = db.execute(
        "select count(*) from pg_stat_activity where wait_event_type = 'Lock'"
        " and query ilike '%usage_hourly%' and datname = current_database()"
    ).fetchone()
    return bool(row and row[0])


def test_slices_when_worker_killed_mid_slice_then_nothing_lost_or_doubled(
    db, db_url, monitor_world
):
    _world(monitor_world)
    run = create_run(
        db, window_end=T0 + timedelta(days=1), window_days=10, store=True, slice_cards=1
    )
    # hold the rollup table: the worker takes its first slice, computes its baselines and
    # rollups, and stops at writing them, inside the slice's transaction
    blocker = psycopg.connect(db_url)
    blocker.execute("lock table usage_hourly in exclusive mode")
    env = {**os.environ, "ASSETPULSE_DATABASE_URL": db_url}
    command = [sys.executable, "-c", "from assetpulse.cli import main; main()", "analyse"]
    worker = subprocess.Popen(
        [*command, "--join-run", str(run)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while not _waiting_on_usage_hourly(db):
            assert worker.poll() is None
            assert time.monotonic() < deadline
            time.sleep(0.1)
        worker.kill()
        worker.wait()
    finally:
        blocker.rollback()
        blocker.close()
    total = wait_and_finish(db, run, rules=load_rules(), lag=timedelta(0))
    slices = db.execute(
        "select count(*), count(distinct worker), bool_and(done_at is not null)"
        " from monitor_slices where run_id = %s",
        (run,),
    ).fetchone()
    assert slices == (CARDS, 1, True)  # each slice done once, all by the live worker
    assert f":{worker.pid}" not in str(
        db.execute("select array_agg(worker) from monitor_slices").fetchone()
    )
    rollup = _rollup(db)
    assert sum(r[2] for r in rollup) == CARDS * ON_MINUTES * 60  # nothing lost, none twice
    assert total["card_hours"] >= CARDS * 3
    marks = db.execute("select count(*) from monitor_bindings_seen").fetchone()
    assert marks == (CARDS,)


def test_analyse_when_two_workers_then_same_rollup_and_verdicts_as_one(db_url, monitor_world):
    _world(monitor_world)
    args = ["--window-days", "3", "--end", (T0 + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%S")]
    env = {"ASSETPULSE_DATABASE_URL": db_url}
    two = CliRunner().invoke(analyse, [*args, "--workers", "2", "--slice-cards", "1"], env=env)
    assert two.exit_code == 0, two.output
    assert f"in {CARDS} slices, 2 workers" in two.output
    assert f"analysed {CARDS} assets" in two.output
    with psycopg.connect(db_url) as db:
        by_two = _rollup(db)
        db.execute("truncate usage_hourly, monitor_bindings_seen")
        db.execute("update monitor_watermarks set watermark = '1970-01-01T00:00:00Z'")
    one = CliRunner().invoke(analyse, args, env=env)
    assert one.exit_code == 0, one.output
    with psycopg.connect(db_url) as db:
        assert _rollup(db) == by_two
    verdicts = [line for line in two.output.splitlines() if line.startswith("analysed")]
    assert verdicts
    assert verdicts[0] in one.output.splitlines()  # the same verdicts


def test_analyse_when_a_cycle_has_little_left_after_its_first_slice_then_no_helper_starts(
    db_url, monitor_world
):
    _world(monitor_world)
    end = (T0 + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%S")
    args = ["--window-days", "3", "--end", end, "--slice-cards", "1", "--workers", "2"]
    env = {"ASSETPULSE_DATABASE_URL": db_url}
    first = CliRunner().invoke(analyse, args, env=env)  # learns baselines: helpers start
    assert first.exit_code == 0, first.output
    assert f"in {CARDS} slices, 2 workers" in first.output
    assert "started" not in first.output
    # the next cycle: nothing new arrived, its one slice (a cycle's are cut by work, not
    # by --slice-cards) takes milliseconds (a helper would spend a CPU-second starting),
    # and it still judges every asset
    cycle = CliRunner().invoke(analyse, args, env=env)
    assert cycle.exit_code == 0, cycle.output
    assert "in 1 slices, 2 workers, 1 started (too little to share)" in cycle.output
    assert f"analysed {CARDS} assets" in cycle.output


def test_first_run_when_a_slice_rolls_up_what_it_learned_from_then_same_rollup_as_fetched_again(
    db, monitor_world
):
    # a slice's first learn holds the light meters' and thermometers' readings for its
    # rollup: the rollup must be what fetching them again gives, the history before the
    # learn's 14 days and a stray reading of another kind included
    from assetpulse.monitor.db.refresh import refresh_baselines, refresh_rollups
    from assetpulse.monitor.db.slices import work

    end = datetime.now(UTC).replace(second=0, microsecond=0)
    start = end - timedelta(days=16)
    minutes = int((end - start).total_seconds() // 60)
    ts = [start + timedelta(minutes=m) for m in range(minutes)]
    local_h = [((t.hour + 8) % 24) + t.minute / 60 for t in ts]
    room = monitor_world.card("会议室H", "A0101")
    desk = monitor_world.card("台式机H", "A020101")
    monitor_world.bind("PH-H", "photo", room, start - timedelta(days=1))
    monitor_world.bind("TS-H", "temp", desk, start - timedelta(days=1))
    lit = [9 <= h < 11.5 and t.weekday() < 5 for t, h in zip(ts, local_h, strict=True)]
    daylight = [max(0.0, 300 * (1 - abs(h - 13) / 6)) for h in local_h]
    monitor_world.write(
        pl.concat(
            [
                pl.DataFrame(
                    {
                        "sensor_id": "PH-H",
                        "t": ts,
                        "kind": 1,
                        "lux": [
                            d + 350 * on + (m % 7)
                            for m, (d, on) in enumerate(zip(daylight, lit, strict=True))
                        ],
                    }
                ),
                pl.DataFrame(
                    {
                        "sensor_id": "TS-H",
                        "t": ts,
                        "kind": 2,
                        "temp_c": [22 + 3 * on + 0.01 * (m % 11) for m, on in enumerate(lit)],
                    }
                ),
                pl.DataFrame(
                    {
                        "sensor_id": ["PH-H"],
                        "t": [ts[-30] + timedelta(seconds=20)],
                        "kind": [2],
                        "temp_c": [23.5],
                    }
                ),
            ],
            how="diagonal_relaxed",
        ),
        fresh=True,
    )
    run = create_run(db, window_end=end, window_days=14, store=False, baselines=True)
    assert work(db, run, rules=load_rules(None)) == 1
    sliced = _rollup(db)
    assert len(sliced) >= 16 * 24
    db.execute(
        "truncate usage_hourly, sensor_baselines, sensor_light_calibration, sensor_day_stats,"
        " sensor_day_steps, sensor_light_state, monitor_bindings_seen"
    )
    db.execute("update monitor_watermarks set watermark = '1970-01-01T00:00:00Z'")
    refresh_baselines(db, until=end, days=14)
    refresh_rollups(db, lag=timedelta(0))
    assert _rollup(db) == sliced
