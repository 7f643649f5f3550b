"""Hourly usage rollup (使用时长小时汇总): raw readings of bound sensors → one row per card-hour.

Pure polars, no I/O. Every reading closes the interval since the previous reading of the
same sensor on the same card; the interval is credited to the hours it overlaps. So an
hour's figures depend only on readings inside ``[hour - max_gap, hour + 1 h)``: recomputing
whole hours from the stored readings gives the same rollup whatever order or how late
the readings arrived (the refresh job relies on that).

In use (在用) per photo sensor:
- counters first: ``on_ms`` deltas are the on-time itself, even across a lost message; a
  negative delta is a reboot (the counter restarted from zero), so the new value is the
  on-time since the reboot — usage is neither invented nor lost;
- else the ``on`` flag, held until the next sample;
- else light: ``lux`` above the sensor's daylight baseline for that local hour of day
  (a sunlit room is not in use), or a temperature rise where the card has a thermometer.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import polars as pl

PHOTO, TEMP, LOC = 1, 2, 3
HOUR_US = 3_600_000_000
CHINA_OFFSET = timedelta(hours=8)  # no daylight saving in China: a fixed offset is exact

READING_SCHEMA: dict[str, pl.DataType | type[pl.DataType]] = {
    "card_id": pl.Int64,
    "sensor_id": pl.String,
    "t": pl.Datetime("us", "UTC"),
    "kind": pl.Int16,
    "on_state": pl.Boolean,
    "lux": pl.Float64,
    "on_ms": pl.Int64,
    "cyc": pl.Int64,
    "temp_c": pl.Float64,
    "lat": pl.Float64,
    "lon": pl.Float64,
    "acc": pl.Float64,
    "zone": pl.String,
}

BASELINE_SCHEMA: dict[str, pl.DataType | type[pl.DataType]] = {
    "sensor_id": pl.String,
    "hour_of_day": pl.Int16,
    "lux_base": pl.Float64,
    "temp_base": pl.Float64,
}

ROLLUP_COLUMNS = (
    "card_id",
    "hour",
    "in_use_s",
    "sessions",
    "temp_mean",
    "temp_max",
    "temp_rise",
    "distance_m",
    "zones",
    "samples",
    "coverage",
)


@dataclass(frozen=True, slots=True)
class RollupParams:
    """Knobs of the rollup; defaults suit sensors that report every few minutes."""

    hold_s: float = 900.0  # a sample speaks for at most this long (longer: a data gap)
    counter_gap_s: float = 3600.0  # counters bridge gaps up to this long (lost messages)
    lux_margin: float = 80.0  # lux above the daylight baseline that means lamps are on
    lux_ratio: float = 1.2  # … and at least this multiple of the baseline
    lamp_warmth: float = 1.2  # °C a lit, occupied room is warmer than its ambient
    warming_step: float = 0.4  # °C between two thermometer samples: warming up / cooling
    temp_rise_on: float = 3.0  # °C over ambient that means a machine is running
    jitter_floor_m: float = 15.0  # position steps below max(this, 2 × accuracy) are noise

    def __post_init__(self) -> None:
        # an interval may straddle at most two hours (see _split_by_hour, dirty_hours)
        if not 0 < self.hold_s <= 3600 or not 0 < self.counter_gap_s <= 3600:
            raise ValueError("hold_s and counter_gap_s must lie in (0, 3600] seconds")

    @property
    def max_gap_s(self) -> float:
        """How far a reading's influence reaches forward (sets the refresh's dirty hours)."""
        return max(self.hold_s, self.counter_gap_s)


def empty_readings() -> pl.DataFrame:
    return pl.DataFrame(schema=READING_SCHEMA)


def empty_baselines() -> pl.DataFrame:
    return pl.DataFrame(schema=BASELINE_SCHEMA)


def local_hour_of_day(col: str) -> pl.Expr:
    return (pl.col(col) + CHINA_OFFSET).dt.hour().cast(pl.Int16)


def _haversine_m(lat1: pl.Expr, lon1: pl.Expr, lat2: pl.Expr, lon2: pl.Expr) -> pl.Expr:
    r = 6_371_000.0
    p1, p2 = lat1.radians(), lat2.radians()
    dp, dl = (lat2 - lat1).radians(), (lon2 - lon1).radians()
    a = (dp / 2).sin().pow(2) + p1.cos() * p2.cos() * (dl / 2).sin().pow(2)
    return 2 * r * a.sqrt().clip(0.0, 1.0).arcsin()


def _with_room_warmth(r: pl.LazyFrame, p: RollupParams) -> pl.LazyFrame:
    """Each photo sample gets, from the card's nearest thermometer sample, the rise over
    ambient (``warmth``) and how much it moved since that thermometer's previous sample
    (``warming``): lamps and people warm a room up, and it cools down when they leave."""
    key = ["card_id", "sensor_id"]

    def back(col: str, n: int) -> pl.Expr:
        """The thermometer's value ``n`` samples ago, if those samples had no gap."""
        gap = (pl.col("t_temp") - pl.col("t_temp").shift(n).over(key)).dt.total_microseconds()
        return pl.when(gap <= n * p.hold_s * 1e6).then(pl.col(col).shift(n).over(key))

    # from the raw temperatures: the baseline steps at the top of each hour. Two samples
    # back, so that a warm-up or cool-down is seen across its first three samples.
    prev1, prev2 = back("temp_c", 1), back("temp_c", 2)
    warmth = (
        r.filter(pl.col("kind") == TEMP)
        .select(
            "card_id",
            "sensor_id",
            pl.col("t").alias("t_temp"),
            "temp_c",
            (pl.col("temp_c") - pl.col("temp_base")).alias("warmth"),
        )
        .drop_nulls("warmth")
        .sort([*key, "t_temp"])
        .with_columns(
            (pl.col("temp_c") - pl.min_horizontal(prev1, prev2)).alias("warming"),
            (pl.col("temp_c") - pl.max_horizontal(prev1, prev2)).alias("cooling"),
        )
        .drop("sensor_id", "temp_c")
        .sort("t_temp")
    )
    return (
        r.sort("t")
        .join_asof(
            warmth,
            left_on="t",
            right_on="t_temp",
            by="card_id",
            strategy="nearest",
            tolerance=timedelta(seconds=p.hold_s),
            check_sortedness=False,  # sorted by t above; polars cannot verify within groups
        )
        .drop("t_temp")
    )


def intervals(
    readings: pl.LazyFrame, baselines: pl.LazyFrame, params: RollupParams
) -> pl.LazyFrame:
    """One row per reading with the interval it closes: on-seconds, covered seconds, …"""
    p = params
    key = ["card_id", "sensor_id"]
    r = readings.with_columns(local_hour_of_day("t").alias("hour_of_day")).join(
        baselines, on=["sensor_id", "hour_of_day"], how="left"
    )
    r = _with_room_warmth(r, p).sort([*key, "t"])  # joins do not keep row order
    # A light meter alone cannot tell a lamp from the sun: light above the daylight
    # baseline counts only if the room is also warmer than its ambient (people, lamps).
    base = pl.col("lux_base").fill_null(0.0)
    # Warm, or warming up fast (a session just began), and not cooling fast (it just
    # ended): the thermometer's lag then shifts neither the start nor the end.
    warm = (
        (pl.col("warmth") >= p.lamp_warmth) & (pl.col("cooling").fill_null(0.0) > -p.warming_step)
    ) | (pl.col("warming").fill_null(0.0) >= p.warming_step)
    lit_by_lamps = (
        (pl.col("lux") > base * p.lux_ratio)
        & (pl.col("lux") > base + p.lux_margin)
        & (pl.col("warmth").is_null() | warm)
    )
    on_now = pl.coalesce(pl.col("on_state"), lit_by_lamps).fill_null(False)
    prev = {c: pl.col(c).shift(1).over(key) for c in ("t", "on_ms", "cyc", "lat", "lon", "acc")}
    r = r.with_columns(
        on_now.alias("on_now"),
        prev["t"].alias("t_prev"),
        ((pl.col("t") - prev["t"]).dt.total_microseconds() / 1e6).alias("dt"),
        (pl.col("on_ms") - prev["on_ms"]).alias("d_on_ms"),
        (pl.col("cyc") - prev["cyc"]).alias("d_cyc"),
        prev["lat"].alias("lat_prev"),
        prev["lon"].alias("lon_prev"),
        prev["acc"].alias("acc_prev"),
    ).with_columns(pl.col("on_now").shift(1).over(key).alias("on_prev"))
    held = pl.col("dt") <= p.hold_s
    bridged = pl.col("dt") <= p.counter_gap_s
    counted = pl.col("d_on_ms").is_not_null() & (pl.col("dt") <= p.counter_gap_s)
    # A counter reset (reboot) inside the interval: the on flag held over it is the better
    # estimate where the sensor sends one; else the on-time since the reboot.
    reset = pl.col("d_on_ms") < 0
    on_s = (
        pl.when(counted & ~reset)
        .then((pl.col("d_on_ms") / 1000.0).clip(0.0, pl.col("dt")))
        .when(counted & reset & pl.col("on_state").is_null())
        .then((pl.col("on_ms") / 1000.0).clip(0.0, pl.col("dt")))
        .when(held & pl.col("on_prev"))
        .then(pl.col("dt"))
        .otherwise(0.0)
    )
    # after a reset the cycle counter restarts at 1 even mid-session: trust the flag then
    sessions = (
        pl.when(
            pl.col("d_cyc").is_not_null()
            & (pl.col("dt") <= p.counter_gap_s)
            & (pl.col("d_cyc") >= 0)
        )
        .then(pl.col("d_cyc"))
        .when((pl.col("d_cyc") < 0) & pl.col("on_state").is_null())
        .then(pl.col("cyc").clip(0, None))
        # on after "off", or after over an hour without news: a start. On at both ends of a
        # shorter gap (lost messages, a gateway reboot) is one session going on. Looking
        # back at most an hour keeps an hour independent of readings beyond the reach.
        .when(pl.col("on_now") & ~(pl.col("on_prev").fill_null(False) & bridged.fill_null(False)))
        .then(1)
        .otherwise(0)
    )
    step = _haversine_m(pl.col("lat_prev"), pl.col("lon_prev"), pl.col("lat"), pl.col("lon"))
    noise = pl.max_horizontal(
        pl.lit(p.jitter_floor_m),
        2 * pl.col("acc").fill_null(0.0),
        2 * pl.col("acc_prev").fill_null(0.0),
    )
    covered = (pl.col("dt") <= p.hold_s) | counted
    return r.select(
        "card_id",
        "sensor_id",
        "kind",
        "t",
        "t_prev",
        pl.when(covered).then(pl.col("dt")).otherwise(0.0).fill_null(0.0).alias("covered_s"),
        pl.when(pl.col("kind") == PHOTO).then(on_s).otherwise(0.0).fill_null(0.0).alias("on_s"),
        pl.when(pl.col("kind") == PHOTO).then(sessions).otherwise(0).fill_null(0).alias("starts"),
        pl.when((pl.col("kind") == LOC) & (step > noise) & (pl.col("dt") <= p.counter_gap_s))
        .then(step)
        .otherwise(0.0)
        .fill_null(0.0)
        .alias("step_m"),
        "temp_c",
        "temp_base",
        "zone",
    )


def _split_by_hour(iv: pl.LazyFrame) -> pl.LazyFrame:
    """Credit each interval's seconds to the (at most two) hours it overlaps, pro rata."""
    hour_end = pl.col("t").dt.truncate("1h")
    base = iv.filter(pl.col("covered_s") > 0).with_columns(hour_end.alias("hour"))
    in_last = (
        (pl.col("t") - pl.max_horizontal(pl.col("t_prev"), pl.col("hour")))
        .dt.total_microseconds()
        .truediv(1e6)
    )
    last = base.with_columns((in_last / pl.col("covered_s")).clip(0.0, 1.0).alias("share"))
    first = last.with_columns(
        (pl.col("hour") - pl.duration(hours=1)).alias("hour"),
        (1.0 - pl.col("share")).alias("share"),
    ).filter(pl.col("share") > 0)
    cols = ["card_id", "sensor_id", "kind", "hour", "share", "covered_s", "on_s"]
    return pl.concat([last.select(cols), first.select(cols)]).select(
        "card_id",
        "sensor_id",
        "kind",
        "hour",
        (pl.col("covered_s") * pl.col("share")).alias("covered_s"),
        (pl.col("on_s") * pl.col("share")).alias("on_s"),
    )


def hourly_usage(
    readings: pl.LazyFrame | pl.DataFrame,
    baselines: pl.LazyFrame | pl.DataFrame | None = None,
    params: RollupParams | None = None,
) -> pl.DataFrame:
    """Card-hour rollup (columns ``ROLLUP_COLUMNS``) from readings joined to their cards."""
    p = params or RollupParams()
    have = set(readings.lazy().collect_schema().names())
    lf = readings.lazy().select(
        [
            (pl.col(c) if c in have else pl.lit(None)).cast(t).alias(c)
            for c, t in READING_SCHEMA.items()
        ]
    )
    bl = (
        (baselines if baselines is not None else empty_baselines())
        .lazy()
        .select([pl.col(c).cast(t) for c, t in BASELINE_SCHEMA.items()])
    )
    iv = intervals(lf, bl, p).cache()
    per_sensor_time = (
        _split_by_hour(iv)
        .group_by("card_id", "sensor_id", "kind", "hour")
        .agg(pl.col("covered_s").sum(), pl.col("on_s").sum())
    )
    per_sensor_sample = (
        iv.with_columns(pl.col("t").dt.truncate("1h").alias("hour"))
        .group_by("card_id", "sensor_id", "kind", "hour")
        .agg(
            pl.len().alias("samples"),
            pl.col("starts").sum(),
            pl.col("step_m").sum(),
            pl.col("temp_c").mean().alias("temp_mean"),
            pl.col("temp_c").max().alias("temp_max"),
            (pl.col("temp_c") - pl.col("temp_base")).max().alias("temp_rise"),
            pl.col("zone").drop_nulls().unique().sort().alias("zones"),
        )
    )
    per_sensor = per_sensor_sample.join(
        per_sensor_time, on=["card_id", "sensor_id", "kind", "hour"], how="full", coalesce=True
    )
    is_photo = pl.col("kind") == PHOTO
    card = per_sensor.group_by("card_id", "hour").agg(
        pl.col("on_s").filter(is_photo).max().alias("photo_on_s"),
        pl.col("starts").filter(is_photo).max().alias("sessions"),
        pl.col("temp_mean").mean(),
        pl.col("temp_max").max(),
        pl.col("temp_rise").max(),
        pl.col("step_m").filter(pl.col("kind") == LOC).max().alias("distance_m"),
        pl.col("zones")
        .list.explode(keep_nulls=False, empty_as_null=False)
        .drop_nulls()
        .unique()
        .sort()
        .alias("zones"),
        pl.col("samples").sum(),
        pl.col("covered_s").max().alias("covered_s"),
        pl.col("covered_s").filter(is_photo).max().alias("photo_covered_s"),
    )
    # Cards with a thermometer but no usable photo signal: a machine running warm is in use.
    warm = (pl.col("temp_rise").fill_null(0.0) >= p.temp_rise_on).cast(pl.Float64) * pl.col(
        "covered_s"
    ).fill_null(0.0)
    in_use = pl.when(pl.col("photo_covered_s").is_not_null()).then(pl.col("photo_on_s"))
    return (
        card.with_columns(
            in_use.otherwise(warm).fill_null(0.0).clip(0.0, 3600.0).alias("in_use_s"),
            pl.col("sessions").fill_null(0).cast(pl.Int32),
            pl.col("distance_m").fill_null(0.0),
            pl.col("samples").fill_null(0).cast(pl.Int32),
            (pl.col("covered_s").fill_null(0.0) / 3600.0).clip(0.0, 1.0).alias("coverage"),
            pl.col("zones").fill_null([]),
        )
        .select(ROLLUP_COLUMNS)
        .sort("card_id", "hour")
        .collect()
    )


def dirty_hours(touched: pl.DataFrame, params: RollupParams | None = None) -> pl.DataFrame:
    """Card-hours a set of newly received readings (card_id, t) can change."""
    # The interval a reading closes reaches back into the previous hour, the next one
    # (≤ 1 h later) into the next hour; a thermometer sample also shifts the photo samples
    # within ``hold_s`` (≤ 1 h) either side: two hours each way bound it all.
    del params
    first = touched.select("card_id", pl.col("t").dt.truncate("1h").alias("hour"))
    return (
        pl.concat([first.with_columns(pl.col("hour") + pl.duration(hours=k)) for k in range(-2, 3)])
        .unique()
        .sort("card_id", "hour")
    )
