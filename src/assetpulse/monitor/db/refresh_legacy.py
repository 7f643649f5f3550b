"""The refresh job as it was before issue 12, kept selectable (``assetpulse analyse --legacy``)
so that ``bench/monitor.py`` measures it beside the sliced one in the same run.

Rollup refresh job (小时汇总刷新) on plain PostgreSQL: changed hours only, whole hours.

Finds the card-hours touched by readings received since the watermark (BRIN index on
``readings.received_at``), fetches the readings those hours depend on, recomputes them with
the pure ``rollup.hourly_usage`` and replaces them in one transaction. The watermark then
moves to the job's start minus ``lag`` so that a reading committed by a transaction that
began before the job started is still seen next time; recomputing an hour twice is
harmless because a whole hour is always rebuilt from all of its readings.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import polars as pl
import psycopg
import structlog

from assetpulse.monitor.core.baselines import sensor_baselines
from assetpulse.monitor.core.detectors.light import CALIBRATION_SCHEMA, calibrate
from assetpulse.monitor.core.detectors.sun import SITE_SCHEMA
from assetpulse.monitor.core.rollup import (
    BASELINE_SCHEMA,
    READING_SCHEMA,
    ROLLUP_COLUMNS,
    LightInputs,
    RollupParams,
    dirty_hours,
    hourly_usage,
)

log = structlog.get_logger(__name__)

WATERMARK = "usage_hourly"
_LOCK_KEY = 0x6D6F6E31  # "mon1": one refresher at a time
# Readings around a dirty hour that can change it: ahead, 2 h + hold; behind, back to the
# previous night, where a light meter's lamp state is known from its level alone.
REACH = timedelta(hours=3)
REACH_BACK = timedelta(hours=24)

JOB_START = "select now()"
READ_WATERMARK = "select watermark from monitor_watermarks where name = %s"
SET_WATERMARK = """
update monitor_watermarks set watermark = greatest(watermark, %s), updated_at = now()
where name = %s
"""
# flags bit 0: the sample time is in the future (clock skew); such times cannot be placed.
TOUCHED_HOURS = """
select distinct b.card_id, date_trunc('hour', r.t) as t
from readings r
join sensor_bindings b on b.sensor_id = r.sensor_id and b.valid @> r.t
where r.received_at > %(since)s and r.flags & 1 = 0
union
-- a sensor bound to a card since the last run brings its stored history with it
select b.card_id, date_trunc('hour', r.t)
from sensor_bindings b
join readings r on r.sensor_id = b.sensor_id and b.valid @> r.t
where b.created_at > %(since)s and r.flags & 1 = 0
union
-- a binding closed or moved since (back-dated): its card's hours from the binding's start,
-- including those its readings no longer count for
select b.card_id, date_trunc('hour', r.t)
from sensor_bindings b
join readings r on r.sensor_id = b.sensor_id and r.t >= lower(b.valid)
where b.updated_at > %(since)s and b.updated_at > b.created_at and r.flags & 1 = 0
union
-- a light meter whose calibration changed since: the hours it was learned over
select b.card_id, date_trunc('hour', r.t)
from sensor_light_calibration c
join sensor_bindings b on b.sensor_id = c.sensor_id
join readings r on r.sensor_id = c.sensor_id and b.valid @> r.t
    and r.t >= c.learned_from and r.t < c.learned_to
where c.updated_at > %(since)s and r.flags & 1 = 0
"""
FETCH_READINGS = """
copy (
    select b.card_id, r.sensor_id, (extract(epoch from r.t) * 1000000)::bigint, r.kind,
           r.on_state, r.lux, r.on_ms, r.cyc, r.temp_c, r.lat, r.lon, r.acc, r.zone
    from sensor_bindings b
    join readings r on r.sensor_id = b.sensor_id and b.valid @> r.t
    where b.card_id = any({cards}) and r.t >= {t0} and r.t < {t1} and r.flags & 1 = 0
) to stdout (format csv)
"""
FETCH_FOR_BASELINES = """
copy (
    select r.sensor_id, (extract(epoch from r.t) * 1000000)::bigint, r.kind, r.lux, r.temp_c
    from readings r
    where r.kind in (1, 2) and r.t >= {t0} and r.t < {t1} and r.flags & 1 = 0
) to stdout (format csv)
"""
DELETE_HOURS = """
delete from usage_hourly u
using unnest(%s::bigint[], %s::timestamptz[]) as d(card_id, hour)
where u.card_id = d.card_id and u.hour = d.hour
"""
COPY_ROLLUP = f"copy usage_hourly ({', '.join(ROLLUP_COLUMNS)}) from stdin"
LOAD_BASELINES = "select sensor_id, hour_of_day, lux_base, temp_base from sensor_baselines"
UPSERT_BASELINE = """
insert into sensor_baselines (sensor_id, hour_of_day, lux_base, temp_base)
select s, h, l, t from unnest(%s::text[], %s::smallint[], %s::real[], %s::real[]) as x(s, h, l, t)
where exists (select 1 from sensors where sensor_id = s)
on conflict (sensor_id, hour_of_day) do update
set lux_base = excluded.lux_base, temp_base = excluded.temp_base, updated_at = now()
"""


LOAD_SITES = """
select sensor_id, coalesce(lat, %(lat)s), coalesce(lon, %(lon)s) from sensors where kind = 'photo'
"""
LOAD_CALIBRATION = """
select sensor_id, floor, noise, levels::float8[], sway::float8[], period_s, dark_steps, samples
from sensor_light_calibration
"""
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


def copy_csv(conn: psycopg.Connection[Any], query: str, args: dict[str, Any]) -> bytes:
    """COPY … TO STDOUT with client-side bound literals (COPY takes no server parameters)."""
    stmt = psycopg.sql.SQL(query).format(**{k: psycopg.sql.Literal(v) for k, v in args.items()})
    buf = io.BytesIO()
    with conn.cursor() as cur, cur.copy(stmt) as copy:
        for chunk in copy:
            buf.write(chunk)
    return buf.getvalue()


def fetch_readings(
    conn: psycopg.Connection[Any], cards: list[int], t0: datetime, t1: datetime
) -> pl.DataFrame:
    """Readings of every sensor bound to ``cards`` in [t0, t1), as the rollup wants them."""
    data = copy_csv(conn, FETCH_READINGS, {"cards": cards, "t0": t0, "t1": t1})
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


Site = tuple[float, float]
DEFAULT_SITE: Site = (20.04, 110.34)  # settings.site_lat / site_lon: Haikou


def load_light(conn: psycopg.Connection[Any], site: Site) -> LightInputs:
    """Every light meter's stored calibration and place (the site where it has none)."""
    sites = pl.DataFrame(
        conn.execute(LOAD_SITES, {"lat": site[0], "lon": site[1]}).fetchall(),
        schema=SITE_SCHEMA,
        orient="row",
    )
    cal = pl.DataFrame(
        conn.execute(LOAD_CALIBRATION).fetchall(), schema=CALIBRATION_SCHEMA, orient="row"
    )
    return LightInputs(cal, sites)


def refresh_light_calibration(
    conn: psycopg.Connection[Any], readings: pl.DataFrame, *, t0: datetime, t1: datetime, site: Site
) -> int:
    """Learn each light meter's floor, noise and lamps from its readings in [t0, t1)."""
    photo = readings.filter((pl.col("kind") == 1) & pl.col("lux").is_not_null())
    if photo.height == 0:
        return 0
    cal = calibrate(photo.select("sensor_id", "t", "lux"), load_light(conn, site).sites)
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


def load_baselines(conn: psycopg.Connection[Any]) -> pl.DataFrame:
    rows = conn.execute(LOAD_BASELINES).fetchall()
    return pl.DataFrame(rows, schema=BASELINE_SCHEMA, orient="row")


def refresh_baselines(
    conn: psycopg.Connection[Any],
    *,
    until: datetime,
    days: int = 14,
    site: Site = DEFAULT_SITE,
) -> int:
    """Recompute every sensor's ambient baselines, and every light meter's calibration,
    from ``days`` days before ``until``."""
    t0 = until - timedelta(days=days)
    data = copy_csv(conn, FETCH_FOR_BASELINES, {"t0": t0, "t1": until})
    if not data:
        return 0
    r = pl.read_csv(
        data,
        has_header=False,
        new_columns=["sensor_id", "t", "kind", "lux", "temp_c"],
        # lux and temp_c spelled out: polars would guess integers from whole first values
        schema_overrides={
            "sensor_id": pl.String,
            "t": pl.Int64,
            "kind": pl.Int16,
            "lux": pl.Float64,
            "temp_c": pl.Float64,
        },
    ).with_columns(pl.from_epoch("t", time_unit="us").dt.replace_time_zone("UTC"))
    refresh_light_calibration(conn, r, t0=t0, t1=until, site=site)
    b = sensor_baselines(r)
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


def _write(conn: psycopg.Connection[Any], dirty: pl.DataFrame, rollup: pl.DataFrame) -> int:
    """Replace the dirty card-hours with the recomputed ones, atomically."""
    keep = rollup.join(dirty, on=["card_id", "hour"], how="semi")
    with conn.transaction():
        conn.execute(DELETE_HOURS, (dirty["card_id"].to_list(), dirty["hour"].to_list()))
        with conn.cursor() as cur, cur.copy(COPY_ROLLUP) as copy:
            for row in keep.iter_rows():
                copy.write_row(row)
    return keep.height


def refresh_rollups(
    conn: psycopg.Connection[Any],
    *,
    params: RollupParams | None = None,
    lag: timedelta = timedelta(minutes=5),
    site: Site = DEFAULT_SITE,
) -> RefreshResult:
    """Bring ``usage_hourly`` up to date with every reading received so far."""
    p = params or RollupParams()
    conn.execute("select pg_advisory_lock(%s)", (_LOCK_KEY,))
    try:
        started = conn.execute(JOB_START).fetchone()[0]  # type: ignore[index]
        since = conn.execute(READ_WATERMARK, (WATERMARK,)).fetchone()[0]  # type: ignore[index]
        touched = pl.DataFrame(
            conn.execute(TOUCHED_HOURS, {"since": since}).fetchall(),
            schema={"card_id": pl.Int64, "t": pl.Datetime("us", "UTC")},
            orient="row",
        )
        # a lamp switched on carries forward until the next dark hours: up to a day ahead,
        # never past the job's start (later hours have no readings yet)
        dirty = dirty_hours(touched, p, ahead_h=24).filter(
            pl.col("hour") <= started.astimezone(UTC)
        )
        baselines = load_baselines(conn)
        light = load_light(conn, site)
        written = read = 0
        # one batch per UTC day of dirty hours: bounded memory, few round trips
        for (day,), part in dirty.group_by(pl.col("hour").dt.truncate("1d"), maintain_order=True):
            assert isinstance(day, datetime)
            cards = part["card_id"].unique().sort().to_list()
            t0, t1 = day - REACH_BACK, day + timedelta(days=1) + REACH
            readings = fetch_readings(conn, cards, t0, t1)
            read += readings.height
            written += _write(conn, part, hourly_usage(readings, baselines, p, light))
        new_mark = started - lag
        conn.execute(SET_WATERMARK, (new_mark, WATERMARK))
    finally:
        conn.execute("select pg_advisory_unlock(%s)", (_LOCK_KEY,))
    log.info("rollups refreshed", card_hours=dirty.height, rows=written, readings=read)
    return RefreshResult(dirty.height, written, read, new_mark)
