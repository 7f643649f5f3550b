"""Per-sensor ambient baselines (环境基线): what daylight and the weather alone give.

For every sensor and local hour of day: a low quantile of its light level (the daylight on
a dull day, lamps off) and of its temperature (ambient, machine cold). Days without use
are common enough (weekends, holidays) that a low quantile over two weeks finds them.
Pure polars; the refresh job stores the result in ``sensor_baselines``.
"""

from __future__ import annotations

import polars as pl

from assetpulse.monitor.core.engine import ENGINE
from assetpulse.monitor.core.rollup import BASELINE_SCHEMA, PHOTO, TEMP, local_hour_of_day

LUX_QUANTILE = 0.1
TEMP_QUANTILE = 0.05
MIN_SAMPLES = 20  # fewer samples at an hour of day: no baseline (the rules fall back)


def sensor_baselines(readings: pl.LazyFrame | pl.DataFrame) -> pl.DataFrame:
    """``sensor_id, hour_of_day, lux_base, temp_base`` from readings (sensor_id, t, kind, …)."""
    r = readings.lazy().filter(pl.col("kind").is_in([PHOTO, TEMP]))
    return (
        r.with_columns(local_hour_of_day("t").alias("hour_of_day"))
        .group_by("sensor_id", "hour_of_day")
        .agg(
            pl.col("lux").drop_nulls().quantile(LUX_QUANTILE).alias("lux_base"),
            pl.col("temp_c").drop_nulls().quantile(TEMP_QUANTILE).alias("temp_base"),
            pl.len().alias("n"),
        )
        .filter(pl.col("n") >= MIN_SAMPLES)
        .select([pl.col(c).cast(t) for c, t in BASELINE_SCHEMA.items()])
        .sort("sensor_id", "hour_of_day")
        .collect(engine=ENGINE)
    )
