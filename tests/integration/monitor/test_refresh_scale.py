"""Refresh at fleet scale: the hot queries' plans at a realistic size, a 5-minute cycle
reading only the hours it touches, bindings of the last minutes not new again."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg
import pytest
from psycopg import sql

from assetpulse.monitor.db import refresh as r

# a month partition holds weeks of readings, and a cycle asks for its last minutes
SENSORS = 20
DAYS = 20  # at one sample a minute: 576,000 readings, 10 minutes of them new
SMALL = 8


def make_fleet(
    db: psycopg.Connection[Any],
    units: dict[str, int],
    sensors: int,
    days: int,
    *,
    vacuumed: bool = True,
) -> datetime:
    """``sensors`` thermometers on as many cards, ``days`` of one-a-minute readings received a
    second after their sample, made in the server; returns the end of the history. All in
    the previous month's partition, as the history of a running system mostly is; then
    vacuumed and analysed as autovacuum leaves it after a bulk of inserts, or (not
    ``vacuumed``) only analysed, as it stands in between."""
    this_month = datetime.now(UTC).replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    end = (this_month - timedelta(days=5)).replace(day=days + 2)
    with db.transaction():
        db.execute(
            "insert into sensors (sensor_id, kind) select 'TS-' || g, 'temp'"
            " from generate_series(1, %s) g",
            (sensors,),
        )
        db.execute(
            "with c as (insert into asset_cards (asset_code, name, category_code, unit_id, status)"
            " select 'SC-' || g, 'TS-' || g, 'A020101', %s, 'in_use'"
            " from generate_series(1, %s) g returning id, name)"
            " insert into sensor_bindings (sensor_id, card_id, valid, created_at, updated_at)"
            " select name, id, tstzrange('2020-01-01', null), %s, %s from c",
            (units["U460001"], sensors, end - timedelta(days=30), end - timedelta(days=30)),
        )
        db.execute(
            "insert into readings (sensor_id, t, kind, gateway_id, temp_c, received_at)"
            " select 'TS-' || s, m, 2, 'GW-1', 20 + s %% 5, m + interval '1 second'"
            " from generate_series(%s::timestamptz, %s, interval '1 minute') m,"
            " generate_series(1, %s) s",
            (end - timedelta(days=days), end, sensors),
        )
    db.execute("vacuum analyze" if vacuumed else "analyze")
    return end


@pytest.fixture
def fleet(db: psycopg.Connection[Any], demo_units: dict[str, int]) -> datetime:
    return make_fleet(db, demo_units, SENSORS, DAYS)


@pytest.fixture
def small_fleet(db: psycopg.Connection[Any], demo_units: dict[str, int]) -> datetime:
    return make_fleet(db, demo_units, SMALL, 2)


def _plan(db: psycopg.Connection[Any], query: str, args: Any) -> dict[str, Any]:
    row = db.execute("explain (analyze, buffers, format json) " + query, args).fetchone()
    assert row is not None
    return row[0][0]["Plan"]  # type: ignore[no-any-return]


def _nodes(plan: dict[str, Any]) -> list[dict[str, Any]]:
    out = [plan]
    for child in plan.get("Plans", []):
        out += _nodes(child)
    return out


def _literal(db: psycopg.Connection[Any], query: str, args: dict[str, Any]) -> str:
    return r.bind_literals(db, query, args)


def _readings_scans(plan: dict[str, Any], held: set[str]) -> list[dict[str, Any]]:
    """Scans of the partitions that hold readings (an empty one is read whole, rightly)."""
    return [n for n in _nodes(plan) if n.get("Relation Name") in held]


def _held(db: psycopg.Connection[Any]) -> set[str]:
    rows = db.execute("select distinct tableoid::regclass::text from readings").fetchall()
    return {row[0] for row in rows}


def test_hot_queries_when_fleet_realistic_then_indexes_used_and_estimates_close(db, fleet):
    since = fleet - timedelta(minutes=10)
    args = {"since": since, "lo": r.ALL_CARDS[0], "hi": r.ALL_CARDS[1], "skip": 15}
    # what arrived: the index on received_at, estimated near the 10 minutes' readings
    # (``flags & 1 = 0`` was taken for 0.5 % of them), read once; the appended sensors'
    # reach and late readings: probes of the primary key
    held = _held(db)
    scans = _readings_scans(_plan(db, r.FRESH_READINGS, args), held)
    fresh = [n for n in scans if "received_at >" in str(_index_of(n))]
    assert fresh
    assert all(n["Node Type"] == "Bitmap Heap Scan" for n in fresh), fresh
    probes = [_index_of(n) for n in scans if n not in fresh]
    assert all(i is not None and i[0].endswith("pkey") for i in probes), probes
    assert sum(n["Actual Rows"] * n["Actual Loops"] for n in fresh) >= SENSORS * 10
    per_process = sum(n["Actual Rows"] for n in fresh)  # parallel nodes count per process
    estimated = sum(n["Plan Rows"] for n in fresh)
    assert per_process / 10 <= estimated <= per_process * 10
    # the readings a dirty hour depends on, and a batch of sensors' baselines: through
    # the primary key, never a scan of the partition
    cards = [row[0] for row in db.execute("select id from asset_cards order by id").fetchall()]
    windows = {
        "cards": cards[:5],
        "sensors": [f"TS-{i}" for i in range(1, 6)],
        "t0": [fleet - timedelta(hours=27)] * 5,
        "t1": [fleet] * 5,
    }
    thermometers = r.KIND_CODES["temp"]
    span = r.span_args(
        thermometers, [f"TS-{i}" for i in range(1, 6)], fleet - timedelta(hours=27), fleet
    )
    baselines = r.span_args(thermometers, ["TS-1", "TS-2"], fleet - timedelta(days=14), fleet)
    for query, a in ((r.FETCH_WINDOWS, windows), (r.FETCH_SPAN, span), (r.FETCH_SPAN, baselines)):
        scans = _readings_scans(_plan(db, _literal(db, query, a), None), held)
        assert scans
        used = [_index_of(n) for n in scans]
        assert all(i is not None and i[0].endswith("pkey") for i in used), used
        assert all(i is not None and "t >= " in i[1] for i in used), used  # time-bounded


def test_fresh_readings_when_they_arrive_faster_than_autovacuum_then_only_their_pages_read(
    db, demo_units
):
    """Ingest fills a month partition's pages faster than autovacuum comes by: a big
    partition is vacuumed after a fifth more rows (``autovacuum_vacuum_insert_scale_factor``),
    days at fleet size, and a BRIN range's summary requested meanwhile is dropped once 256
    wait (server log: "request for BRIN range summarization ... was not recorded"). Ranges
    without a summary are read whole by every cycle: at 20,000 sensors x 14 days a cycle's
    slices read the whole November partition, 2.4 M pages each (bench/monitor.py,
    2026-12-04: 467 s)."""
    for (part,) in db.execute(
        "select inhrelid::regclass::text from pg_inherits where inhparent = 'readings'::regclass"
    ).fetchall():  # autovacuum's next visit is days away: the test stands for the time before
        db.execute(
            sql.SQL("alter table {} set (autovacuum_enabled = off)").format(sql.Identifier(part))
        )
    end = make_fleet(db, demo_units, SENSORS, DAYS, vacuumed=False)
    since = end - timedelta(minutes=10)
    args = {"since": since, "lo": r.ALL_CARDS[0], "hi": r.ALL_CARDS[1], "skip": 15}
    scans = _readings_scans(_plan(db, r.FRESH_READINGS, args), _held(db))
    fresh = [n for n in scans if "received_at >" in str(_index_of(n))]
    assert fresh
    # the samples from ``since`` to the end, each received a second after it
    assert sum(n["Actual Rows"] for n in fresh) == SENSORS * 11
    # 220 readings lie on a few pages; the partition has ~5,000
    pages = sum(n["Shared Hit Blocks"] + n["Shared Read Blocks"] for n in fresh)
    assert pages <= 100, pages


def _index_of(scan: dict[str, Any]) -> tuple[str, str] | None:
    """The index a scan reads and its condition (a bitmap heap scan's: those of its bitmap
    index scan)."""
    if "Index Name" in scan:
        return str(scan["Index Name"]), str(scan.get("Index Cond"))
    below = [_index_of(n) for n in scan.get("Plans", [])]
    return below[0] if len(below) == 1 else None


def test_refresh_when_five_minutes_arrive_then_only_their_hours_read(db, small_fleet):
    fleet = small_fleet
    first = r.refresh_rollups(db, lag=timedelta(0))
    assert first.readings_read == SMALL * (2 * 1440 + 1)
    db.execute(
        "insert into readings (sensor_id, t, kind, gateway_id, temp_c)"
        " select 'TS-' || s, %s + m * interval '1 minute', 2, 'GW-1', 21"
        " from generate_series(1, 5) m, generate_series(1, %s) s",
        (fleet, SMALL),
    )
    cycle = r.refresh_rollups(db, lag=timedelta(0))
    # a thermometer's hour depends on the readings a few hours around it: not on its
    # whole UTC day and three hours either side, as the day batches fetched
    assert 0 < cycle.readings_read <= SMALL * 8 * 60
    assert cycle.card_hours <= SMALL * 5


def test_refresh_when_binding_made_minutes_ago_then_next_cycle_does_not_redo_its_history(
    db, monitor_world
):
    t0 = datetime.now(UTC).replace(second=0, microsecond=0) - timedelta(days=1)
    card = monitor_world.card("台式机", "A020101")
    monitor_world.bind("TS-NEW", "temp", card, t0)
    db.execute(
        "insert into readings (sensor_id, t, kind, gateway_id, temp_c, received_at)"
        " select 'TS-NEW', m, 2, 'GW-1', 22, m from generate_series(%s::timestamptz,"
        " %s, interval '1 minute') m",
        (t0, t0 + timedelta(hours=20)),
    )
    assert r.refresh_rollups(db, lag=timedelta(minutes=5)).card_hours >= 20
    # the watermark lags the job by 5 minutes, the binding is younger than that: it is
    # still not new to the next cycle, which has nothing to do
    assert r.refresh_rollups(db, lag=timedelta(minutes=5)).card_hours == 0


# What the planner sees of a readings fetch at fleet size: bench/monitor.py at 5,000 sensors
# x 1 day, a rollup batch of 333 light meters (FETCH_SPAN, 477,000 readings) costs 186,000
# and at 5,000 x 3 days a batch of 126 costs 454,000 and a first learn's 25 sensors 306,000:
# past jit_above_cost (100,000; inlining and optimisation from 500,000) and the parallel
# thresholds, so the server compiled each fetch and started two workers for it. This test's
# fleet is far smaller: the same thresholds lowered to nothing make its planner see what a
# large fleet's does.
AT_FLEET_SIZE = {
    "jit_above_cost": "0",
    "jit_inline_above_cost": "0",
    "jit_optimize_above_cost": "0",
    "parallel_setup_cost": "0",
    "parallel_tuple_cost": "0",
    "min_parallel_table_scan_size": "0",
    "min_parallel_index_scan_size": "0",
}


def _explain(db: psycopg.Connection[Any], query: str) -> dict[str, Any]:
    row = db.execute("explain (format json) " + query).fetchone()
    assert row is not None
    return row[0][0]  # type: ignore[no-any-return]


def test_fetch_when_costs_of_a_large_fleet_then_planned_without_jit_or_parallel_workers(db, fleet):
    for name, value in AT_FLEET_SIZE.items():
        db.execute("select set_config(%s, %s, false)", (name, value))
    span = r.span_args(
        r.KIND_CODES["temp"],
        [f"TS-{i}" for i in range(1, SENSORS + 1)],
        fleet - timedelta(days=DAYS),
        fleet,
    )
    query = _literal(db, r.FETCH_SPAN, span)
    untuned = _explain(db, query)
    assert "JIT" in untuned or any(n["Node Type"] == "Gather" for n in _nodes(untuned["Plan"]))
    # the monitor's sessions: a fetch streams to a client that is the bottleneck, on cores
    # the other analysers share (compiling and two workers took 0.59 of 0.31 CPU-s a batch)
    r.tune_session(db)
    plan = _explain(db, query)
    assert "JIT" not in plan
    assert not [n for n in _nodes(plan["Plan"]) if "Gather" in n["Node Type"]]
    assert not [n for n in _nodes(plan["Plan"]) if n.get("Parallel Aware")]
    # and the fetches' own connection (ADBC) is opened so, whatever the database's defaults
    settings = r.fetch_frame(
        db,
        "select current_setting('jit') as jit,"
        " current_setting('max_parallel_workers_per_gather') as workers",
        {},
    )
    assert settings.row(0) == ("off", "0")


def test_work_when_a_worker_takes_slices_then_its_session_plans_without_jit_or_workers(
    db, small_fleet
):
    from assetpulse.monitor.core.rules import load_rules
    from assetpulse.monitor.db.slices import create_run, work

    run = create_run(db, window_end=small_fleet, window_days=2, store=False, baselines=True)
    assert work(db, run, rules=load_rules(None)) >= 1
    shown = db.execute(
        "select current_setting('jit'), current_setting('max_parallel_workers_per_gather')"
    ).fetchone()
    assert shown == ("off", "0")


def test_batch_fetch_when_index_probes_look_cheap_then_bitmap_reads_each_page_once(db, fleet):
    # readings lie in arrival order, each minute of every sensor beside the others': a scan
    # of the primary key in its order visits a heap page per reading, a bitmap scan visits
    # each page once for all of the batch's sensors on it. The planner takes the readings
    # as scattered at random and, once a batch's rows look few beside the partition's (5,000
    # sensors x 3 days: 25 sensors' first learn, 86,000 readings) or pages look cheap
    # (random_page_cost 1.1, as on SSDs), it chose probes: 86,852 buffers for 107,000
    # readings where the bitmap needs ~4,300, 0.18 -> 0.07-0.08 CPU-s a batch. This test's
    # small fleet takes 1.0: at 1.1 its plan went either way with analyze's sample.
    db.execute("set random_page_cost = 1.0")
    held = _held(db)
    since = fleet - timedelta(days=14)
    thermometers = r.KIND_CODES["temp"]
    batches = (
        r.span_args(thermometers, ["TS-1", "TS-2"], since, fleet),  # a first learn's
        r.span_args(thermometers, [f"TS-{i}" for i in range(1, 6)], since, fleet),
    )
    for a in batches:
        text = _literal(db, r.FETCH_SPAN, a)
        assert any(
            n["Node Type"] == "Index Scan" for n in _readings_scans(_plan(db, text, None), held)
        )
        with r.session_settings(db, r.SCAN_ONCE):
            scans = _readings_scans(_plan(db, text, None), held)
        assert scans
        assert all(n["Node Type"] == "Bitmap Heap Scan" for n in scans), scans
        assert all(_index_of(n)[0].endswith("pkey") for n in scans)  # type: ignore[index]
    assert db.execute("select current_setting('enable_indexscan')").fetchone() == ("on",)
    # the fetches' own connection takes them for the one statement, and only for it
    assert r.fetch_frame(db, r.FETCH_SPAN, batches[0], settings=r.SCAN_ONCE).height == 2 * 14 * 1440
    shown = r.fetch_frame(db, "select current_setting('enable_indexscan') as s", {})
    assert shown["s"].to_list() == ["on"]
