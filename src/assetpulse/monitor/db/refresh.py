"""Rollup refresh job (小时汇总刷新) on plain PostgreSQL: changed hours only, whole hours.

Finds the card-hours touched by readings received since the watermark (the index on
``readings.received_at``, aggregated per sensor-hour before the bindings are joined),
fetches the readings those hours depend on — per card, the runs of its dirty hours with
the reach they need, through the primary key ``(sensor_id, t)`` — recomputes them with the
pure ``rollup.hourly_usage`` in batches of bounded size and replaces them with one COPY
per batch. The watermark then moves to the job's start minus ``lag`` so that a reading
committed by a transaction that began before the job started is still seen next time;
recomputing an hour twice is harmless because a whole hour is always rebuilt from all of
its readings.

A card whose fresh readings were all appended (each of its sensors had nothing after
them: the 5-minute cycle's usual case) is rebuilt from the hour where their influence
begins (``APPEND_CONTEXT`` readings before the first of them), from windows that start
that many readings before that hour and light meters resumed from their walk stored
there: ~the new minutes, the rest of their hour and a few readings, instead of three hours
around every dirty hour. Late readings, changed bindings and calibrations take the
general path above.

Every step can be limited to a slice of cards (``cards=(lo, hi)``, ids inclusive): the
workers of ``db.slices`` run one slice each in one transaction, with memory bounded by the
batch, not the fleet. Bindings and calibrations already rolled up are remembered
(``monitor_bindings_seen``, ``sensor_light_calibration.rolled_up_at``) so that the
watermark's lag does not make them count as new on the next cycle too.
"""

from __future__ import annotations

import contextlib
import io
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any, TypeVar

import adbc_driver_postgresql.dbapi as adbc
import polars as pl
import psycopg
import structlog
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from assetpulse.monitor.core import day_stats
from assetpulse.monitor.core.baselines import sensor_baselines
from assetpulse.monitor.core.detectors.light import (
    CALIBRATION_SCHEMA,
    LIGHT_STATE_SCHEMA,
    LightParams,
    calibrate,
    calibrate_parts,
    lamp_checkpoints,
    prepare,
)
from assetpulse.monitor.core.detectors.sun import SITE_SCHEMA
from assetpulse.monitor.core.engine import ENGINE
from assetpulse.monitor.core.rollup import (
    BASELINE_SCHEMA,
    LOC,
    PHOTO,
    READING_SCHEMA,
    ROLLUP_COLUMNS,
    TEMP,
    LightInputs,
    RollupParams,
    dirty_hours,
    hour_runs,
    hourly_usage,
)
from assetpulse.monitor.db.held_readings import HeldReadings

log = structlog.get_logger(__name__)

WATERMARK = "usage_hourly"
_LOCK_KEY = 0x6D6F6E31  # "mon1": one whole-fleet refresher at a time (slices need none)
# Readings around a dirty hour that can change it: ahead, 2 h + hold; behind, for a card
# with a light meter back to the previous night, where a lamp's state is known from the
# level alone; for thermometers and positions 2 h + hold (an interval closes within an
# hour, a stay point looks a few fixes either side).
# A light meter whose lamp walk is stored at the hour where its window starts
# (``sensor_light_state``) goes on from there: it needs no more than the others.
REACH = timedelta(hours=3)
REACH_BACK = timedelta(hours=24)
REACH_BACK_OTHER = timedelta(hours=3)
# light states are written for the dirty hours of the last this long (a cycle resumes from
# the hour REACH_BACK_OTHER before its first dirty hour; older late readings walk from the
# night before, REACH_BACK) and kept two days
LIGHT_STATE_HOURS = timedelta(hours=30)
LIGHT_STATE_KEEP = timedelta(days=2)
# appended readings (FRESH_READINGS): how many readings, and at least how long, before the
# first fresh one their influence can reach (an interval's predecessor; a light meter's
# two step spans, 150 s or 2.2 periods each; a stay point's 2 x 3 + 1 fixes and the wild
# fixes' neighbours); the same number of readings before a card's first dirty hour make
# the context its window starts with
APPEND_CONTEXT = 16
APPEND_REACH = timedelta(minutes=10)
AHEAD_LIGHT_H = 24  # a lamp switched on carries forward until the next dark hours
AHEAD_OTHER_H = 2
Cards = tuple[int, int]  # card ids lo..hi, inclusive
ALL_CARDS: Cards = (-(2**63), 2**63 - 1)
# The watermark a fresh installation starts from (2001_monitor): everything is new then.
FIRST_WATERMARK = datetime(1970, 1, 1, tzinfo=UTC)
# one fetch batch holds about this many sensor-hours (600,000 readings at one a minute):
# the rollup's frames take ~1 KB a reading at their peak, so a worker stays under 1 GB
BATCH_SENSOR_HOURS = 10_000
BASELINE_SENSORS_PER_BATCH = 100  # 14 days at one a minute: ~2 M readings per batch
RAW_SENSORS_PER_BATCH = 25  # a first learn (raw readings) within a batch

# The monitor's sessions plan without JIT and without parallel workers. Each of its fetches
# streams a batch of readings (FETCH_SPAN) to an analyser that is the
# bottleneck, on the cores its other workers share; the planner's cost of such a batch grows
# with the partition's pages, not with the batch: at 5,000 sensors x 1 day (bench/monitor.py)
# a rollup batch's fetch passed jit_above_cost and started two parallel workers, at
# 5,000 x 3 days a first learn's 25 sensors did too, with inlining and optimisation beyond
# 500,000. Measured per batch (server CPU, leader and workers): 0.41 -> 0.25 s for 477,000
# readings (5,000 x 1 day), 0.46-0.59 -> 0.25-0.31 s for 543,000 (5,000 x 3 days); a full
# run's server CPU per reading then no longer grows with the fleet (issue 12).
SESSION_SETTINGS = {"jit": "off", "max_parallel_workers_per_gather": "0"}
# A batch's readings (FETCH_SPAN) through a bitmap scan of the primary
# key, for that statement only: readings lie in arrival order, every sensor's minute beside
# the others', so a scan in the key's order visits a heap page per reading where the bitmap
# visits each page once for all of the batch's sensors on it. The planner, taking rows as
# scattered at random, chose the probes once a batch looked small beside its partition (a
# first learn's 25 sensors at 5,000 x 3 days: 86,852 buffers for 107,000 readings, 0.18
# CPU-s against 0.07-0.08 by bitmap) or pages looked cheap (random_page_cost 1.1, SSDs).
SCAN_ONCE = {"enable_indexscan": "off"}
JOB_START = "select now()"
READ_WATERMARK = "select watermark from monitor_watermarks where name = %s"
SET_WATERMARK = """
update monitor_watermarks set watermark = greatest(watermark, %s), updated_at = now()
where name = %s
"""
# flags bit 0: the sample time is in the future (clock skew); such times cannot be placed.
# Written ``(flags & 1) <> 1``: without statistics on the expression the planner takes
# ``= 0`` for 0.5 % of the rows (and picks per-reading index probes), ``<> 1`` for 99.5 %.
# a first run (nothing rolled up yet): every hour from the first to the last reading of
# each of the slice's bindings, two probes of its sensor's primary key (hours without a
# reading in between are recomputed to nothing: grouping every reading by its hour read
# the whole history once more, ~10 % of a full run)
ALL_HOURS = """
select b.card_id, h.hour
from sensor_bindings b
cross join lateral (
    select min(r.t) as t0, max(r.t) as t1 from readings r
    where r.sensor_id = b.sensor_id and r.t >= lower(b.valid)
      and (upper(b.valid) is null or r.t < upper(b.valid)) and (r.flags & 1) <> 1
) m
cross join lateral generate_series(
    date_trunc('hour', m.t0), date_trunc('hour', m.t1), interval '1 hour'
) as h(hour)
where b.card_id between %(lo)s and %(hi)s and m.t0 is not null
"""
# bindings made, moved or closed since the watermark that no refresh has rolled up yet
CHANGED_BINDINGS = """
select b.id, b.updated_at, b.updated_at > b.created_at  -- changed after it was made
from sensor_bindings b
where (b.created_at > %(since)s or b.updated_at > %(since)s)
  and b.card_id between %(lo)s and %(hi)s
  and not exists (select 1 from monitor_bindings_seen s
                  where s.binding_id = b.id and s.seen_updated_at >= b.updated_at)
"""
# a sensor bound to a card since brings its stored history with it
NEW_BINDING_HOURS = """
select b.card_id, date_trunc('hour', r.t) as hour
from sensor_bindings b
join readings r on r.sensor_id = b.sensor_id and b.valid @> r.t
where b.id = any(%(ids)s) and (r.flags & 1) <> 1
group by 1, 2
"""
# a binding closed or moved (back-dated): its card's hours from the binding's start,
# including those its readings no longer count for
MOVED_BINDING_HOURS = """
select b.card_id, date_trunc('hour', r.t) as hour
from sensor_bindings b
join readings r on r.sensor_id = b.sensor_id and r.t >= lower(b.valid)
where b.id = any(%(ids)s) and (r.flags & 1) <> 1
group by 1, 2
"""
# What arrived since the watermark, read once (one bitmap scan of the BRIN on
# ``received_at`` per slice; the touched hours and the appended sensors each scanned the
# fresh readings before), grouped per sensor-hour before the bindings are joined (one
# probe per sensor-hour, not per reading). Two kinds of rows:
# - ``hour`` set: a card-hour touched by fresh readings (the binding overlaps the hour);
# - ``sensor_id`` set, for appended readings (the usual 5-minute cycle): a sensor whose
#   fresh readings all come after every reading it had before changes nothing later than
#   them, and nothing earlier than the influence of a new reading reaches back
#   (``APPEND_CONTEXT`` readings: the interval to its predecessor, the light walk's two
#   step spans, a stay point's fixes; and at least ``APPEND_REACH``). Per bound sensor
#   with fresh readings: the first one, the last, where the influence of the fresh ones
#   reaches back to, and whether a reading received before the watermark lies after the
#   first fresh one (then: the general path).
FRESH_READINGS = """
with f as materialized (
    select sensor_id, date_trunc('hour', t) as hour, min(t) as t0, max(t) as t1
    from readings
    where received_at > %(since)s and (flags & 1) <> 1
      and sensor_id in (select sensor_id from sensor_bindings
                        where card_id between %(lo)s and %(hi)s)
    group by 1, 2
), s as (
    select sensor_id, min(t0) as t0, max(t1) as t1 from f group by 1
)
select b.card_id, f.hour, null::text, null::timestamptz, null::timestamptz,
       null::timestamptz, null::boolean, null::boolean
from f
join sensor_bindings b on b.sensor_id = f.sensor_id
    and b.valid && tstzrange(f.hour, f.hour + interval '1 hour')
where b.card_id between %(lo)s and %(hi)s
union all
select b.card_id, null, s.sensor_id, s.t0, s.t1,
       (select r.t from readings r
        where r.sensor_id = s.sensor_id and r.t < s.t0 and (r.flags & 1) <> 1
        order by r.t desc offset %(skip)s limit 1) as reach,
       exists (select 1 from readings r
               where r.sensor_id = s.sensor_id and r.t > s.t0 and r.received_at <= %(since)s
                 and (r.flags & 1) <> 1) as late,
       upper(b.valid) is null and b.valid @> s.t0 as open
from s
join sensor_bindings b on b.sensor_id = s.sensor_id
    and b.valid && tstzrange(s.t0, s.t1, '[]')
where b.card_id between %(lo)s and %(hi)s
"""
_FRESH_SCHEMA: dict[str, pl.DataType | type[pl.DataType]] = {
    "card_id": pl.Int64,
    "hour": pl.Datetime("us", "UTC"),
    "sensor_id": pl.String,
    "t0": pl.Datetime("us", "UTC"),
    "t1": pl.Datetime("us", "UTC"),
    "reach": pl.Datetime("us", "UTC"),
    "late": pl.Boolean,
    "open": pl.Boolean,
}
# where each sensor's window starts: ``APPEND_CONTEXT`` readings before the card's first
# dirty hour (the whole history when it has fewer)
CONTEXT_STARTS = """
select w.sensor_id, w.hour,
       (select r.t from readings r
        where r.sensor_id = w.sensor_id and r.t < w.hour and (r.flags & 1) <> 1
        order by r.t desc offset %s limit 1)
from unnest(%s::text[], %s::timestamptz[]) as w(sensor_id, hour)
"""
MARK_BINDINGS_SEEN = """
insert into monitor_bindings_seen (binding_id, seen_updated_at)
select i, u from unnest(%s::bigint[], %s::timestamptz[]) as x(i, u)
where exists (select 1 from sensor_bindings where id = i)
on conflict (binding_id) do update
set seen_updated_at = greatest(monitor_bindings_seen.seen_updated_at, excluded.seen_updated_at)
"""
# light meters whose calibration changed since its hours were last recomputed
CHANGED_CALIBRATIONS = """
select c.sensor_id, c.updated_at
from sensor_light_calibration c
where c.updated_at > %(since)s and c.rolled_up_at is distinct from c.updated_at
  and exists (select 1 from sensor_bindings b
              where b.sensor_id = c.sensor_id and b.card_id between %(lo)s and %(hi)s)
"""
CALIBRATED_HOURS = """
select b.card_id, date_trunc('hour', r.t) as hour
from sensor_light_calibration c
join sensor_bindings b on b.sensor_id = c.sensor_id
join readings r on r.sensor_id = c.sensor_id and b.valid @> r.t
    and r.t >= c.learned_from and r.t < c.learned_to
where c.sensor_id = any(%(sensors)s) and b.card_id between %(lo)s and %(hi)s
  and (r.flags & 1) <> 1
group by 1, 2
"""
MARK_CALIBRATIONS = """
update sensor_light_calibration c set rolled_up_at = x.u
from unnest(%s::text[], %s::timestamptz[]) as x(s, u)
where c.sensor_id = x.s and c.updated_at = x.u
"""
# per card: its sensors, and whether one is a light meter (which needs the longer reach)
CARD_SENSORS = """
select b.card_id, array_agg(distinct b.sensor_id), bool_or(s.kind = 'photo'),
       coalesce(array_agg(distinct b.sensor_id) filter (where s.kind = 'photo'), '{}')
from sensor_bindings b join sensors s on s.sensor_id = b.sensor_id
where b.card_id = any(%(cards)s)
group by b.card_id
"""
# the stored lamp walk of each (meter, hour) asked for, where it was computed under the
# meter's present calibration
LOAD_LIGHT_STATES = """
select s.hour, s.sensor_id, s.t_prev, s.lux_prev, s.t, s.lux, s.lamp_lux
from unnest(%s::text[], %s::timestamptz[]) as w(sensor_id, hour)
join sensor_light_state s on s.sensor_id = w.sensor_id and s.hour = w.hour
join sensor_light_calibration c on c.sensor_id = s.sensor_id
where s.computed_at >= c.updated_at
"""
UPSERT_LIGHT_STATES = """
insert into sensor_light_state (sensor_id, hour, t_prev, lux_prev, t, lux, lamp_lux)
select * from unnest(%s::text[], %s::timestamptz[], %s::timestamptz[], %s::float8[],
                     %s::timestamptz[], %s::float8[], %s::float8[]) as x(s, h, tp, lp, t, l, a)
where exists (select 1 from sensors where sensor_id = s)
on conflict (sensor_id, hour) do update
set t_prev = excluded.t_prev, lux_prev = excluded.lux_prev, t = excluded.t,
    lux = excluded.lux, lamp_lux = excluded.lamp_lux, computed_at = now()
"""
PURGE_LIGHT_STATES = """
delete from sensor_light_state s
using unnest(%s::text[], %s::timestamptz[]) as x(sensor_id, before)
where s.sensor_id = x.sensor_id and s.hour < x.before
"""
# the windows of readings each card's dirty hours depend on, per bound sensor: the window
# gives both the sensor and the time range, so the primary key scan is bounded by both
FETCH_WINDOWS = """
select w.card_id, r.sensor_id, r.t, r.kind, r.on_state, r.lux, r.on_ms, r.cyc, r.temp_c,
       r.lat, r.lon, r.acc, r.zone
from unnest({cards}::bigint[], {sensors}::text[], {t0}::timestamptz[], {t1}::timestamptz[])
    as w(card_id, sensor_id, t0, t1)
join sensor_bindings b on b.card_id = w.card_id and b.sensor_id = w.sensor_id
cross join lateral (
    select * from readings r
    where r.sensor_id = w.sensor_id and r.t >= w.t0 and r.t < w.t1 and (r.flags & 1) <> 1
    offset 0  -- kept a subquery: its index scan takes the window's time range, not only
              -- the sensor (the planner would rather join on the sensor and filter after)
) r
where b.valid @> r.t
"""

# the same readings when a batch's windows cover about the same span (a first run: every
# window is the whole history): one bitmap scan of the primary key for all the batch's
# sensors reads each heap page once, where a scan per window reads a page per reading
# (readings are stored in the order they arrive, every sensor's minute beside the
# others'); the rows outside their windows and bindings are dropped after, in polars
# (``SPAN_BINDINGS``: a hash join with the bindings and its range test per reading took
# two thirds of the query's time in the server). One query per kind of sensor
# (``SENSOR_KINDS``), with that kind's own columns only (``SPAN_COLUMNS``): the server's
# COPY and the client's decoding cost per field of every row, null or not (all nine
# columns for every reading: 0.70 s of the client's CPU and 0.37 s of the server's for
# 864,000 readings of 300 sensors, against 0.35 and 0.31 s this way). A reading that is
# not of its sensor's kind, or carries one of the fields most readings leave empty, comes
# whole as one JSON object (``SPAN_EXTRA``), null for nearly every row.
FETCH_SPAN = """
select r.sensor_id, r.t, {columns},
       case when r.kind <> {kind} or r.on_state is not null or r.on_ms is not null
                 or r.cyc is not null or r.zone is not null
            then json_build_object('kind', r.kind, 'on_state', r.on_state, 'on_ms', r.on_ms,
                                   'cyc', r.cyc, 'zone', r.zone, 'lux', r.lux,
                                   'temp_c', r.temp_c, 'lat', r.lat, 'lon', r.lon,
                                   'acc', r.acc)::text end as extra
from readings r
where r.sensor_id = any({sensors}::text[]) and r.t >= {t0} and r.t < {t1}
  and (r.flags & 1) <> 1
"""
SPAN_SCHEMA = {c: t for c, t in READING_SCHEMA.items() if c != "card_id"}
SENSOR_KINDS = "select sensor_id, kind from sensors where sensor_id = any(%s::text[])"
# readings.kind of each sensors.kind, and the columns its readings carry
KIND_CODES = {"photo": PHOTO, "temp": TEMP, "loc": LOC}
SPAN_COLUMNS = {PHOTO: ("lux",), TEMP: ("temp_c",), LOC: ("lat", "lon", "acc")}
SPAN_EXTRA = pl.Struct(
    {
        "kind": pl.Int16,
        "on_state": pl.Boolean,
        "on_ms": pl.Int64,
        "cyc": pl.Int64,
        "zone": pl.String,
        "lux": pl.Float64,
        "temp_c": pl.Float64,
        "lat": pl.Float64,
        "lon": pl.Float64,
        "acc": pl.Float64,
    }
)
# the batch's bindings, their bounds in epoch microseconds (null: unbounded; an infinite
# bound that excludes everything: the extreme of int64)
SPAN_BINDINGS = """
select card_id, sensor_id,
       case when lower(valid) is null or lower(valid) = '-infinity' then null
            when lower(valid) = 'infinity' then 9223372036854775807
            else (extract(epoch from lower(valid)) * 1000000)::bigint end,
       lower_inc(valid),
       case when upper(valid) is null or upper(valid) = 'infinity' then null
            when upper(valid) = '-infinity' then -9223372036854775808
            else (extract(epoch from upper(valid)) * 1000000)::bigint end,
       upper_inc(valid)
from sensor_bindings
where card_id = any(%(cards)s::bigint[]) and sensor_id = any(%(sensors)s::text[])
  and not isempty(valid)
"""
_SPAN_BINDING_SCHEMA: dict[str, pl.DataType | type[pl.DataType]] = {
    "card_id": pl.Int64,
    "sensor_id": pl.String,
    "b0": pl.Int64,
    "b0_inc": pl.Boolean,
    "b1": pl.Int64,
    "b1_inc": pl.Boolean,
}
SPAN_FILL = 0.7  # the windows fill this share of the span they make together: FETCH_SPAN

FETCH_READINGS = """
copy (
    select b.card_id, r.sensor_id, (extract(epoch from r.t) * 1000000)::bigint, r.kind,
           r.on_state, r.lux, r.on_ms, r.cyc, r.temp_c, r.lat, r.lon, r.acc, r.zone
    from sensor_bindings b
    join readings r on r.sensor_id = b.sensor_id and b.valid @> r.t
    where b.card_id = any({cards}) and r.t >= {t0} and r.t < {t1} and (r.flags & 1) <> 1
) to stdout (format csv)
"""
BASELINE_SENSORS = """
select sensor_id from sensors where kind in ('photo', 'temp') order by sensor_id
"""
BASELINE_SENSORS_OF_CARDS = """
select distinct s.sensor_id
from sensor_bindings b join sensors s on s.sensor_id = b.sensor_id
where b.card_id between %(lo)s and %(hi)s and s.kind in ('photo', 'temp')
  and b.valid && tstzrange(%(t0)s, %(t1)s)
order by 1
"""
# the dirty card-hours as runs of consecutive hours (``hour_runs``; a first run: one a
# card): psycopg dumps a list parameter element by element in Python, and a first run's
# list of every card-hour took a tenth of a second per 10,000 (bench/monitor.py)
DELETE_HOURS = """
delete from usage_hourly u
using unnest(%s::bigint[], %s::timestamptz[], %s::timestamptz[]) as d(card_id, h0, h1)
where u.card_id = d.card_id and u.hour >= d.h0 and u.hour < d.h1
"""
COPY_ROLLUP = f"copy usage_hourly ({', '.join(ROLLUP_COLUMNS)}) from stdin (format csv)"
LOAD_BASELINES = "select sensor_id, hour_of_day, lux_base, temp_base from sensor_baselines"
LOAD_BASELINES_OF_CARDS = """
select sensor_id, hour_of_day, lux_base, temp_base from sensor_baselines
where sensor_id in (select sensor_id from sensor_bindings where card_id between %(lo)s and %(hi)s)
"""
UPSERT_BASELINE = """
insert into sensor_baselines (sensor_id, hour_of_day, lux_base, temp_base)
select s, h, l, t from unnest(%s::text[], %s::smallint[], %s::real[], %s::real[]) as x(s, h, l, t)
where exists (select 1 from sensors where sensor_id = s)
on conflict (sensor_id, hour_of_day) do update
set lux_base = excluded.lux_base, temp_base = excluded.temp_base, updated_at = now()
"""


# day summaries (monitor.core.day_stats): which days each sensor has, replace, load, purge
KNOWN_DAYS = """
select sensor_id, day, complete from sensor_day_stats
where sensor_id = any(%(sensors)s::text[]) and day >= %(d0)s
"""
DELETE_DAY_STATS = "delete from sensor_day_stats where sensor_id = any(%s::text[]) and day >= %s"
DELETE_DAY_STEPS = "delete from sensor_day_steps where sensor_id = any(%s::text[]) and day >= %s"
PURGE_DAY_STATS = "delete from sensor_day_stats where sensor_id = any(%s::text[]) and day < %s"
PURGE_DAY_STEPS = "delete from sensor_day_steps where sensor_id = any(%s::text[]) and day < %s"
COPY_DAY_STATS = """
copy sensor_day_stats (sensor_id, day, complete, stats, codes, counts) from stdin (format csv)
"""
INSERT_DAY_STEPS = """
insert into sensor_day_steps (sensor_id, day, t, step, step_end_lux, step_holds, step_dark)
select * from unnest(%s::text[], %s::date[], %s::timestamptz[], %s::float8[], %s::float8[],
                     %s::bool[], %s::bool[]) as x(s, d, t, st, e, h, k)
where exists (select 1 from sensors where sensor_id = x.s)
"""
LOAD_DAY_STATS = """
select sensor_id, day, stats, codes, counts from sensor_day_stats
where sensor_id = any({sensors}::text[]) and day >= {d0}
"""
LOAD_DAY_STEPS = """
select sensor_id, day, t, step, step_end_lux, step_holds, step_dark from sensor_day_steps
where sensor_id = any({sensors}::text[]) and day >= {d0}
"""

LOAD_SITES = """
select sensor_id, coalesce(lat, %(lat)s), coalesce(lon, %(lon)s) from sensors
where kind = 'photo' and (%(sensors)s::text[] is null or sensor_id = any(%(sensors)s::text[]))
"""
LOAD_CALIBRATION = """
select sensor_id, floor, noise, levels::float8[], sway::float8[], period_s, dark_steps, samples
from sensor_light_calibration
where %(sensors)s::text[] is null or sensor_id = any(%(sensors)s::text[])
"""
SENSORS_OF_CARDS = "select distinct sensor_id from sensor_bindings where card_id between %s and %s"
# updated_at moves only when what the detector uses changed (so its hours are recomputed)
UPSERT_CALIBRATION = """
insert into sensor_light_calibration
    (sensor_id, floor, noise, levels, sway, period_s, dark_steps, samples,
     learned_from, learned_to)
select s, f, n, string_to_array(l, ',')::real[], string_to_array(w, ',')::real[], p, d, c,
       %s, %s
from unnest(%s::text[], %s::real[], %s::real[], %s::text[], %s::text[], %s::real[], %s::int[],
            %s::bigint[]) as x(s, f, n, l, w, p, d, c)
where exists (select 1 from sensors where sensor_id = s)
on conflict (sensor_id) do update
set floor = excluded.floor, noise = excluded.noise, levels = excluded.levels,
    sway = excluded.sway,
    period_s = excluded.period_s, dark_steps = excluded.dark_steps, samples = excluded.samples,
    learned_from = excluded.learned_from, learned_to = excluded.learned_to,
    updated_at = case
        when calibration_changed(sensor_light_calibration.levels, excluded.levels,
                                 sensor_light_calibration.floor, excluded.floor)
        then now() else sensor_light_calibration.updated_at end
"""


@dataclass(frozen=True, slots=True)
class RefreshResult:
    card_hours: int
    rows_written: int
    readings_read: int
    watermark: datetime
    # what this refresh replaced in ``usage_hourly`` (``card_id, hour``) and the rows it
    # wrote there (``ROLLUP_COLUMNS``), uncommitted yet: the slice's analysis lays them
    # over the committed rollup it reads
    replaced: pl.DataFrame | None = None
    rows: pl.DataFrame | None = None


def tune_session(conn: psycopg.Connection[Any]) -> None:
    """Plan this session's statements as the monitor's fetches want (``SESSION_SETTINGS``)."""
    conn.execute(_set_sql(conn, SESSION_SETTINGS))


def _set_sql(conn: Any, settings: Mapping[str, str]) -> str:
    calls = [
        psycopg.sql.SQL("set_config({}, {}, false)").format(
            psycopg.sql.Literal(k), psycopg.sql.Literal(v)
        )
        for k, v in settings.items()
    ]
    return psycopg.sql.SQL("select {}").format(psycopg.sql.SQL(", ").join(calls)).as_string(conn)


def _reset_sql(conn: Any, settings: Mapping[str, str]) -> str:
    """Back to what the session started with (its connection's options, the defaults)."""
    return (
        psycopg.sql.SQL(
            "select set_config(name, reset_val, false) from pg_settings where name = any({})"
        )
        .format(psycopg.sql.Literal(list(settings)))
        .as_string(conn)
    )


@contextlib.contextmanager
def session_settings(conn: psycopg.Connection[Any], settings: Mapping[str, str]) -> Iterator[None]:
    """``settings`` for the statements run inside, then the session's own again."""
    conn.execute(_set_sql(conn, settings))
    try:
        yield
    finally:
        conn.execute(_reset_sql(conn, settings))


def bind_literals(conn: psycopg.Connection[Any], query: str, args: dict[str, Any]) -> str:
    """``query`` with its ``{name}`` fields bound client-side (as COPY and ADBC need): each
    argument as a literal, or as it is where it is SQL already (``psycopg.sql.Identifier``
    and the like)."""
    return (
        psycopg.sql.SQL(query)
        .format(
            **{
                k: v if isinstance(v, psycopg.sql.Composable) else psycopg.sql.Literal(v)
                for k, v in args.items()
            }
        )
        .as_string(conn)
    )


def span_args(code: int, sensors: list[str], t0: datetime, t1: datetime) -> dict[str, Any]:
    """``FETCH_SPAN``'s arguments for ``sensors`` of one kind (``KIND_CODES``)."""
    columns = psycopg.sql.SQL(", ").join(psycopg.sql.Identifier("r", c) for c in SPAN_COLUMNS[code])
    return {"columns": columns, "kind": code, "sensors": sensors, "t0": t0, "t1": t1}


def copy_csv(conn: psycopg.Connection[Any], query: str, args: dict[str, Any]) -> bytes:
    """COPY … TO STDOUT with client-side bound literals (COPY takes no server parameters)."""
    buf = io.BytesIO()
    with conn.cursor() as cur, cur.copy(bind_literals(conn, query, args)) as copy:
        for chunk in copy:
            buf.write(chunk)
    return buf.getvalue()


_arrow: list[tuple[str, Any]] = []  # this process's ADBC connection, for one database


def _arrow_connection(conn: psycopg.Connection[Any], *, fresh: bool = False) -> Any:
    info = conn.info
    key = make_conninfo(info.dsn, password=info.password) if info.password else info.dsn
    if _arrow and (fresh or _arrow[0][0] != key):
        with contextlib.suppress(Exception):  # gone with its server: nothing to close
            _arrow.pop()[1].close()
    if not _arrow:
        # the session's settings come with the connection (its own options kept before them)
        own = conninfo_to_dict(key).get("options") or ""
        tuned = " ".join([str(own), *(f"-c {k}={v}" for k, v in SESSION_SETTINGS.items())])
        _arrow.append(
            (key, adbc.connect(make_conninfo(key, options=tuned.strip()), autocommit=True))
        )
    return _arrow[0][1]


def fetch_frame(
    conn: psycopg.Connection[Any],
    query: str,
    args: dict[str, Any],
    *,
    own_writes: bool = False,
    schema: dict[str, pl.DataType | type[pl.DataType]] | None = None,
    settings: Mapping[str, str] | None = None,
) -> pl.DataFrame:
    """A query's rows as a polars frame through ADBC (binary COPY into Arrow): psycopg's
    COPY hands rows to Python one call each, ~8 µs a reading, most of a fetch. Reads what
    is committed, on a connection of its own (literals bound client-side, as for COPY);
    ``own_writes``: inside ``conn``'s open transaction, whose writes only it can see (rows
    of ``schema`` then, else of the types their values have). ``settings``: planner
    settings for this statement alone (``SCAN_ONCE``)."""
    text = bind_literals(conn, query, args)
    if own_writes and conn.info.transaction_status != psycopg.pq.TransactionStatus.IDLE:
        with (
            session_settings(conn, settings) if settings else contextlib.nullcontext(),
            conn.cursor(binary=True) as cur,
        ):
            cur.execute(text)
            names = [d.name for d in cur.description or []]
            rows = cur.fetchall()
            if schema is not None:
                return pl.DataFrame(rows, schema=schema, orient="row")
            return pl.DataFrame(rows, schema=names, orient="row", infer_schema_length=None)
    for attempt in (0, 1):
        try:
            with _arrow_connection(conn, fresh=attempt == 1).cursor() as cur:
                if not settings:
                    cur.execute(text)
                    return pl.DataFrame(cur.fetch_arrow())
                cur.execute(_set_sql(conn, settings))
                cur.fetch_arrow()
                try:
                    cur.execute(text)
                    return pl.DataFrame(cur.fetch_arrow())
                finally:
                    cur.execute(_reset_sql(conn, settings))
                    cur.fetch_arrow()
        except adbc.OperationalError:  # the connection was lost (a server restart): once more
            if attempt:
                raise
    raise AssertionError("unreachable")


_Frame = TypeVar("_Frame", pl.DataFrame, pl.LazyFrame)


def _readings_frame(raw: _Frame) -> _Frame:
    return raw.select([pl.col(c).cast(t) for c, t in READING_SCHEMA.items()])


def _parse_readings(data: bytes) -> pl.DataFrame:
    names = list(READING_SCHEMA)
    if not data:
        return pl.DataFrame(schema=READING_SCHEMA)
    raw = pl.read_csv(
        data,
        has_header=False,
        new_columns=names,
        schema_overrides={"t": pl.Int64, "on_state": pl.String, "sensor_id": pl.String},
        infer_schema=False,
    )
    return raw.select(
        pl.col("card_id").cast(pl.Int64),
        "sensor_id",
        pl.from_epoch(pl.col("t").cast(pl.Int64), time_unit="us").dt.replace_time_zone("UTC"),
        pl.col("kind").cast(pl.Int16),
        pl.col("on_state").replace_strict(
            {"t": True, "f": False}, default=None, return_dtype=pl.Boolean
        ),
        *[pl.col(c).cast(READING_SCHEMA[c]) for c in names[5:]],
    )


def fetch_readings(
    conn: psycopg.Connection[Any], cards: list[int], t0: datetime, t1: datetime
) -> pl.DataFrame:
    """Readings of every sensor bound to ``cards`` in [t0, t1), as the rollup wants them."""
    return _parse_readings(copy_csv(conn, FETCH_READINGS, {"cards": cards, "t0": t0, "t1": t1}))


def fetch_windows(
    conn: psycopg.Connection[Any], windows: pl.DataFrame, held: HeldReadings | None = None
) -> pl.DataFrame:
    """Readings of each ``card_id``'s ``sensors`` in its windows [t0, t1) (never
    overlapping); what ``held`` holds of them taken from there."""
    w = windows.explode("sensors").drop_nulls("sensors")
    if w.height == 0:
        return pl.DataFrame(schema=READING_SCHEMA)
    # what the windows hold up to now (a window reaches past the newest reading)
    end = pl.min_horizontal("t1", pl.lit(datetime.now(UTC)))
    filled, span = w.select(
        (end - pl.col("t0")).dt.total_seconds().clip(0, None).sum().cast(pl.Float64).alias("h"),
        ((end.max() - pl.col("t0").min()).dt.total_seconds() * pl.len())
        .cast(pl.Float64)
        .alias("s"),
    ).row(0)
    if span > 0 and filled >= SPAN_FILL * span:
        args = {
            "cards": w["card_id"].unique().to_list(),
            "sensors": w["sensors"].unique().to_list(),
            "t0": w["t0"].min(),
            "t1": w["t1"].max(),
        }
        return _span_rows(conn, w, args, held)
    args = {
        "cards": w["card_id"].to_list(),
        "sensors": w["sensors"].to_list(),
        "t0": w["t0"].to_list(),
        "t1": w["t1"].to_list(),
    }
    return _readings_frame(fetch_frame(conn, FETCH_WINDOWS, args))


def fetch_span(
    conn: psycopg.Connection[Any],
    sensors: list[str],
    t0: datetime,
    t1: datetime,
    held: HeldReadings | None = None,
) -> pl.DataFrame:
    """Every reading of ``sensors`` in [t0, t1) (``FETCH_SPAN``, a query per kind of
    sensor): ``sensor_id, t`` and the other columns of ``READING_SCHEMA``, uncast. What
    ``held`` holds of them is taken from there."""
    if held is None:
        return _fetch_span(conn, sensors, t0, t1)
    rows, rest = held.split(sensors, t0, t1)
    if rows is None and not rest:
        return pl.DataFrame(schema=SPAN_SCHEMA)
    parts = [_fetch_span(conn, s, a, b) for s, a, b in rest]
    return pl.concat([*parts, *([rows] if rows is not None else [])], how="diagonal_relaxed")


def _fetch_span(
    conn: psycopg.Connection[Any], sensors: list[str], t0: datetime, t1: datetime
) -> pl.DataFrame:
    kinds: dict[int, list[str]] = {}
    for sensor_id, kind in conn.execute(SENSOR_KINDS, (sensors,)).fetchall():
        kinds.setdefault(KIND_CODES[kind], []).append(sensor_id)
    parts = []
    for code, of_kind in sorted(kinds.items()):
        own = SPAN_COLUMNS[code]
        raw = fetch_frame(conn, FETCH_SPAN, span_args(code, of_kind, t0, t1), settings=SCAN_ONCE)
        extra = raw["extra"].cast(pl.String)
        names = [c for c in SPAN_EXTRA.to_schema() if c not in own]
        others: list[pl.Expr | pl.Series]
        if extra.null_count() == raw.height:
            others = [pl.lit(None, SPAN_EXTRA.to_schema()[c]).alias(c) for c in names]
        else:
            decoded = extra.str.json_decode(SPAN_EXTRA)
            others = [decoded.struct.field(c).alias(c) for c in names]
        parts.append(
            raw.drop("extra").with_columns(others).with_columns(pl.col("kind").fill_null(code))
        )
    if not parts:
        return pl.DataFrame(schema=SPAN_SCHEMA)
    return pl.concat(parts, how="diagonal_relaxed")


def _span_rows(
    conn: psycopg.Connection[Any],
    w: pl.DataFrame,
    args: dict[str, Any],
    held: HeldReadings | None = None,
) -> pl.DataFrame:
    """``fetch_span``'s readings with the card of each binding that holds them (``b.valid
    @> r.t``), within each window of ``w`` (``card_id, sensors, t0, t1``)."""
    bound = pl.DataFrame(
        conn.execute(
            SPAN_BINDINGS, {"cards": args["cards"], "sensors": args["sensors"]}
        ).fetchall(),
        schema=_SPAN_BINDING_SCHEMA,
        orient="row",
    )
    if bound.height == 0:
        return pl.DataFrame(schema=READING_SCHEMA)
    rows = fetch_span(conn, args["sensors"], args["t0"], args["t1"], held)
    if rows.height == 0:
        return pl.DataFrame(schema=READING_SCHEMA)
    us = pl.col("t").dt.epoch("us")
    in_binding = (
        pl.col("b0").is_null() | (us > pl.col("b0")) | (pl.col("b0_inc") & (us == pl.col("b0")))
    ) & (pl.col("b1").is_null() | (us < pl.col("b1")) | (pl.col("b1_inc") & (us == pl.col("b1"))))
    within = w.select(
        "card_id",
        pl.col("sensors").alias("sensor_id"),
        pl.col("t0").alias("w0"),
        pl.col("t1").alias("w1"),
    )
    # the bindings with their windows first (a few rows a sensor), then one join of the
    # readings with them and one filter, in one plan
    pairs = bound.join(within, on=["card_id", "sensor_id"]).lazy()
    return (
        rows.lazy()
        .with_columns(pl.col("sensor_id").cast(pl.String))
        .join(pairs, on="sensor_id")
        .with_columns(pl.col("t").cast(pl.Datetime("us", "UTC")))
        .filter(in_binding & (pl.col("t") >= pl.col("w0")) & (pl.col("t") < pl.col("w1")))
        .pipe(_readings_frame)
        .collect(engine=ENGINE)
    )


Site = tuple[float, float]
DEFAULT_SITE: Site = (20.04, 110.34)  # settings.site_lat / site_lon: Haikou


def load_light(
    conn: psycopg.Connection[Any], site: Site, sensors: list[str] | None = None
) -> LightInputs:
    """The stored calibration and place (the site where it has none) of every light meter,
    or of ``sensors`` only."""
    args = {"lat": site[0], "lon": site[1], "sensors": sensors}
    sites = pl.DataFrame(
        conn.execute(LOAD_SITES, args).fetchall(), schema=SITE_SCHEMA, orient="row"
    )
    cal = pl.DataFrame(
        conn.execute(LOAD_CALIBRATION, args).fetchall(), schema=CALIBRATION_SCHEMA, orient="row"
    )
    return LightInputs(cal, sites)


def refresh_light_calibration(
    conn: psycopg.Connection[Any],
    readings: pl.DataFrame,
    *,
    t0: datetime,
    t1: datetime,
    site: Site,
) -> int:
    """Learn each light meter's floor, noise and lamps from its readings in [t0, t1)."""
    photo = readings.filter((pl.col("kind") == 1) & pl.col("lux").is_not_null())
    if photo.height == 0:
        return 0
    sensors = photo["sensor_id"].unique().to_list()
    cal = calibrate(photo.select("sensor_id", "t", "lux"), load_light(conn, site, sensors).sites)
    return _store_calibration(conn, cal, t0, t1)


def _store_calibration(
    conn: psycopg.Connection[Any], cal: pl.DataFrame, t0: datetime, t1: datetime
) -> int:
    if cal.height == 0:
        return 0
    with conn.transaction():
        conn.execute(
            UPSERT_CALIBRATION,
            (
                t0,
                t1,
                cal["sensor_id"].to_list(),
                cal["floor"].to_list(),
                cal["noise"].to_list(),
                [",".join(f"{x:.3f}" for x in lv) for lv in cal["levels"].to_list()],
                [",".join(f"{x:.3f}" for x in sw) for sw in cal["sway"].to_list()],
                cal["period_s"].to_list(),
                cal["dark_steps"].to_list(),
                cal["samples"].to_list(),
            ),
        )
    return cal.height


def load_baselines(conn: psycopg.Connection[Any], cards: Cards | None = None) -> pl.DataFrame:
    if cards is None:
        rows = conn.execute(LOAD_BASELINES).fetchall()
    else:
        rows = conn.execute(LOAD_BASELINES_OF_CARDS, {"lo": cards[0], "hi": cards[1]}).fetchall()
    return pl.DataFrame(rows, schema=BASELINE_SCHEMA, orient="row")


def _baseline_readings(
    conn: psycopg.Connection[Any],
    sensors: list[str],
    t0: datetime,
    t1: datetime,
    keep: HeldReadings | None = None,
) -> pl.DataFrame:
    """The light and temperature readings of ``sensors`` in [t0, t1), for baselines,
    calibration and day summaries; every reading fetched kept in ``keep`` where it fits."""
    raw = fetch_span(conn, sensors, t0, t1)
    if keep is not None:
        keep.keep(sensors, t0, t1, raw)
    return raw.filter(pl.col("kind").is_in([1, 2])).select(
        pl.col("sensor_id").cast(pl.String),
        pl.col("t").cast(pl.Datetime("us", "UTC")),
        pl.col("kind").cast(pl.Int16),
        pl.col("lux").cast(pl.Float64),
        pl.col("temp_c").cast(pl.Float64),
    )


def _store_baselines(conn: psycopg.Connection[Any], b: pl.DataFrame) -> int:
    with conn.transaction():
        conn.execute(
            UPSERT_BASELINE,
            (
                b["sensor_id"].to_list(),
                b["hour_of_day"].to_list(),
                b["lux_base"].to_list(),
                b["temp_base"].to_list(),
            ),
        )
    return b.height


def _store_days(
    conn: psycopg.Connection[Any],
    sensors: list[str],
    first: date,
    stats: pl.DataFrame,
    steps: pl.DataFrame,
    t1: datetime,
) -> None:
    """Replace the sensors' day summaries from ``first`` on; a day is complete once its end
    lies an hour before ``t1`` (readings arrive minutes late)."""
    rows = (
        stats.sort("sensor_id", "day", "stat", "code")
        .group_by("sensor_id", "day", maintain_order=True)
        .agg(pl.col("stat"), pl.col("code"), pl.col("n"))
        .with_columns(
            (
                pl.col("day").cast(pl.Datetime("us", "UTC")) + timedelta(days=1) + day_stats.MARGIN
                <= t1
            ).alias("complete"),
            *[
                (
                    "{" + pl.col(c).list.eval(pl.element().cast(pl.String)).list.join(",") + "}"
                ).alias(c)
                for c in ("stat", "code", "n")
            ],
        )
        .select("sensor_id", "day", "complete", "stat", "code", "n")
    )
    with conn.transaction():
        conn.execute(DELETE_DAY_STATS, (sensors, first))
        conn.execute(DELETE_DAY_STEPS, (sensors, first))
        if rows.height:
            with conn.cursor() as cur, cur.copy(COPY_DAY_STATS) as copy:
                copy.write(rows.write_csv(include_header=False))
        if steps.height:
            conn.execute(
                INSERT_DAY_STEPS,
                tuple(steps[c].to_list() for c in day_stats.STEP_SCHEMA),
            )


def _load_days(
    conn: psycopg.Connection[Any], sensors: list[str], first: date
) -> tuple[pl.DataFrame, pl.DataFrame]:
    args = {"sensors": sensors, "d0": first}
    raw = fetch_frame(conn, LOAD_DAY_STATS, args)
    stats = (
        raw.explode("stats", "codes", "counts").select(
            pl.col("sensor_id").cast(pl.String),
            pl.col("day").cast(pl.Date),
            pl.col("stats").cast(pl.Int16).alias("stat"),
            pl.col("codes").cast(pl.Int32).alias("code"),
            pl.col("counts").cast(pl.Int64).alias("n"),
        )
        if raw.height
        else pl.DataFrame(schema=day_stats.STAT_SCHEMA)
    )
    steps = fetch_frame(conn, LOAD_DAY_STEPS, args)
    steps = (
        steps.select([pl.col(c).cast(t) for c, t in day_stats.STEP_SCHEMA.items()])
        if steps.height
        else pl.DataFrame(schema=day_stats.STEP_SCHEMA)
    )
    return stats, steps


def _learn_raw(
    conn: psycopg.Connection[Any],
    sensors: list[str],
    t0: datetime,
    t1: datetime,
    sites: pl.DataFrame,
    keep: HeldReadings | None = None,
) -> int:
    """Baselines and calibrations of sensors with no day summary yet, from their raw
    readings in [t0, t1) (kept in ``keep`` where they fit), and the summaries of those
    days."""
    r = _baseline_readings(conn, sensors, t0, t1, keep)
    if r.height == 0:
        return 0
    p = LightParams()
    photo = r.filter((pl.col("kind") == 1) & pl.col("lux").is_not_null())
    prepared = prepare(photo, sites, p)
    del photo
    # calibrate's own steps go into the day summaries (not walked a second time)
    cal, found = calibrate_parts(prepared, p)
    _store_calibration(conn, cal, t0, t1)
    n = _store_baselines(conn, sensor_baselines(r))
    first, last = t0.astimezone(UTC).date(), t1.astimezone(UTC).date()
    stats, steps = day_stats.summarise(r, sites, cal, (first, last), learned=(prepared, found))
    _store_days(conn, sensors, first, stats, steps, t1)
    return n


def _baseline_batch(
    conn: psycopg.Connection[Any],
    sensors: list[str],
    t0: datetime,
    t1: datetime,
    site: Site,
    keep: HeldReadings | None = None,
) -> int:
    """Baselines and light calibrations of a batch of sensors. A sensor with no day summary
    in the window learns from its raw readings there (``calibrate``, ``sensor_baselines``)
    and has them summarised; the others summarise only the days since their last complete
    one (fetched with an hour either side) and learn from the stored summaries."""
    first, last = t0.astimezone(UTC).date(), t1.astimezone(UTC).date()
    done: dict[tuple[str, date], bool] = {
        (str(r[0]), r[1]): bool(r[2])
        for r in conn.execute(KNOWN_DAYS, {"sensors": sensors, "d0": first}).fetchall()
    }
    known = {sensor for sensor, _ in done}
    fresh = [s for s in sensors if s not in known]
    n = 0
    light = load_light(conn, site, sensors)
    # a first learn reads the raw history: fewer sensors at a time (14 days of 100 light
    # meters and thermometers peaked at 1.3 GB in calibrate)
    for i in range(0, len(fresh), RAW_SENSORS_PER_BATCH):
        n += _learn_raw(conn, fresh[i : i + RAW_SENSORS_PER_BATCH], t0, t1, light.sites, keep)
    rest = [s for s in sensors if s in known]
    if rest:
        # from the day after each sensor's last day summarised whole (usually today; a day
        # without a summary before that had no readings), the earliest of the batch
        def resume_day(sensor: str) -> date:
            whole = [d for (s_, d), complete in done.items() if s_ == sensor and complete]
            own = [d for (s_, d) in done if s_ == sensor]
            return max(whole) + timedelta(days=1) if whole else min(own)

        since = max(first, min(min(resume_day(s) for s in rest), last))
        start = datetime(since.year, since.month, since.day, tzinfo=UTC)
        raw = _baseline_readings(conn, rest, start - day_stats.MARGIN, t1)
        if raw.height:
            stats, steps = day_stats.summarise(raw, light.sites, light.calibration, (since, last))
            _store_days(conn, rest, since, stats, steps, t1)
        stats, steps = _load_days(conn, rest, first)
        cal, baselines = day_stats.learn(stats, steps)
        _store_calibration(conn, cal, t0, t1)
        n += _store_baselines(conn, baselines)
    with conn.transaction():
        conn.execute(PURGE_DAY_STATS, (sensors, first))
        conn.execute(PURGE_DAY_STEPS, (sensors, first))
    return n


def refresh_baselines(
    conn: psycopg.Connection[Any],
    *,
    until: datetime,
    days: int = 14,
    site: Site = DEFAULT_SITE,
    cards: Cards | None = None,
    keep: HeldReadings | None = None,
) -> int:
    """Recompute the ambient baselines, and each light meter's calibration, from ``days``
    days before ``until``: of every light meter and thermometer, or of those bound to
    ``cards``; a batch of sensors at a time, so memory is bounded by the batch. A first
    learn's raw readings go into ``keep`` where they fit (the slice's rollup reads them
    again)."""
    t0 = until - timedelta(days=days)
    if cards is None:
        sensors = [r[0] for r in conn.execute(BASELINE_SENSORS).fetchall()]
    else:
        args = {"lo": cards[0], "hi": cards[1], "t0": t0, "t1": until}
        sensors = [r[0] for r in conn.execute(BASELINE_SENSORS_OF_CARDS, args).fetchall()]
    n = 0
    for i in range(0, len(sensors), BASELINE_SENSORS_PER_BATCH):
        batch = sensors[i : i + BASELINE_SENSORS_PER_BATCH]
        n += _baseline_batch(conn, batch, t0, until, site, keep)
    return n


def _rollup_csv(rows: pl.DataFrame) -> bytes:
    """Rollup rows as COPY's CSV: hours as UTC text, zones as array literals."""
    quoted = (
        pl.element()
        .str.replace_all(r"\\", r"\\", literal=True)
        .str.replace_all('"', r"\"", literal=True)
    )
    out = rows.select(ROLLUP_COLUMNS).with_columns(
        (pl.col("hour").dt.convert_time_zone("UTC").dt.strftime("%Y-%m-%d %H:%M:%S") + "+00"),
        (
            "{"
            + pl.col("zones")
            .fill_null([])
            .list.eval(pl.lit('"') + quoted + pl.lit('"'))
            .list.join(",")
            + "}"
        ).alias("zones"),
    )
    return out.write_csv(include_header=False).encode()


def _write(
    conn: psycopg.Connection[Any], dirty: pl.DataFrame, rollup: pl.DataFrame
) -> pl.DataFrame:
    """Replace the dirty card-hours with the recomputed ones, atomically, in one COPY;
    returns the rows written."""
    keep = rollup.join(dirty, on=["card_id", "hour"], how="semi")
    runs = hour_runs(dirty)
    with conn.transaction():
        conn.execute(DELETE_HOURS, tuple(runs[c].to_list() for c in ("card_id", "h0", "h1")))
        if keep.height:
            with conn.cursor() as cur, cur.copy(COPY_ROLLUP) as copy:
                copy.write(_rollup_csv(keep))
    return keep


_TOUCHED_SCHEMA: dict[str, pl.DataType | type[pl.DataType]] = {
    "card_id": pl.Int64,
    "t": pl.Datetime("us", "UTC"),
}


def _hours(conn: psycopg.Connection[Any], query: str, args: dict[str, Any]) -> pl.DataFrame:
    return pl.DataFrame(conn.execute(query, args).fetchall(), schema=_TOUCHED_SCHEMA, orient="row")


def _windows(dirty: pl.DataFrame, card_info: pl.DataFrame) -> pl.DataFrame:
    """Per card, the merged windows [t0, t1) of readings its dirty hours depend on, with the
    sensor-hours each holds (what sizes a batch). A dirty hour of a light card reaches back
    to the night before unless it is ``resumed`` (its meters' walk is stored where the
    window starts)."""
    resumed = pl.col("resumed") if "resumed" in dirty.columns else pl.lit(False)
    back_us = pl.when(pl.col("light") & ~resumed.fill_null(False))
    w = (
        dirty.join(card_info, on="card_id", how="left")
        .with_columns(pl.col("light").fill_null(True))
        .with_columns(
            (pl.col("hour") - back_us.then(REACH_BACK).otherwise(REACH_BACK_OTHER)).alias("t0"),
            (pl.col("hour") + timedelta(hours=1) + REACH).alias("t1"),
        )
        .sort("card_id", "t0")
    )
    new_run = (pl.col("t0") > pl.col("t1").cum_max().shift(1).over("card_id")).fill_null(True)
    return (
        w.with_columns(new_run.cast(pl.Int32).cum_sum().over("card_id").alias("run"))
        .group_by("card_id", "run", maintain_order=True)
        .agg(
            pl.col("t0").min(),
            pl.col("t1").max(),
            pl.col("sensors").first(),
            pl.col("photo").first(),
            pl.col("light").first(),
        )
        .with_columns(
            (
                (pl.col("t1") - pl.col("t0")).dt.total_hours()
                * pl.col("sensors").list.len().fill_null(1)
            ).alias("cost")
        )
    )


def _first_light_runs(windows: pl.DataFrame) -> pl.DataFrame:
    """Each light card's first window: ``card_id, t0, t1, photo``."""
    return (
        windows.filter(pl.col("light") & (pl.col("photo").list.len() > 0))
        .sort("card_id", "t0")
        .group_by("card_id", maintain_order=True)
        .first()
        .select("card_id", "t0", "t1", "photo")
    )


def load_light_states(conn: psycopg.Connection[Any], want: pl.DataFrame) -> pl.DataFrame:
    """Stored lamp walks for ``want`` (``sensor_id, hour``), valid under the meters' present
    calibration: ``hour`` and ``LIGHT_STATE_SCHEMA``."""
    schema = {"hour": pl.Datetime("us", "UTC"), **LIGHT_STATE_SCHEMA}
    if want.height == 0:
        return pl.DataFrame(schema=schema)
    rows = conn.execute(
        LOAD_LIGHT_STATES, (want["sensor_id"].to_list(), want["hour"].to_list())
    ).fetchall()
    return pl.DataFrame(rows, schema=schema, orient="row")


def _resumable(
    conn: psycopg.Connection[Any], dirty: pl.DataFrame, info: pl.DataFrame
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """``dirty`` with ``resumed`` on the hours of each light card's first window where every
    light meter of the card has its walk stored at that window's start; and those walks
    (``LIGHT_STATE_SCHEMA``). Later windows of a card, and a first one that the windows of
    the other hours would stretch back after all, walk from the night before."""
    short = _first_light_runs(_windows(dirty.with_columns(pl.lit(True).alias("resumed")), info))
    meters = short.explode("photo").select(
        "card_id", pl.col("photo").alias("sensor_id"), pl.col("t0").alias("hour")
    )
    states = load_light_states(conn, meters.select("sensor_id", "hour"))
    complete = (
        meters.join(states, on=["sensor_id", "hour"], how="left")
        .group_by("card_id")
        .agg(pl.col("t").is_not_null().all().alias("ok"))
        .filter("ok")
        .join(short, on="card_id")
        .select("card_id", "t0", "t1")
    )
    marked = dirty.with_columns(pl.lit(False).alias("resumed"))
    for _ in range(3):
        ends = complete.select("card_id", pl.col("t1").alias("r1"))
        in_first = (pl.col("hour") - REACH_BACK_OTHER < pl.col("r1")).fill_null(False)
        marked = (
            dirty.join(ends, on="card_id", how="left")
            .with_columns(in_first.alias("resumed"))
            .drop("r1")
        )
        first = _first_light_runs(_windows(marked, info)).select(
            "card_id", pl.col("t0").alias("f0")
        )
        kept = complete.join(first, on="card_id").filter(pl.col("f0") == pl.col("t0")).drop("f0")
        if kept.height == complete.height:
            break
        complete = kept
    else:
        marked, complete = dirty.with_columns(pl.lit(False).alias("resumed")), complete.head(0)
    chosen = states.join(
        meters.join(complete.select("card_id"), on="card_id", how="semi"),
        on=["sensor_id", "hour"],
        how="semi",
    )
    return marked, chosen.select(LIGHT_STATE_SCHEMA.keys()).unique("sensor_id")


# FRESH_READINGS' rows of appended sensors, without the touched hours' column
_APPEND_COLUMNS = [c for c in _FRESH_SCHEMA if c != "hour"]


@dataclass(frozen=True, slots=True)
class _Appended:
    """Cards whose fresh readings were all appended: their dirty hours (``card_id, hour,
    resumed``), their windows (as ``_windows`` gives them, one per bound sensor) and the
    stored lamp walks their light meters resume from."""

    dirty: pl.DataFrame
    windows: pl.DataFrame
    states: pl.DataFrame

    @property
    def cards(self) -> pl.Series:
        return self.dirty["card_id"].unique()


def _appended(
    conn: psycopg.Connection[Any],
    fresh: pl.DataFrame,
    info: pl.DataFrame,
    others: pl.Series,
    until: datetime,
) -> _Appended:
    """The cards of the slice whose every sensor with fresh readings only appended to its
    history (nothing it had before lies after them; bound to the card since before them,
    open-ended), that no changed binding or calibration touched (``others``) and that share
    no sensor with another card. Each is recomputed from the hour where the fresh
    readings' influence begins (``APPEND_CONTEXT`` readings, ``APPEND_REACH``, before the
    first of them) to its last one, from windows that start ``APPEND_CONTEXT`` readings
    before that hour, resuming its light meters from their walks stored at that hour — the
    same hours as the general path gives, from a few readings more than the new ones
    instead of three hours around each. A card whose meters lack that walk is left out."""
    f = fresh.filter(pl.col("sensor_id").is_not_null()).select(_APPEND_COLUMNS)
    shared = (
        info.explode("sensors")
        .group_by("sensors")
        .agg(pl.col("card_id").n_unique().alias("n"))
        .filter(pl.col("n") > 1)["sensors"]
    )
    bad = f.filter(
        pl.col("late")
        | ~pl.col("open").fill_null(False)
        | pl.col("reach").is_null()
        | pl.col("sensor_id").is_in(shared.implode())
        | pl.col("card_id").is_in(others.implode())
    )["card_id"]
    hours = (
        f.filter(~pl.col("card_id").is_in(bad.implode()))
        .group_by("card_id")
        .agg(
            pl.min_horizontal(pl.col("reach").min(), pl.col("t0").min() - APPEND_REACH)
            .dt.truncate("1h")
            .alias("h0"),
            pl.col("t1").max().dt.truncate("1h").alias("h1"),
        )
        .join(info, on="card_id")
    )
    # every light meter of the card resumes from its walk stored at the first dirty hour
    meters = hours.explode("photo").drop_nulls("photo")
    states = load_light_states(
        conn, meters.select(pl.col("photo").alias("sensor_id"), pl.col("h0").alias("hour"))
    )
    missing = meters.join(
        states.select("sensor_id", pl.col("hour").alias("h0")),
        left_on=["photo", "h0"],
        right_on=["sensor_id", "h0"],
        how="anti",
    )["card_id"]
    hours = hours.filter(~pl.col("card_id").is_in(missing.implode()))
    end = until.astimezone(UTC)
    dirty = (
        hours.select(
            "card_id",
            pl.datetime_ranges("h0", pl.min_horizontal("h1", pl.lit(end)), "1h").alias("hour"),
        )
        .explode("hour")
        .drop_nulls("hour")
        .filter(pl.col("hour") <= end)
        .with_columns(pl.lit(True).alias("resumed"))
    )
    hours = hours.join(
        dirty.group_by("card_id").agg(pl.col("hour").max().alias("h_last")), on="card_id"
    )
    per_sensor = hours.explode("sensors").drop_nulls("sensors")
    starts = conn.execute(
        CONTEXT_STARTS,
        (APPEND_CONTEXT - 1, per_sensor["sensors"].to_list(), per_sensor["h0"].to_list()),
    ).fetchall()
    begin = pl.DataFrame(
        starts,
        schema={
            "sensors": pl.String,
            "h0": pl.Datetime("us", "UTC"),
            "c0": pl.Datetime("us", "UTC"),
        },
        orient="row",
    ).unique(["sensors", "h0"])
    windows = (
        per_sensor.join(begin, on=["sensors", "h0"], how="left")
        .select(
            "card_id",
            pl.lit(0, pl.Int32).alias("run"),
            pl.col("c0").fill_null(pl.lit(FIRST_WATERMARK)).alias("t0"),
            (pl.col("h_last") + timedelta(hours=1) + REACH).alias("t1"),
            pl.concat_list("sensors").alias("sensors"),
            "photo",
            "light",
        )
        .with_columns(((pl.col("t1") - pl.col("t0")).dt.total_hours().clip(1, None)).alias("cost"))
    )
    kept = (
        hours.explode("photo")
        .drop_nulls("photo")
        .select(pl.col("photo").alias("sensor_id"), pl.col("h0").alias("hour"))
    )
    chosen = states.join(kept, on=["sensor_id", "hour"], how="semi")
    return _Appended(dirty, windows, chosen.select(LIGHT_STATE_SCHEMA.keys()).unique("sensor_id"))


def _lamps(
    conn: psycopg.Connection[Any],
    readings: pl.DataFrame,
    light: LightInputs,
    states: pl.DataFrame,
    state_hours: pl.DataFrame,
    p: RollupParams,
) -> LightInputs:
    """The batch's lamps, each meter's walk resumed from its stored state where it has one;
    the states it reached at the batch's dirty hours are stored for the next cycles."""
    photo = readings.filter((pl.col("kind") == 1) & pl.col("lux").is_not_null()).select(
        "sensor_id", "t", "lux"
    )
    if photo.height == 0:
        return light
    sensors = photo["sensor_id"].unique()
    at = state_hours.filter(pl.col("sensor_id").is_in(sensors.implode())).select(
        "sensor_id", "hour"
    )
    cal = light.calibration.select([pl.col(c).cast(t) for c, t in CALIBRATION_SCHEMA.items()])
    lamps, reached = lamp_checkpoints(
        photo,
        cal,
        light.sites,
        at,
        p.light,
        state=states.filter(pl.col("sensor_id").is_in(sensors.implode())),
    )
    with conn.transaction():
        if reached.height:
            conn.execute(
                UPSERT_LIGHT_STATES,
                tuple(
                    reached[c].to_list()
                    for c in ("sensor_id", "hour", "t_prev", "lux_prev", "t", "lux", "lamp_lux")
                ),
            )
            # each meter keeps the states of the two days before its newest one
            keep = reached.group_by("sensor_id").agg(pl.col("hour").max() - LIGHT_STATE_KEEP)
            conn.execute(PURGE_LIGHT_STATES, (keep["sensor_id"].to_list(), keep["hour"].to_list()))
    return LightInputs(light.calibration, light.sites, lamps)


def rollup_cards(
    conn: psycopg.Connection[Any],
    *,
    since: datetime,
    until: datetime,
    cards: Cards = ALL_CARDS,
    params: RollupParams | None = None,
    site: Site = DEFAULT_SITE,
    held: HeldReadings | None = None,
) -> RefreshResult:
    """Recompute the card-hours of ``cards`` that readings received after ``since``, and
    bindings and calibrations changed since, can have changed (hours up to ``until``);
    the readings ``held`` holds are taken from there."""
    p = params or RollupParams()
    lo_hi = {"lo": cards[0], "hi": cards[1], "since": since}
    first = since <= FIRST_WATERMARK
    fresh = pl.DataFrame(schema=_FRESH_SCHEMA)
    if first:
        parts = [_hours(conn, ALL_HOURS, lo_hi)]
    else:
        got = conn.execute(FRESH_READINGS, {**lo_hi, "skip": APPEND_CONTEXT - 1}).fetchall()
        fresh = pl.DataFrame(got, schema=_FRESH_SCHEMA, orient="row")
        touched_hours = fresh.filter(pl.col("hour").is_not_null())
        parts = [touched_hours.select("card_id", pl.col("hour").alias("t"))]
    bindings = conn.execute(CHANGED_BINDINGS, lo_hi).fetchall()
    calibrations = conn.execute(CHANGED_CALIBRATIONS, lo_hi).fetchall()
    if not first:  # on the first run every hour is recomputed: nothing to add
        new_ids = [b[0] for b in bindings if not b[2]]
        moved_ids = [b[0] for b in bindings if b[2]]
        if new_ids:
            parts.append(_hours(conn, NEW_BINDING_HOURS, {"ids": new_ids}))
        if moved_ids:
            parts.append(_hours(conn, MOVED_BINDING_HOURS, {"ids": moved_ids}))
        if calibrations:
            args = {**lo_hi, "sensors": [c[0] for c in calibrations]}
            parts.append(_hours(conn, CALIBRATED_HOURS, args))
    touched = pl.concat(parts).unique()
    ids = touched["card_id"].unique().sort().to_list()
    info = pl.DataFrame(
        conn.execute(CARD_SENSORS, {"cards": ids}).fetchall() if ids else [],
        schema={
            "card_id": pl.Int64,
            "sensors": pl.List(pl.String),
            "light": pl.Boolean,
            "photo": pl.List(pl.String),
        },
        orient="row",
    )
    appended = None
    if not first:
        others = (
            pl.concat(parts[1:])["card_id"].unique()
            if len(parts) > 1
            else pl.Series([], dtype=pl.Int64)
        )
        appended = _appended(conn, fresh, info, others, until)
        touched = touched.filter(~pl.col("card_id").is_in(appended.cards.implode()))
    lit = touched["card_id"].is_in(info.filter(pl.col("light"))["card_id"].implode())
    dirty = pl.concat(
        [
            dirty_hours(touched.filter(lit), p, ahead_h=AHEAD_LIGHT_H),
            dirty_hours(touched.filter(~lit), p, ahead_h=AHEAD_OTHER_H),
        ]
    ).filter(pl.col("hour") <= until.astimezone(UTC))
    dirty, states = _resumable(conn, dirty, info)
    windows = _windows(dirty, info)
    if appended is not None and appended.dirty.height:
        dirty = pl.concat([dirty, appended.dirty], how="vertical_relaxed")
        windows = pl.concat(
            [windows, appended.windows.select(windows.columns)], how="vertical_relaxed"
        )
        states = pl.concat([states, appended.states], how="vertical_relaxed")
    # light states are written at each card's last LIGHT_STATE_HOURS of dirty hours
    state_hours = (
        dirty.filter(pl.col("hour") >= pl.col("hour").max().over("card_id") - LIGHT_STATE_HOURS)
        .join(info.select("card_id", "photo"), on="card_id")
        .explode("photo")
        .drop_nulls("photo")
        .select("card_id", pl.col("photo").alias("sensor_id"), "hour")
    )
    per_card = windows.group_by("card_id").agg(pl.col("cost").sum()).sort("card_id")
    batch_of = per_card.with_columns(
        (pl.col("cost").cum_sum() // BATCH_SENSOR_HOURS).cast(pl.Int64).alias("batch")
    ).select("card_id", "batch")
    baselines = load_baselines(conn, None if cards == ALL_CARDS else cards)
    sensors = None if cards == ALL_CARDS else [r[0] for r in conn.execute(SENSORS_OF_CARDS, cards)]
    light = load_light(conn, site, sensors)
    written = read = 0
    kept: list[pl.DataFrame] = []
    batches = windows.join(batch_of, on="card_id").partition_by("batch", maintain_order=True)
    for part in batches:
        readings = fetch_windows(conn, part, held)
        read += readings.height
        hours = dirty.join(part.select("card_id").unique(), on="card_id", how="semi")
        lamps = _lamps(conn, readings, light, states, state_hours, p)
        rows = _write(conn, hours, hourly_usage(readings, baselines, p, lamps))
        written += rows.height
        kept.append(rows.select(ROLLUP_COLUMNS))
        del readings, lamps
    with conn.transaction():
        if bindings:
            conn.execute(MARK_BINDINGS_SEEN, ([b[0] for b in bindings], [b[1] for b in bindings]))
        if calibrations:
            conn.execute(
                MARK_CALIBRATIONS, ([c[0] for c in calibrations], [c[1] for c in calibrations])
            )
    out = pl.concat(kept) if kept else None
    return RefreshResult(dirty.height, written, read, since, dirty.select("card_id", "hour"), out)


def refresh_rollups(
    conn: psycopg.Connection[Any],
    *,
    params: RollupParams | None = None,
    lag: timedelta = timedelta(minutes=5),
    site: Site = DEFAULT_SITE,
) -> RefreshResult:
    """Bring ``usage_hourly`` up to date with every reading received so far (all cards, in
    this process; ``db.slices`` spreads the same work over workers)."""
    conn.execute("select pg_advisory_lock(%s)", (_LOCK_KEY,))
    try:
        started = conn.execute(JOB_START).fetchone()[0]  # type: ignore[index]
        since = conn.execute(READ_WATERMARK, (WATERMARK,)).fetchone()[0]  # type: ignore[index]
        r = rollup_cards(conn, since=since, until=started, params=params, site=site)
        new_mark = started - lag
        conn.execute(SET_WATERMARK, (new_mark, WATERMARK))
    finally:
        conn.execute("select pg_advisory_unlock(%s)", (_LOCK_KEY,))
    log.info(
        "rollups refreshed", card_hours=r.card_hours, rows=r.rows_written, readings=r.readings_read
    )
    return RefreshResult(r.card_hours, r.rows_written, r.readings_read, new_mark)
