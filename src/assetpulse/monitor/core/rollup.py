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
- else light: lamps on, told from daylight per sensor by ``detectors.light`` (a sunlit
  empty room is not in use; a lamp switched on at 07:55 is use from 07:55);
- a card with a thermometer and no light meter: a machine running warm over its ambient.

A sample speaks for at most ``hold_s``, or 2.5 of its sensor's own sample periods where
that is longer (a meter reporting every 15 minutes), never more than an hour.
Coverage is kept per signal (``photo_coverage``, ``temp_coverage``, ``loc_coverage``), so
that a verdict can ask for the signal that carries the card's usage.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import timedelta

import polars as pl

from assetpulse.monitor.core.detectors.light import (
    CALIBRATION_SCHEMA,
    LightParams,
    empty_calibration,
    lamp_light,
)
from assetpulse.monitor.core.detectors.location import LocationParams, locate
from assetpulse.monitor.core.detectors.sun import SITE_SCHEMA
from assetpulse.monitor.core.engine import ENGINE
from assetpulse.monitor.core.sorted_frames import group_starts, shift_within

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
    "moving_s",
    "lat",
    "lon",
    "zones",
    "samples",
    "coverage",
    "photo_coverage",
    "temp_coverage",
    "loc_coverage",
)


@dataclass(frozen=True, slots=True)
class RollupParams:
    """Knobs of the rollup; defaults suit sensors that report every few minutes."""

    hold_s: float = 900.0  # a sample speaks for at most this long (longer: a data gap)
    counter_gap_s: float = 3600.0  # counters bridge gaps up to this long (lost messages)
    light: LightParams = field(default_factory=LightParams)  # lamps or the sun
    temp_rise_on: float = 3.0  # °C over ambient that means a machine is running
    # wild fixes and stay points (detectors.location); its data gaps are the rollup's own
    location: LocationParams = field(default_factory=LocationParams)

    def __post_init__(self) -> None:
        # a sample speaks for at most an hour (see hold_s in intervals, dirty_hours)
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


@dataclass(frozen=True, slots=True)
class LightInputs:
    """What the light detector knows of each meter: its calibration (learned from its own
    history by the refresh job) and its site (for the sun). Meters missing from
    ``calibration`` are calibrated on the readings at hand."""

    calibration: pl.DataFrame
    sites: pl.DataFrame
    # the lamps already judged (``sensor_id, t, lamps_on, lamp_known``, and ``dark``, e.g.
    # resumed from stored states by the refresh job): used as they are
    lamps: pl.DataFrame | None = None

    @classmethod
    def empty(cls) -> LightInputs:
        return cls(empty_calibration(), pl.DataFrame(schema=SITE_SCHEMA))


def with_lamps(readings: pl.DataFrame, light: LightInputs, params: LightParams) -> pl.DataFrame:
    """``readings`` with ``lamps_on``, ``lamp_known`` and ``lamps_dark`` (the sun is down at
    the meter) on every photo reading that has a ``lux``."""
    photo = readings.filter((pl.col("kind") == PHOTO) & pl.col("lux").is_not_null())
    if light.lamps is not None:
        lamps = light.lamps
    else:
        cal = light.calibration.select([pl.col(c).cast(t) for c, t in CALIBRATION_SCHEMA.items()])
        lamps = lamp_light(photo.select("sensor_id", "t", "lux"), cal, light.sites, params)
    return readings.join(
        lamps.select(
            "sensor_id",
            "t",
            "lamps_on",
            "lamp_known",
            (pl.col("dark") if "dark" in lamps.columns else pl.lit(None, pl.Boolean)).alias(
                "lamps_dark"
            ),
        ).unique(["sensor_id", "t"]),
        on=["sensor_id", "t"],
        how="left",
    ).with_columns(
        pl.when(pl.col("kind") == PHOTO).then(pl.col(c)).alias(c)
        for c in ("lamps_on", "lamp_known", "lamps_dark")
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
    r = r.sort([*key, "t"])  # joins do not keep row order
    # sorted: each (card, sensor) is a stretch of rows, numbered once (``_cs``); a value of
    # the reading before of the same one is the column shifted where the number is the same
    r = r.with_columns(group_starts(key).fill_null(True).alias("_new"))
    r = r.with_columns(pl.col("_new").cast(pl.Int64).cum_sum().alias("_cs"))

    def before(e: pl.Expr) -> pl.Expr:  # ``e.shift(1).over(key)``
        return shift_within(e, 1, "_cs")

    # a sample speaks for 2.5 periods of its own sensor, at least hold_s, at most an hour
    period = (pl.col("t") - before(pl.col("t"))).dt.total_microseconds().median().over("_cs") / 1e6
    hold = pl.min_horizontal(pl.max_horizontal(pl.lit(p.hold_s), 2.5 * period), pl.lit(3600.0))
    r = r.with_columns(hold.fill_null(p.hold_s).alias("hold_s"))
    lit_by_lamps = pl.col("lamps_on")
    # A plug that also carries a light meter on the device (a PC's screen, MQTT.md photo:
    # ``on`` and ``lux``): powered is not used — a PC left on overnight sleeps its screen.
    # In use while powered and lit by its own light, once the meter knows that light's
    # size, or while the sun is down (a dark meter is dark: the screen is off, learned or
    # not); by day before that it could miss the screen against daylight: the plug decides.
    # The counters then say only how much of a lit interval was powered.
    screen = (
        pl.col("on_state").is_not_null()
        & lit_by_lamps.is_not_null()
        & (pl.col("lamp_known").fill_null(False) | pl.col("lamps_dark").fill_null(False))
    )
    on_now = (
        pl.when(screen)
        .then(pl.col("on_state") & lit_by_lamps)
        .otherwise(pl.coalesce(pl.col("on_state"), lit_by_lamps))
        .fill_null(False)
    )
    prev = {c: before(pl.col(c)) for c in ("t", "on_ms", "cyc")}
    dt_s = (pl.col("t") - prev["t"]).dt.total_microseconds() / 1e6
    # A counter that falls by more than a reboot allows (restarted, it holds at most the
    # on-time since the last reading) was not reset: the reading is stale, stamped by a
    # clock that is off (MQTT.md). Deltas then run from the highest value seen since the
    # last true reset, so stale readings interleaved with true ones add nothing.
    restart = ((pl.col("on_ms") < prev["on_ms"]) & (pl.col("on_ms") <= dt_s * 1000)).fill_null(
        False
    )
    cyc_restart = restart | ((pl.col("cyc") < prev["cyc"]) & pl.col("on_ms").is_null()).fill_null(
        False
    )

    r = r.with_columns(
        # the stretches between restarts, numbered across the frame (each card-sensor's
        # first reading begins one)
        (pl.col("_new") | restart).cast(pl.Int64).cum_sum().alias("_seg_ms"),
        (pl.col("_new") | cyc_restart).cast(pl.Int64).cum_sum().alias("_seg_c"),
    ).with_columns(
        pl.col("on_ms").cum_max().over("_seg_ms").alias("_hi_ms"),
        pl.col("cyc").cum_max().over("_seg_c").alias("_hi_c"),
    )

    def since_restart(col: str, high: str, cut: pl.Expr) -> pl.Expr:
        step = pl.col(high) - before(pl.col(high))
        return pl.when(cut).then(pl.col(col) - prev[col]).otherwise(step)

    r = r.with_columns(
        on_now.alias("on_now"),
        prev["t"].alias("t_prev"),
        dt_s.alias("dt"),
        since_restart("on_ms", "_hi_ms", restart).alias("d_on_ms"),
        since_restart("cyc", "_hi_c", cyc_restart).alias("d_cyc"),
    ).with_columns(
        before(pl.col("on_now")).alias("on_prev"),
        screen.fill_null(False).alias("screen"),
    )
    held = pl.col("dt") <= pl.col("hold_s")
    bridged = pl.col("dt") <= p.counter_gap_s
    counted = pl.col("d_on_ms").is_not_null() & (pl.col("dt") <= p.counter_gap_s)
    # A counter reset (reboot) inside the interval: the on flag held over it is the better
    # estimate where the sensor sends one; else the on-time since the reboot.
    reset = pl.col("d_on_ms") < 0
    on_s = (
        pl.when(pl.col("screen") & ~pl.col("on_prev").fill_null(False))
        .then(0.0)
        .when(counted & ~reset)
        .then((pl.col("d_on_ms") / 1000.0).clip(0.0, pl.col("dt")))
        .when(counted & reset & pl.col("on_state").is_null())
        .then((pl.col("on_ms") / 1000.0).clip(0.0, pl.col("dt")))
        .when(held & pl.col("on_prev"))
        .then(pl.col("dt"))
        .otherwise(0.0)
    )
    # after a reset the cycle counter restarts at 1 even mid-session: trust the flag then
    start = pl.col("on_now") & ~(pl.col("on_prev").fill_null(False) & bridged.fill_null(False))
    sessions = (
        pl.when(pl.col("screen"))  # a sitting at the screen, not a power cycle
        .then(start.cast(pl.Int64))
        .when(
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
        .when(start)
        .then(1)
        .otherwise(0)
    )
    covered = (pl.col("dt") <= pl.col("hold_s")) | counted
    # Positions: wild fixes out, moved/parked by stay points; distance along the path while
    # moving (and across a gap of ≤ counter_gap_s when found elsewhere), 0 while parked.
    loc_params = replace(p.location, gap_s=p.hold_s, max_gap_s=p.counter_gap_s)
    # from the readings as given (locate sorts and dedups its fixes itself): the frame
    # above would be computed once more, sort and all, for locate's own collect
    located = locate(
        readings.filter(pl.col("kind") == LOC).select(*key, "t", "lat", "lon", "acc"),
        key,
        loc_params,
    ).select(*key, "t", "moving", pl.col("step_m").alias("loc_step_m"), "centre_lat", "centre_lon")
    r = r.join(located, on=[*key, "t"], how="left")  # one row per (sensor, t): no fan-out
    is_loc = pl.col("kind") == LOC
    return r.select(
        "card_id",
        "sensor_id",
        "kind",
        "t",
        "t_prev",
        pl.when(covered).then(pl.col("dt")).otherwise(0.0).fill_null(0.0).alias("covered_s"),
        pl.when(pl.col("kind") == PHOTO).then(on_s).otherwise(0.0).fill_null(0.0).alias("on_s"),
        pl.when(pl.col("kind") == PHOTO).then(sessions).otherwise(0).fill_null(0).alias("starts"),
        pl.when(is_loc).then(pl.col("loc_step_m")).otherwise(0.0).fill_null(0.0).alias("step_m"),
        pl.when(is_loc & pl.col("moving") & (pl.col("dt") <= pl.col("hold_s")))
        .then(pl.col("dt"))
        .otherwise(0.0)
        .fill_null(0.0)
        .alias("moving_s"),
        pl.when(is_loc).then(pl.col("centre_lat")).alias("pos_lat"),
        pl.when(is_loc).then(pl.col("centre_lon")).alias("pos_lon"),
        "temp_c",
        "temp_base",
        "zone",
    )


def _split_by_bucket(iv: pl.LazyFrame, bucket_s: int) -> pl.LazyFrame:
    """Credit each interval's seconds to the buckets of ``bucket_s`` it overlaps, pro rata
    (an hour: at most two; a minute: up to an hour's worth)."""
    w = bucket_s * 1_000_000
    end = pl.col("t").dt.epoch("us")
    start = end - (pl.col("covered_s") * 1e6).cast(pl.Int64)
    pieces = (
        iv.filter(pl.col("covered_s") > 0)
        .with_columns(end.alias("_e"), start.alias("_s"))
        .with_columns(pl.int_ranges(pl.col("_s") // w, (pl.col("_e") - 1) // w + 1).alias("_k"))
        .explode("_k")
        .with_columns(
            (
                (pl.min_horizontal(pl.col("_e"), (pl.col("_k") + 1) * w))
                - pl.max_horizontal(pl.col("_s"), pl.col("_k") * w)
            ).alias("_in")
        )
        .with_columns((pl.col("_in") / (pl.col("covered_s") * 1e6)).clip(0.0, 1.0).alias("share"))
        .filter(pl.col("share") > 0)
    )
    return pieces.select(
        "card_id",
        "sensor_id",
        "kind",
        pl.from_epoch(pl.col("_k") * w, time_unit="us").dt.replace_time_zone("UTC").alias("hour"),
        (pl.col("covered_s") * pl.col("share")).alias("covered_s"),
        (pl.col("on_s") * pl.col("share")).alias("on_s"),
        (pl.col("moving_s") * pl.col("share")).alias("moving_s"),
    )


def hourly_usage(
    readings: pl.LazyFrame | pl.DataFrame,
    baselines: pl.LazyFrame | pl.DataFrame | None = None,
    params: RollupParams | None = None,
    light: LightInputs | None = None,
) -> pl.DataFrame:
    """Card-hour rollup (columns ``ROLLUP_COLUMNS``) from readings joined to their cards."""
    # the sensors' coverage is not wanted here: a plan of its own would redo the intervals
    return _usage_plans(readings, baselines, params, light, 3600)[0].collect(engine=ENGINE)


def _lit_union(iv: pl.LazyFrame, bucket_s: int) -> pl.LazyFrame:
    """Seconds per card and bucket that at least one of its light meters says "in use":
    the union of their on-intervals (four desk meters lit one after another keep a room
    in use for the sum of their times, not the longest), credited to buckets pro rata; and
    ``union_starts``, the union's runs that begin in the bucket (one sitting of the room,
    however many of its desks light up during it)."""
    on = iv.filter((pl.col("kind") == PHOTO) & (pl.col("on_s") > 0)).select(
        "card_id",
        (pl.col("t") - pl.duration(microseconds=(pl.col("on_s") * 1e6).cast(pl.Int64))).alias(
            "start"
        ),
        pl.col("t").alias("end"),
    )
    merged = (
        on.sort("card_id", "start")
        .with_columns(pl.col("end").cum_max().shift(1).over("card_id").alias("reach"))
        .with_columns(
            (pl.col("reach").is_null() | (pl.col("start") > pl.col("reach")))
            .cum_sum()
            .over("card_id")
            .alias("run")
        )
        .group_by("card_id", "run")
        .agg(pl.col("start").min(), pl.col("end").max())
    )
    starts = merged.group_by(
        "card_id", pl.col("start").dt.truncate(f"{bucket_s}s").alias("hour")
    ).agg(pl.len().cast(pl.Int32).alias("union_starts"))
    spans = merged.select(
        "card_id",
        pl.lit("").alias("sensor_id"),
        pl.lit(PHOTO, pl.Int16).alias("kind"),
        pl.col("end").alias("t"),
        ((pl.col("end") - pl.col("start")).dt.total_microseconds() / 1e6).alias("covered_s"),
        ((pl.col("end") - pl.col("start")).dt.total_microseconds() / 1e6).alias("on_s"),
        pl.lit(0.0).alias("moving_s"),
    )
    return (
        _split_by_bucket(spans, bucket_s)
        .group_by("card_id", "hour")
        .agg(pl.col("on_s").sum().alias("photo_union_s"))
        .join(starts, on=["card_id", "hour"], how="full", coalesce=True)
    )


def usage_by_bucket(
    readings: pl.LazyFrame | pl.DataFrame,
    baselines: pl.LazyFrame | pl.DataFrame | None = None,
    params: RollupParams | None = None,
    light: LightInputs | None = None,
    *,
    bucket_s: int = 3600,
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Usage per card and bucket of ``bucket_s`` (``ROLLUP_COLUMNS``, ``hour`` = the
    bucket's start), and each sensor's coverage per bucket (``card_id, sensor_id, kind,
    hour, coverage``): the hourly rollup, and the minute or quarter-hour view of the API."""
    cards, sensors = pl.collect_all(
        _usage_plans(readings, baselines, params, light, bucket_s), engine=ENGINE
    )
    return cards, sensors


def _usage_plans(
    readings: pl.LazyFrame | pl.DataFrame,
    baselines: pl.LazyFrame | pl.DataFrame | None,
    params: RollupParams | None,
    light: LightInputs | None,
    bucket_s: int,
) -> tuple[pl.LazyFrame, pl.LazyFrame]:
    """``usage_by_bucket``'s two frames as plans sharing their intervals (collect them
    together, or only the one wanted)."""
    p = params or RollupParams()
    bucket = f"{bucket_s}s"
    full = float(bucket_s)
    have = set(readings.lazy().collect_schema().names())
    typed = (
        readings.lazy()
        .select(
            [
                (pl.col(c) if c in have else pl.lit(None)).cast(t).alias(c)
                for c, t in READING_SCHEMA.items()
            ]
        )
        .collect(engine=ENGINE)
    )
    lf = with_lamps(typed, light or LightInputs.empty(), p.light).lazy()
    bl = (
        (baselines if baselines is not None else empty_baselines())
        .lazy()
        .select([pl.col(c).cast(t) for c, t in BASELINE_SCHEMA.items()])
    )
    iv = intervals(lf, bl, p).cache()
    per_sensor_time = (
        _split_by_bucket(iv, bucket_s)
        .group_by("card_id", "sensor_id", "kind", "hour")
        .agg(pl.col("covered_s").sum(), pl.col("on_s").sum(), pl.col("moving_s").sum())
    )
    per_sensor_sample = (
        iv.with_columns(pl.col("t").dt.truncate(bucket).alias("hour"))
        .group_by("card_id", "sensor_id", "kind", "hour")
        .agg(
            pl.len().alias("samples"),
            pl.col("starts").sum(),
            pl.col("step_m").sum(),
            # where the asset was last seen in the hour (its stay's centre when parked)
            pl.col("pos_lat").sort_by("t").drop_nulls().last().alias("lat"),
            pl.col("pos_lon").sort_by("t").drop_nulls().last().alias("lon"),
            pl.col("temp_c").mean().alias("temp_mean"),
            pl.col("temp_c").max().alias("temp_max"),
            (pl.col("temp_c") - pl.col("temp_base")).max().alias("temp_rise"),
            pl.col("zone").drop_nulls().unique().sort().alias("zones"),
        )
    )
    per_sensor = per_sensor_sample.join(
        per_sensor_time, on=["card_id", "sensor_id", "kind", "hour"], how="full", coalesce=True
    ).cache()
    is_photo = pl.col("kind") == PHOTO
    card = per_sensor.group_by("card_id", "hour").agg(
        pl.col("on_s").filter(is_photo).max().alias("photo_on_s"),
        pl.col("starts").filter(is_photo).max().alias("sessions"),
        pl.col("sensor_id").filter(is_photo).n_unique().alias("photo_sensors"),
        pl.col("temp_mean").mean(),
        pl.col("temp_max").max(),
        pl.col("temp_rise").max(),
        pl.col("step_m").filter(pl.col("kind") == LOC).max().alias("distance_m"),
        pl.col("moving_s").filter(pl.col("kind") == LOC).max().alias("moving_s"),
        pl.col("lat").filter(pl.col("kind") == LOC).drop_nulls().first(),
        pl.col("lon").filter(pl.col("kind") == LOC).drop_nulls().first(),
        pl.col("zones")
        .list.explode(keep_nulls=False, empty_as_null=False)
        .drop_nulls()
        .unique()
        .sort()
        .alias("zones"),
        pl.col("samples").sum(),
        pl.col("covered_s").max().alias("covered_s"),
        pl.col("covered_s").filter(is_photo).max().alias("photo_covered_s"),
        pl.col("covered_s").filter(pl.col("kind") == TEMP).max().alias("temp_covered_s"),
        pl.col("covered_s").filter(pl.col("kind") == LOC).max().alias("loc_covered_s"),
    )
    # Cards with a thermometer but no usable photo signal: a machine running warm is in use.
    warm = (pl.col("temp_rise").fill_null(0.0) >= p.temp_rise_on).cast(pl.Float64) * pl.col(
        "covered_s"
    ).fill_null(0.0)
    card = card.join(_lit_union(iv, bucket_s), on=["card_id", "hour"], how="left")
    # one meter: its own on-time, credited pro rata like its coverage; the union (several
    # meters) places each interval's on-time at the interval's end, so with counters (an
    # on-time that is part of its interval) the two place a cycle that straddles an hour
    # differently, and their larger per hour would count its first part twice
    lit = (
        pl.when(pl.col("photo_sensors") > 1)
        .then(pl.max_horizontal("photo_on_s", "photo_union_s"))
        .otherwise(pl.col("photo_on_s"))
    )
    in_use = pl.when(pl.col("photo_covered_s").is_not_null()).then(lit)
    cards = (
        card.with_columns(
            in_use.otherwise(warm).fill_null(0.0).clip(0.0, full).alias("in_use_s"),
            # several light meters on one card (desks of a room): a session is the room's
            pl.when(pl.col("photo_sensors") > 1)
            .then(pl.col("union_starts").fill_null(0))
            .otherwise(pl.col("sessions"))
            .fill_null(0)
            .cast(pl.Int32)
            .alias("sessions"),
            pl.col("distance_m").fill_null(0.0),
            pl.col("moving_s").fill_null(0.0).clip(0.0, full),
            pl.col("samples").fill_null(0).cast(pl.Int32),
            (pl.col("covered_s").fill_null(0.0) / full).clip(0.0, 1.0).alias("coverage"),
            *[
                (pl.col(f"{k}_covered_s") / full).clip(0.0, 1.0).alias(f"{k}_coverage")
                for k in ("photo", "temp", "loc")
            ],
            pl.col("zones").fill_null([]),
        )
        .select(ROLLUP_COLUMNS)
        .sort("card_id", "hour")
    )
    sensors = per_sensor.select(
        "card_id",
        "sensor_id",
        "kind",
        "hour",
        (pl.col("covered_s").fill_null(0.0) / full).clip(0.0, 1.0).alias("coverage"),
    ).sort("card_id", "hour", "sensor_id")
    return cards, sensors


def hour_runs(hours: pl.DataFrame, *, apart: timedelta = timedelta(hours=1)) -> pl.DataFrame:
    """``card_id, h0, h1``: the card-hours of ``hours`` (``card_id, hour``) as runs [h0, h1)
    of hours at most ``apart`` from the one before (consecutive ones by default)."""
    step = pl.col("hour") - pl.col("hour").shift(1)
    starts = group_starts(["card_id"]) | (step > apart)
    return (
        hours.select("card_id", "hour")
        .unique()
        .sort("card_id", "hour")
        .with_columns(starts.fill_null(True).cum_sum().alias("run"))
        .group_by("run", maintain_order=True)
        .agg(
            pl.col("card_id").first(),
            pl.col("hour").min().alias("h0"),
            (pl.col("hour").max() + timedelta(hours=1)).alias("h1"),
        )
        .drop("run")
    )


def dirty_hours(
    touched: pl.DataFrame, params: RollupParams | None = None, *, ahead_h: int = 2
) -> pl.DataFrame:
    """Card-hours a set of newly received readings (card_id, t) can change."""
    # The interval a reading closes reaches back into the previous hour, the next one
    # (≤ 1 h later) into the next hour; a thermometer sample also shifts the photo samples
    # within ``hold_s`` (≤ 1 h) either side: two hours each way bound that. A light meter's
    # step carries the lamp state forward until dark: ``ahead_h`` says how far to look.
    del params
    # Each card's touched hours as runs whose reaches [h - 2 h, h + ahead] overlap or
    # adjoin (hours at most 3 + ahead_h apart), spelt out: never the (3 + ahead_h)-fold copy
    # of every touched hour before ``unique``, which for a first run's 1,000 rooms (340,000
    # card-hours, ahead 24 h) was 9 M rows.
    hours = touched.select("card_id", pl.col("t").dt.truncate("1h").alias("hour"))
    runs = hour_runs(hours, apart=timedelta(hours=3 + ahead_h))
    lo = pl.col("h0") - pl.duration(hours=2)
    hi = pl.col("h1") + pl.duration(hours=ahead_h - 1)  # h1 is the hour after the last
    return (
        runs.select("card_id", pl.datetime_ranges(lo, hi, "1h").alias("hour"))
        .explode("hour")
        .sort("card_id", "hour")
    )
