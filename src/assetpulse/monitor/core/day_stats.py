"""Day summaries (日摘要): what the baselines and a light meter's calibration need of one UTC
day of a sensor's readings, so that the day's first run learns from the days it has not
summarised yet (yesterday's last hours, today so far) and the summaries it keeps, instead
of from fourteen days of raw readings.

Both take quantiles (the dark floor, the noise, daylight's sway, the ambient light and
temperature at each hour of day), which no bounded state updates exactly; a summary keeps
each quantity's histogram instead: values below 100 to 0.1 (what meters and thermometers
report: exact there), larger ones in bins 1 % wide. A quantile of the merged histograms is
the nearest-rank one of the readings (polars' default), to 0.1 below 100 and 1 % above.
The period is the median of the sample gaps to 0.1 s; the lamp steps are kept as found
(each day walked with the meter's present noise and period, the readings an hour either
side included so that a step across midnight is found whole) and chosen as ``calibrate``
chooses them. Days are UTC days, as ``calibrate``'s (its ``day`` and days off).

Pure polars; the refresh job stores the summaries (``sensor_day_stats``,
``sensor_day_steps``).
"""

from __future__ import annotations

import math
from datetime import date, timedelta

import polars as pl

from assetpulse.monitor.core.baselines import LUX_QUANTILE, MIN_SAMPLES, TEMP_QUANTILE
from assetpulse.monitor.core.detectors.light import (
    CALIBRATION_SCHEMA,
    SWAY_BINS,
    LightParams,
    _runs,
    calibration_from,
    fill_sway,
    prepare,
    sway_bin,
)
from assetpulse.monitor.core.rollup import BASELINE_SCHEMA, PHOTO, TEMP, local_hour_of_day

STAT_SCHEMA: dict[str, pl.DataType | type[pl.DataType]] = {
    "sensor_id": pl.String,
    "day": pl.Date,
    "stat": pl.Int16,
    "code": pl.Int32,
    "n": pl.Int64,
}
STEP_SCHEMA: dict[str, pl.DataType | type[pl.DataType]] = {
    "sensor_id": pl.String,
    "day": pl.Date,
    "t": pl.Datetime("us", "UTC"),
    "step": pl.Float64,
    "step_end_lux": pl.Float64,
    "step_holds": pl.Boolean,
    "step_dark": pl.Boolean,
}
# what a stat row counts
DARK_LUX, ALL_LUX, DARK_CHANGE, ALL_CHANGE, GAP = 1, 2, 3, 4, 5
SWAY_AT = 10  # + brightness class: |change| by day (daylight's sway)
LUX_AT, TEMP_AT, ROWS_AT = 100, 200, 300  # + local hour of day (baselines)
EXACT = 1000  # codes below this are tenths; above, bins 1 % wide from 100 up
MARGIN = timedelta(hours=1)  # readings either side of a day that its steps need


def code(v: pl.Expr) -> pl.Expr:
    a = v.abs()
    tenths = (a * 10).round()
    wide = pl.max_horizontal(
        pl.lit(EXACT, pl.Float64), EXACT + ((a / 100).log() / math.log(1.01)).floor()
    )
    c = pl.when(tenths < EXACT).then(tenths).otherwise(wide)
    return pl.when(v < 0).then(-c - 1).otherwise(c).cast(pl.Int32)


def value(c: pl.Expr) -> pl.Expr:
    m = pl.when(c < 0).then(-c - 1).otherwise(c).cast(pl.Float64)
    a = pl.when(m < EXACT).then(m / 10).otherwise(100 * 1.01 ** (m - EXACT + 0.5))
    return pl.when(c < 0).then(-a).otherwise(a)


def _hist(frame: pl.DataFrame, stat: pl.Expr, v: pl.Expr, keep: pl.Expr) -> pl.DataFrame:
    return (
        frame.filter(keep & v.is_not_null())
        .group_by("sensor_id", "day", stat.cast(pl.Int16).alias("stat"), code(v).alias("code"))
        .agg(pl.len().cast(pl.Int64).alias("n"))
        .select(STAT_SCHEMA.keys())
    )


def quantiles(stats: pl.DataFrame, q: float, name: str) -> pl.DataFrame:
    """Per ``sensor_id, stat``: the nearest-rank ``q`` quantile of the merged histograms
    (``name``) and how many values they hold (``{name}_n``)."""
    keys = ["sensor_id", "stat"]
    h = (
        stats.group_by(*keys, "code")
        .agg(pl.col("n").sum())
        .sort(*keys, "code")
        .with_columns(
            pl.col("n").cum_sum().over(keys).alias("cum"), pl.col("n").sum().over(keys).alias("tot")
        )
    )
    rank = (q * (pl.col("tot") - 1) + 0.5).floor()
    return (
        h.filter(pl.col("cum") > rank)
        .group_by(keys)
        .agg(pl.col("code").first(), pl.col("tot").first().alias(f"{name}_n"))
        .select(*keys, value(pl.col("code")).alias(name), f"{name}_n")
    )


def summarise(
    readings: pl.DataFrame,
    sites: pl.DataFrame,
    reference: pl.DataFrame,
    days: tuple[date, date],
    params: LightParams | None = None,
    *,
    learned: tuple[pl.DataFrame, pl.DataFrame] | None = None,
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Day summaries (``STAT_SCHEMA`` rows, ``STEP_SCHEMA`` rows) of the UTC days
    ``days[0]`` … ``days[1]`` from ``readings`` (``sensor_id, t, kind, lux, temp_c``, those
    days and ``MARGIN`` either side). ``reference``: the meters' present calibrations —
    their noise and period decide which changes make a step, as in ``calibrate``; a meter
    without one walks by its readings' own. ``learned``: the light readings as
    ``calibrate`` prepared them and the steps it found (``light.calibrate_parts``), when
    ``reference`` was just learned from these same readings: not walked again."""
    p = params or LightParams()
    in_days = pl.col("t").dt.date().is_between(days[0], days[1])
    base = readings.filter(pl.col("kind").is_in([PHOTO, TEMP])).with_columns(
        pl.col("t").dt.date().alias("day"), local_hour_of_day("t").alias("h")
    )
    base = base.filter(in_days)
    parts = [
        _hist(base, LUX_AT + pl.col("h"), pl.col("lux"), pl.lit(True)),
        _hist(base, TEMP_AT + pl.col("h"), pl.col("temp_c"), pl.lit(True)),
        _hist(base, ROWS_AT + pl.col("h"), pl.col("h").cast(pl.Float64) * 0, pl.lit(True)),
    ]
    photo = readings.filter((pl.col("kind") == PHOTO) & pl.col("lux").is_not_null())
    steps = pl.DataFrame(schema=STEP_SCHEMA)
    if photo.height:
        ref = reference.select([pl.col(c).cast(t) for c, t in CALIBRATION_SCHEMA.items()])
        r = (
            learned[0]
            if learned is not None
            else prepare(photo, sites, p, ref.select("sensor_id", "period_s"))
        )
        own = r.group_by("sensor_id").agg(
            pl.col("dt").filter(pl.col("dt").is_finite()).median().alias("own_period"),
            (
                pl.col("d").abs().filter(pl.col("dark") & (pl.col("dt") < 3600)).quantile(0.95) / 2
            ).alias("own_noise"),
        )
        r = (
            r.join(ref.select("sensor_id", "noise", "period_s"), on="sensor_id", how="left")
            .join(own, on="sensor_id", how="left")
            .with_columns(
                pl.coalesce("period_s", "own_period", pl.lit(p.default_period_s)).alias("period_s"),
                pl.coalesce("noise", "own_noise", pl.lit(0.0)).alias("noise"),
                pl.col("t").dt.date().alias("day"),
            )
            .sort("sensor_id", "t")
        )
        dark, dt, change = pl.col("dark"), pl.col("dt"), pl.col("d").abs()
        kept = r.filter(in_days)
        by_day = ~dark & (dt <= 2.5 * pl.col("period_s"))
        low = pl.min_horizontal("lux", pl.col("lux") - pl.col("d"))
        parts += [
            _hist(kept, pl.lit(DARK_LUX), pl.col("lux"), dark),
            _hist(kept, pl.lit(ALL_LUX), pl.col("lux"), pl.lit(True)),
            _hist(kept, pl.lit(DARK_CHANGE), change, dark & (dt < 3600)),
            _hist(kept, pl.lit(ALL_CHANGE), change, pl.lit(True)),
            _hist(kept, pl.lit(GAP), dt, dt.is_finite()),
            _hist(kept, SWAY_AT + sway_bin(low), change, by_day),
        ]
        span = pl.max_horizontal(pl.lit(p.step_span_s), 2.2 * pl.col("period_s"))
        cand = pl.max_horizontal(pl.lit(p.min_step_lux), p.noise_k * pl.col("noise"))
        found = (learned[1] if learned is not None else _runs(r, cand, span)).filter(
            in_days & (pl.col("step").abs() >= p.min_step_lux)
        )
        steps = found.with_columns(pl.col("t").dt.date().alias("day")).select(STEP_SCHEMA.keys())
    return pl.concat(parts).select(STAT_SCHEMA.keys()), steps


def learn(
    stats: pl.DataFrame, steps: pl.DataFrame, params: LightParams | None = None
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Calibrations (``CALIBRATION_SCHEMA``, of the sensors with light statistics) and
    baselines (``BASELINE_SCHEMA``) from the day summaries of the days to learn from."""
    p = params or LightParams()
    q = {
        "dark_floor": (DARK_LUX, 0.05),
        "any_floor": (ALL_LUX, 0.02),
        "dark_noise": (DARK_CHANGE, 0.95),
        "any_noise": (ALL_CHANGE, 0.5),
        "period_s": (GAP, 0.5),
    }
    sensors = stats.filter(pl.col("stat") == ALL_LUX).select("sensor_id").unique()
    light = sensors
    for name, (stat, quantile) in q.items():
        got = quantiles(stats.filter(pl.col("stat") == stat), quantile, name).select(
            "sensor_id", name
        )
        light = light.join(got, on="sensor_id", how="left")
    extra = (
        stats.filter(pl.col("stat") == ALL_LUX)
        .group_by("sensor_id")
        .agg(pl.col("n").sum().alias("samples"))
        .join(
            stats.filter((pl.col("stat") == ALL_CHANGE) & (pl.col("code") > 0))
            .group_by("sensor_id")
            .agg(value(pl.col("code").min()).alias("resolution")),
            on="sensor_id",
            how="left",
        )
    )
    cal_stats = (
        light.join(extra, on="sensor_id", how="left")
        .with_columns(
            pl.coalesce("dark_floor", "any_floor").clip(0.0, p.dark_floor_max_lux).alias("floor"),
            pl.max_horizontal(
                pl.coalesce(pl.col("dark_noise") / 2, pl.col("any_noise") / 2), "resolution"
            )
            .fill_null(0.0)
            .alias("noise"),
            pl.col("period_s").fill_null(p.default_period_s),
        )
        .select("sensor_id", "floor", "noise", "period_s", "samples")
    )
    sway = _sway(stats, sensors, p)
    cal = (
        calibration_from(cal_stats, steps, sway, p)
        if cal_stats.height
        else pl.DataFrame(schema=CALIBRATION_SCHEMA)
    )
    return cal, _baselines(stats)


def _sway(stats: pl.DataFrame, sensors: pl.DataFrame, p: LightParams) -> pl.DataFrame:
    """``light._sway`` from the days' histograms: days off alone where there are two."""
    s = stats.filter(pl.col("stat").is_between(SWAY_AT, SWAY_AT + SWAY_BINS - 1)).with_columns(
        (pl.col("day").dt.weekday() >= 6).alias("off")
    )
    off_days = s.filter("off").group_by("sensor_id").agg(pl.col("day").n_unique().alias("n_off"))
    s = s.join(off_days, on="sensor_id", how="left").filter(
        ~(pl.col("n_off").fill_null(0) >= 2) | pl.col("off")
    )
    table = (
        quantiles(s.select(STAT_SCHEMA.keys()), 0.9, "q")
        .filter(pl.col("q_n") >= p.sway_min_samples)
        .select(
            "sensor_id", (pl.col("stat") - SWAY_AT).cast(pl.Int32).alias("bin"), pl.col("q") * 3
        )
    )
    grid = sensors.join(
        pl.DataFrame({"bin": list(range(SWAY_BINS))}, schema={"bin": pl.Int32}), how="cross"
    )
    return fill_sway(
        grid.join(table, on=["sensor_id", "bin"], how="left")
        .sort("sensor_id", "bin")
        .group_by("sensor_id", maintain_order=True)
        .agg(pl.col("q").fill_null(0.0).alias("sway"))
    )


def _baselines(stats: pl.DataFrame) -> pl.DataFrame:
    """``baselines.sensor_baselines`` from the days' histograms."""
    at = stats.filter(pl.col("stat") >= LUX_AT)
    lux = quantiles(at.filter(pl.col("stat") < TEMP_AT), LUX_QUANTILE, "lux_base")
    temp = quantiles(
        at.filter(pl.col("stat").is_between(TEMP_AT, ROWS_AT - 1)), TEMP_QUANTILE, "temp_base"
    )
    rows = (
        at.filter(pl.col("stat") >= ROWS_AT)
        .group_by("sensor_id", (pl.col("stat") - ROWS_AT).alias("hour_of_day"))
        .agg(pl.col("n").sum())
        .filter(pl.col("n") >= MIN_SAMPLES)
    )
    return (
        rows.join(
            lux.select("sensor_id", (pl.col("stat") - LUX_AT).alias("hour_of_day"), "lux_base"),
            on=["sensor_id", "hour_of_day"],
            how="left",
        )
        .join(
            temp.select("sensor_id", (pl.col("stat") - TEMP_AT).alias("hour_of_day"), "temp_base"),
            on=["sensor_id", "hour_of_day"],
            how="left",
        )
        .select([pl.col(c).cast(t) for c, t in BASELINE_SCHEMA.items()])
        .sort("sensor_id", "hour_of_day")
    )
