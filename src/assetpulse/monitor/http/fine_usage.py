"""Usage by the minute or the quarter hour (按分钟、按15分钟): computed from the readings.

The hourly rollup is the stored view; finer buckets come straight from the card's readings
through the same pure core (``rollup.usage_by_bucket``) with the meters' stored
calibration, so a minute here and an hour in ``usage_hourly`` can never disagree on what
counted. The readings reach back a day before ``from`` (a lamp switched on in the morning is
still on in the afternoon) and an hour past ``to``.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import polars as pl
from psycopg import AsyncConnection

from assetpulse.monitor.core.detectors.light import CALIBRATION_SCHEMA
from assetpulse.monitor.core.detectors.sun import SITE_SCHEMA
from assetpulse.monitor.core.rollup import (
    BASELINE_SCHEMA,
    READING_SCHEMA,
    LightInputs,
    usage_by_bucket,
)

CONTEXT_BEFORE = timedelta(hours=24)
CONTEXT_AFTER = timedelta(hours=1)
CARD_READINGS = """
select b.card_id, r.sensor_id, r.t, r.kind, r.on_state, r.lux, r.on_ms, r.cyc, r.temp_c,
       r.lat, r.lon, r.acc, r.zone
from sensor_bindings b
join readings r on r.sensor_id = b.sensor_id and b.valid @> r.t
where b.card_id = %(card)s and r.t >= %(t0)s and r.t < %(t1)s and r.flags & 1 = 0
"""
CARD_SITES = """
select s.sensor_id, coalesce(s.lat, %(lat)s), coalesce(s.lon, %(lon)s)
from sensors s join sensor_bindings b on b.sensor_id = s.sensor_id
where b.card_id = %(card)s and s.kind = 'photo'
"""
CARD_CALIBRATION = """
select c.sensor_id, c.floor, c.noise, c.levels::float8[], c.sway::float8[], c.period_s,
       c.dark_steps, c.samples
from sensor_light_calibration c join sensor_bindings b on b.sensor_id = c.sensor_id
where b.card_id = %(card)s
"""
CARD_BASELINES = """
select sb.sensor_id, sb.hour_of_day, sb.lux_base, sb.temp_base
from sensor_baselines sb join sensor_bindings b on b.sensor_id = sb.sensor_id
where b.card_id = %(card)s
"""
SIGNALS = ("photo", "temp", "loc")


def coverage_by_signal(bucket: dict[str, Any]) -> dict[str, float]:
    """``{signal: coverage}`` of a bucket's ``<signal>_coverage`` columns that are known."""
    return {k: bucket[f"{k}_coverage"] for k in SIGNALS if bucket[f"{k}_coverage"] is not None}


async def _frame(
    conn: AsyncConnection[Any],
    query: str,
    args: dict[str, Any],
    schema: dict[str, pl.DataType | type[pl.DataType]],
) -> pl.DataFrame:
    cur = await conn.execute(query, args)
    return pl.DataFrame(await cur.fetchall(), schema=schema, orient="row")


async def fine_usage(
    conn: AsyncConnection[Any],
    card_id: int,
    *,
    start: datetime,
    end: datetime,
    bucket_s: int,
    site: tuple[float, float],
) -> list[dict[str, Any]]:
    """Buckets of ``bucket_s`` in [start, end) for one card, with coverage per sensor."""
    args = {"card": card_id, "t0": start - CONTEXT_BEFORE, "t1": end + CONTEXT_AFTER}
    readings = await _frame(conn, CARD_READINGS, args, READING_SCHEMA)
    sites = await _frame(
        conn, CARD_SITES, {"card": card_id, "lat": site[0], "lon": site[1]}, SITE_SCHEMA
    )
    cal = await _frame(conn, CARD_CALIBRATION, {"card": card_id}, CALIBRATION_SCHEMA)
    baselines = await _frame(conn, CARD_BASELINES, {"card": card_id}, BASELINE_SCHEMA)
    cards, sensors = usage_by_bucket(
        readings, baselines, light=LightInputs(cal, sites), bucket_s=bucket_s
    )
    step = timedelta(seconds=bucket_s)
    first = datetime.fromtimestamp(start.timestamp() // bucket_s * bucket_s, start.tzinfo)
    grid = pl.DataFrame(
        {"hour": pl.datetime_range(first, end - timedelta(microseconds=1), step, eager=True)}
    ).with_columns(pl.col("hour").dt.convert_time_zone("UTC").dt.cast_time_unit("us"))
    per_sensor = sensors.group_by("hour").agg(pl.struct("sensor_id", "coverage").alias("by_sensor"))
    rows = (
        grid.join(cards, on="hour", how="left")
        .join(per_sensor, on="hour", how="left")
        .sort("hour")
        .to_dicts()
    )
    out = []
    for r in rows:
        by_sensor = {x["sensor_id"]: round(x["coverage"], 4) for x in r["by_sensor"] or []}
        loc_cov = r["loc_coverage"]
        moving = r["moving_s"] or 0.0
        out.append(
            {
                "start": max(r["hour"], start),
                "end": min(r["hour"] + step, end),
                "in_use_s": r["in_use_s"] or 0.0,
                "sessions": r["sessions"] or 0,
                "temp_mean": r["temp_mean"],
                "temp_max": r["temp_max"],
                "temp_rise": r["temp_rise"],
                "distance_m": r["distance_m"] or 0.0,
                "moving_s": moving,
                "moved": None if loc_cov is None else moving > 0,
                "lat": r["lat"],
                "lon": r["lon"],
                "zones": r["zones"] or [],
                "samples": r["samples"] or 0,
                "coverage": r["coverage"] or 0.0,
                "coverage_by_signal": coverage_by_signal(r),
                "coverage_by_sensor": by_sensor,
            }
        )
    return out
