"""Analysis runs cut into slices of cards, taken by workers from a queue (分片分析).

A run (``monitor_runs``) fixes what it covers: readings received after the watermark, the
window's end, whether the day's baselines are due. Its slices (``monitor_slices``) are
ranges of card ids that together cover every id. A worker takes a pending slice with
``FOR UPDATE SKIP LOCKED`` and, in that one transaction, recomputes the slice's baselines
(when due), its touched rollup hours, its verdicts and its suggestions, and marks the slice
done. A worker killed mid-slice therefore loses nothing (the slice is pending again once
its transaction is rolled back) and doubles nothing (none of its writes survive). The
watermark moves only when every slice of the run is done.

A plain queue table rather than procrastinate or pgqueuer: both run a task and record its
completion in transactions of their own (at least once), while a slice's exactly-once
rests on its writes and its completion committing together, which a row lock held by the
slice's own transaction gives directly; they would also bring a schema and worker runtime
of their own beside the project's migrations for what is one ``SELECT … SKIP LOCKED``.
"""

from __future__ import annotations

import os
import socket
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg
import structlog
from psycopg.types.json import Jsonb

from assetpulse.monitor.core.rollup import RollupParams
from assetpulse.monitor.core.rules import RuleSet
from assetpulse.monitor.db.analyse import Rolled, analyse
from assetpulse.monitor.db.held_readings import HELD_ROWS, HeldReadings
from assetpulse.monitor.db.refresh import (
    ALL_CARDS,
    DEFAULT_SITE,
    FIRST_WATERMARK,
    READ_WATERMARK,
    SET_WATERMARK,
    WATERMARK,
    Site,
    refresh_baselines,
    rollup_cards,
    tune_session,
)

log = structlog.get_logger(__name__)

SLICE_CARDS = 1000  # cards per slice: its rollup window and verdicts stay well under 1 GB
# A cycle (no baselines due, something rolled up before) reads a few minutes per card, and
# each slice costs ~0.3 s of its own (its queries, the rollup's and the analysis' plans):
# its slices are cut by the work they hold instead — each card's fresh readings plus
# CARD_WORK for judging it — about CYCLE_SLICE_WORK a slice, at most CYCLE_SLICE_CARDS cards
# (what the analysis holds of a card is its window of hourly rows, the same in any run).
BASELINE_DAYS = 14  # the history a day's baselines and calibrations are learned from
# sensors learning from their raw history per slice: what the held readings' budget
# holds of sensors sampled once a minute over the baselines' days
RAW_SLICE_SENSORS = HELD_ROWS // (BASELINE_DAYS * 24 * 60)
CYCLE_SLICE_WORK = 40_000
CARD_WORK = 2
CYCLE_SLICE_CARDS = 2000
_RUN_LOCK_KEY = 0x6D6F6E32  # "mon2": one coordinator makes runs at a time

BASELINES_DUE = (
    "select coalesce(max(updated_at) < now() - interval '1 day', true) from sensor_baselines"
)
CREATE_RUN = """
insert into monitor_runs (since, started, window_end, window_days, baselines, store)
select watermark, now(), %(end)s, %(days)s, %(baselines)s, %(store)s
from monitor_watermarks where name = %(mark)s
returning id
"""
# every card id falls in one slice: the first starts at the lowest id there is, each next
# one after the previous one's end, the last ends at the highest (cards made meanwhile).
# A new slice after %(size)s bound cards, or (a run that learns baselines) where the light
# meters and thermometers that learn from their raw history pass the next multiple of
# %(raw)s: a slice's rollup then finds all of their readings held (``HeldReadings``)
# instead of fetching most of them again (a first run of 1,000-card slices at 14 days:
# 85 % of its light meters' and thermometers' readings fetched twice, bench/monitor.py
# 2026-12-04).
SLICE_ENDS = """
with w as (
    select b.card_id as id,
           count(distinct s.sensor_id) filter (
               where %(baselines)s and s.kind in ('photo', 'temp')
                 and not exists (  -- no summary in the baselines' days: refresh.KNOWN_DAYS
                     select 1 from sensor_day_stats d
                     where d.sensor_id = s.sensor_id and d.day >= %(d0)s)
           ) as raw
    from sensor_bindings b join sensors s on s.sensor_id = b.sensor_id
    where exists (select 1 from asset_cards c where c.id = b.card_id)
    group by b.card_id
), g as (
    select id, floor((sum(raw) over (order by id) - raw) / %(raw)s) as g,
           (row_number() over (order by id) - 1) / %(size)s as h
    from w
)
select max(id) from g group by g, h order by 1
"""
# a cycle's slices: the bound cards in id order, a new slice where the work before a card
# passes the next multiple of %(work)s or its rank the next multiple of %(cards)s
CYCLE_SLICE_ENDS = """
with fresh as materialized (
    select sensor_id, count(*) as n from readings
    where received_at > %(since)s and (flags & 1) <> 1
    group by 1
), w as (
    select b.card_id as id, %(card_work)s + coalesce(sum(f.n), 0) as w
    from sensor_bindings b left join fresh f on f.sensor_id = b.sensor_id
    group by b.card_id
), g as (
    select id, floor((sum(w) over (order by id) - w) / %(work)s) as g,
           (row_number() over (order by id) - 1) / %(cards)s as h
    from w where exists (select 1 from asset_cards c where c.id = w.id)
)
select max(id) from g group by g, h order by 1
"""
INSERT_SLICES = """
insert into monitor_slices (run_id, slice, card_lo, card_hi)
select %s, n, lo, hi from unnest(%s::int[], %s::bigint[], %s::bigint[]) as x(n, lo, hi)
"""
# a run every five minutes is ~100,000 slices a year: a week of them is history enough
PURGE_RUNS = "delete from monitor_runs where finished_at < now() - interval '7 days'"
RUN = """
select since, started, window_end, window_days, baselines, store, finished_at
from monitor_runs where id = %s
"""
CLAIM = """
select slice, card_lo, card_hi from monitor_slices
where run_id = %s and done_at is null
order by slice limit 1
for update skip locked
"""
DONE = """
update monitor_slices set done_at = now(), worker = %s, result = %s
where run_id = %s and slice = %s
"""
PENDING = "select count(*) from monitor_slices where run_id = %s and done_at is null"
FINISH = "update monitor_runs set finished_at = now() where id = %s and finished_at is null"
RESULTS = "select result from monitor_slices where run_id = %s and done_at is not null"


@dataclass(frozen=True, slots=True)
class Run:
    id: int
    since: datetime
    started: datetime
    window_end: datetime
    window_days: int | None
    baselines: bool
    store: bool
    finished: bool


def create_run(
    conn: psycopg.Connection[Any],
    *,
    window_end: datetime,
    window_days: int | None,
    store: bool,
    slice_cards: int = SLICE_CARDS,
    baselines: bool | None = None,
    cycle_work: int = CYCLE_SLICE_WORK,
    cycle_cards: int = CYCLE_SLICE_CARDS,
    raw_sensors: int = RAW_SLICE_SENSORS,
) -> int:
    """A new run over every card, cut into slices of ``slice_cards`` bound cards, and where
    it learns baselines of at most ``raw_sensors`` sensors learning from raw readings; a
    cycle (no baselines due, not the first run) into slices of about ``cycle_work`` (fresh
    readings and ``CARD_WORK`` a card), at most ``cycle_cards`` cards each."""
    with conn.transaction():
        if baselines is None:
            row = conn.execute(BASELINES_DUE).fetchone()
            baselines = bool(row and row[0])
        args = {
            "end": window_end,
            "days": window_days,
            "baselines": baselines,
            "store": store,
            "mark": WATERMARK,
        }
        run_id = int(conn.execute(CREATE_RUN, args).fetchone()[0])  # type: ignore[index]
        since = conn.execute(READ_WATERMARK, (WATERMARK,)).fetchone()[0]  # type: ignore[index]
        if not baselines and since > FIRST_WATERMARK:
            cut = {"since": since, "card_work": CARD_WORK, "work": cycle_work}
            rows = conn.execute(CYCLE_SLICE_ENDS, {**cut, "cards": cycle_cards}).fetchall()
        else:
            d0 = (window_end - timedelta(days=BASELINE_DAYS)).astimezone(UTC).date()
            cut = {"size": slice_cards, "baselines": baselines, "raw": raw_sensors, "d0": d0}
            rows = conn.execute(SLICE_ENDS, cut).fetchall()
        ends = [int(r[0]) for r in rows]
        his = [*ends[:-1], ALL_CARDS[1]] if ends else [ALL_CARDS[1]]
        los = [ALL_CARDS[0], *(hi + 1 for hi in his[:-1])]
        conn.execute(INSERT_SLICES, (run_id, list(range(len(his))), los, his))
        conn.execute(PURGE_RUNS)
    return run_id


def load_run(conn: psycopg.Connection[Any], run_id: int) -> Run:
    row = conn.execute(RUN, (run_id,)).fetchone()
    if row is None:
        raise LookupError(f"no monitor run {run_id}")
    since, started, end, days, baselines, store, finished_at = row
    since, started, end = (x.astimezone(UTC) for x in (since, started, end))  # not the session's
    return Run(run_id, since, started, end, days, baselines, store, finished_at is not None)


def work(
    conn: psycopg.Connection[Any],
    run_id: int,
    *,
    rules: RuleSet,
    site: Site = DEFAULT_SITE,
    params: RollupParams | None = None,
    baseline_days: int = BASELINE_DAYS,
    max_slices: int | None = None,
) -> int:
    """Take and do pending slices of the run until none is left to take (or ``max_slices``
    are done); returns how many this worker did. ``conn`` must be in autocommit mode (each
    slice is one transaction)."""
    run = load_run(conn, run_id)
    # a backend whose worker died notices within this while waiting or working, and its
    # rollback frees the slice for another worker
    conn.execute("set client_connection_check_interval = '2s'")
    tune_session(conn)  # no JIT, no parallel workers: what a slice's batches cost at size
    worker = f"{socket.gethostname()}:{os.getpid()}"
    done = 0
    while max_slices is None or done < max_slices:
        with conn.transaction():
            claimed = conn.execute(CLAIM, (run_id,)).fetchone()
            if claimed is None:
                return done
            n, lo, hi = int(claimed[0]), int(claimed[1]), int(claimed[2])
            t = time.perf_counter()
            baselines = 0
            held = HeldReadings()  # a first learn's readings, rolled up next
            if run.baselines:
                baselines = refresh_baselines(
                    conn,
                    until=run.window_end,
                    days=baseline_days,
                    site=site,
                    cards=(lo, hi),
                    keep=held,
                )
            r = rollup_cards(
                conn,
                since=run.since,
                until=run.started,
                cards=(lo, hi),
                params=params,
                site=site,
                held=held,
            )
            del held
            a = analyse(
                conn,
                rules=rules,
                window_end=run.window_end,
                days=run.window_days,
                store=run.store,
                cards=(lo, hi),
                # the slice's own writes laid over the committed rollup: only this
                # transaction writes the slice's cards (its row lock)
                rolled=Rolled(r.replaced, r.rows) if r.replaced is not None else None,
            )
            result = {
                "baselines": baselines,
                "card_hours": r.card_hours,
                "rows": r.rows_written,
                "readings": r.readings_read,
                "cards": a.cards,
                "verdicts": a.verdicts,
                "suggestions": a.suggestions,
                "windows": {str(k): v for k, v in a.windows.items()},
                "seconds": round(time.perf_counter() - t, 3),
            }
            conn.execute(DONE, (worker, Jsonb(result), run_id, n))
        done += 1
        log.info("slice done", run=run_id, slice=n, **result)
    return done


def pending_slices(conn: psycopg.Connection[Any], run_id: int) -> int:
    """Slices of the run not done yet (taken by a worker or not)."""
    return int(conn.execute(PENDING, (run_id,)).fetchone()[0])  # type: ignore[index]


def wait_and_finish(
    conn: psycopg.Connection[Any],
    run_id: int,
    *,
    rules: RuleSet,
    lag: timedelta,
    site: Site = DEFAULT_SITE,
    timeout_s: float = 3600.0,
) -> dict[str, Any]:
    """Do what is left of the run here (slices of workers that died), wait for the slices
    other workers hold, then move the watermark; returns the run's summed results."""
    deadline = time.monotonic() + timeout_s
    while True:
        work(conn, run_id, rules=rules, site=site)
        pending = pending_slices(conn, run_id)
        if pending == 0:
            break
        if time.monotonic() > deadline:
            raise TimeoutError(f"monitor run {run_id}: {pending} slices still held")
        time.sleep(0.5)  # held by a live worker, or by a dead one's backend until it notices
    run = load_run(conn, run_id)
    with conn.transaction():
        conn.execute(SET_WATERMARK, (run.started - lag, WATERMARK))
        conn.execute(FINISH, (run_id,))
    return summed(conn, run_id)


def summed(conn: psycopg.Connection[Any], run_id: int) -> dict[str, Any]:
    total: dict[str, Any] = {"slices": 0, "verdicts": {}, "suggestions": {}, "windows": {}}
    for (result,) in conn.execute(RESULTS, (run_id,)).fetchall():
        total["slices"] += 1
        for k, v in result.items():
            if isinstance(v, dict):
                for kk, vv in v.items():
                    total[k][kk] = total[k].get(kk, 0) + vv
            else:
                total[k] = total.get(k, 0) + v
    return total


def try_lock_runs(conn: psycopg.Connection[Any]) -> bool:
    """One coordinator at a time (a second one exits at once instead of queueing)."""
    row = conn.execute("select pg_try_advisory_lock(%s)", (_RUN_LOCK_KEY,)).fetchone()
    return bool(row and row[0])


def watermark(conn: psycopg.Connection[Any]) -> datetime:
    return conn.execute(READ_WATERMARK, (WATERMARK,)).fetchone()[0]  # type: ignore[index,no-any-return]
