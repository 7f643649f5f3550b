"""Usage features per asset over an analysis window (使用特征): vectorised, pure polars.

Input: the hourly rollup (``card_id, hour, in_use_s, sessions, distance_m, coverage``;
missing card-hours mean "no data") and a calendar frame (``day, workday``) of the
window's local days. Output: one row per card with the features the idle rules read.
No per-asset Python loop anywhere: every step is a group-by over the whole frame.
"""

from __future__ import annotations

import itertools
from datetime import date, datetime, timedelta

import polars as pl

from assetpulse.monitor.core.calendar import LOCAL_OFFSET_S

USED_HOUR_S = 60.0  # an hour with at least a minute of use counts towards "last used"
USED_DAY_H = 0.05  # a day with three minutes of use is a day of use
MOVED_DAY_M = 300.0  # a day with 300 m of movement is a day moved
COVERED_DAY = 0.5  # a day whose mean coverage reaches this counts as observed

FEATURE_COLUMNS = (
    "card_id",
    "days",
    "workdays",
    "covered_days",
    "covered_workdays",
    "coverage",
    "usage_hours",
    "usage_hours_per_workday",
    "annual_hours",
    "utilisation",
    "working_hours_share",
    "sessions",
    "sessions_per_day",
    "sessions_per_workday",
    "used_days",
    "days_since_last_use",
    "trend_hours_per_day_per_30d",
    "distance_km",
    "days_moved",
    "days_moved_per_workday",
)


def local_day(hour: pl.Expr) -> pl.Expr:
    """Local (UTC+8) calendar day of a UTC hour as days since 1970-01-01 (Int32)."""
    return ((hour.dt.epoch("s") + LOCAL_OFFSET_S) // 86_400).cast(pl.Int32)


DAY_KEY = 100_000  # card_id * DAY_KEY + local day: one integer key (days < 100,000)


def daily(
    rollup: pl.LazyFrame, calendar: pl.DataFrame, *, sorted_by_card_hour: bool = False
) -> pl.LazyFrame:
    """Card-day totals, with the calendar's working-day flag and working-hours use.

    One integer group key instead of (card, day) and arithmetic instead of filters keep
    this pass — the only one over every card-hour — cheap. With ``sorted_by_card_hour``
    (the caller guarantees rows ordered by card, then hour, as the analyser's query
    returns them) polars groups contiguous slices instead of hashing.
    """
    # integer arithmetic on the raw microseconds: cheaper than datetime accessors
    local_h = (pl.col("hour").dt.epoch("us") + LOCAL_OFFSET_S * 1_000_000) // 3_600_000_000
    epoch = pl.col("hour").dt.epoch("s")
    lh = local_h % 24
    office = ((lh >= 8) & (lh < 18)).cast(pl.Float32)  # 08:00–18:00 local
    key = pl.col("card_id").cast(pl.Int64) * DAY_KEY + local_h // 24
    prepared = rollup.select(
        key.alias("key"),
        "in_use_s",
        (pl.col("in_use_s") * office).alias("office_use_s"),
        "sessions",
        "distance_m",
        "coverage",
        pl.when(pl.col("in_use_s") >= USED_HOUR_S).then(epoch).alias("last_used_s"),
    )
    if sorted_by_card_hour:
        prepared = prepared.with_columns(pl.col("key").set_sorted())
    first = int(calendar["day"].min())  # type: ignore[arg-type]
    last = int(calendar["day"].max())  # type: ignore[arg-type]
    workdays = pl.lit(calendar.sort("day")["workday"])
    return (
        prepared.group_by("key", maintain_order=sorted_by_card_hour)
        .agg(
            (pl.col("in_use_s").sum() / 3600.0).alias("use_h"),
            (pl.col("office_use_s").sum() / 3600.0).alias("office_use_h"),
            pl.col("sessions").sum().alias("sessions"),
            pl.col("distance_m").sum().alias("distance_m"),
            (pl.col("coverage").sum() / 24.0).alias("coverage"),
            pl.col("last_used_s").max(),
        )
        .with_columns(
            (pl.col("key") // DAY_KEY).alias("card_id"),
            (pl.col("key") % DAY_KEY).cast(pl.Int32).alias("day"),
        )
        .filter(pl.col("day").is_between(first, last))
        .with_columns(workdays.gather(pl.col("day") - first).alias("workday"))
    )


SLICE_ROWS = 8_000_000  # card-hours per slice of the first pass: bounds its working memory


def _daily_in_slices(
    rollup: pl.LazyFrame | pl.DataFrame, calendar: pl.DataFrame, *, sorted_by_card_hour: bool
) -> pl.LazyFrame:
    """``daily`` over slices of whole cards when the rollup is in memory and sorted, so
    that the per-row intermediate columns exist for one slice at a time."""
    if not (isinstance(rollup, pl.DataFrame) and sorted_by_card_hour) or (
        rollup.height <= SLICE_ROWS
    ):
        return daily(rollup.lazy(), calendar, sorted_by_card_hour=sorted_by_card_hour)
    cards = rollup["card_id"]
    cuts = [0]
    for pos in range(SLICE_ROWS, rollup.height, SLICE_ROWS):
        cut = int(cards.search_sorted(cards[pos], side="left"))  # start of that card's rows
        if cut > cuts[-1]:
            cuts.append(cut)
    cuts.append(rollup.height)
    parts = [
        daily(rollup.slice(a, b - a).lazy(), calendar, sorted_by_card_hour=True).collect()
        for a, b in itertools.pairwise(cuts)
    ]
    return pl.concat(parts).lazy()


def usage_features(
    rollup: pl.LazyFrame | pl.DataFrame,
    calendar: pl.DataFrame,
    *,
    window_end: datetime,
    office_hours_per_day: float = 10.0,
    expected_hours_per_workday: float = 8.0,
    sorted_by_card_hour: bool = False,
) -> pl.LazyFrame:
    """One row per card seen in the rollup (columns ``FEATURE_COLUMNS``)."""
    days = calendar.height
    workdays = int(calendar["workday"].sum())
    d = _daily_in_slices(rollup, calendar, sorted_by_card_hour=sorted_by_card_hour)
    if sorted_by_card_hour:  # day groups come out in key order: cards stay contiguous
        d = d.with_columns(pl.col("card_id").set_sorted())
    covered = pl.col("coverage") >= COVERED_DAY
    covered_work = covered & pl.col("workday")
    end_s = int(window_end.timestamp())
    # least-squares slope of daily use over observed days, in hours/day per 30 days
    x = pl.col("day").cast(pl.Float64).filter(covered)
    y = pl.col("use_h").filter(covered)
    slope = ((x * y).mean() - x.mean() * y.mean()) / ((x * x).mean() - x.mean().pow(2))
    agg = d.group_by("card_id", maintain_order=sorted_by_card_hour).agg(
        covered.sum().alias("covered_days"),
        covered_work.sum().alias("covered_workdays"),
        (pl.col("coverage").sum() / days).alias("coverage"),
        pl.col("use_h").sum().alias("usage_hours"),
        pl.col("use_h").filter(covered_work).sum().alias("work_use_h"),
        pl.col("office_use_h").filter(covered_work).sum().alias("office_use_h"),
        pl.col("sessions").sum().alias("sessions"),
        pl.col("sessions").filter(covered_work).sum().alias("work_sessions"),
        (pl.col("use_h") >= USED_DAY_H).sum().alias("used_days"),
        pl.col("last_used_s").max(),
        (slope * 30.0).fill_nan(0.0).fill_null(0.0).alias("trend_hours_per_day_per_30d"),
        (pl.col("distance_m").sum() / 1000.0).alias("distance_km"),
        (pl.col("distance_m") >= MOVED_DAY_M).sum().alias("days_moved"),
        (pl.col("distance_m") >= MOVED_DAY_M).filter(covered_work).sum().alias("work_days_moved"),
    )
    per_cov_work = pl.max_horizontal(pl.col("covered_workdays"), 1)
    per_cov_day = pl.max_horizontal(pl.col("covered_days"), 1)
    since = ((pl.lit(end_s) - pl.col("last_used_s")) / 86_400.0).fill_null(float(days))
    return agg.select(
        "card_id",
        pl.lit(days).alias("days"),
        pl.lit(workdays).alias("workdays"),
        pl.col("covered_days").cast(pl.Int32),
        pl.col("covered_workdays").cast(pl.Int32),
        pl.col("coverage").clip(0.0, 1.0),
        "usage_hours",
        (pl.col("work_use_h") / per_cov_work).alias("usage_hours_per_workday"),
        # scaled to a year of the observed days: comparable with 1,200 h/yr machine-hour norms
        (pl.col("usage_hours") * 365.0 / per_cov_day).alias("annual_hours"),
        (pl.col("work_use_h") / (per_cov_work * expected_hours_per_workday)).alias("utilisation"),
        (pl.col("office_use_h") / (per_cov_work * office_hours_per_day))
        .clip(0.0, 1.0)
        .alias("working_hours_share"),
        pl.col("sessions").cast(pl.Int64),
        (pl.col("sessions") / per_cov_day).alias("sessions_per_day"),
        (pl.col("work_sessions") / per_cov_work).alias("sessions_per_workday"),
        pl.col("used_days").cast(pl.Int32),
        since.clip(0.0, float(days)).alias("days_since_last_use"),
        "trend_hours_per_day_per_30d",
        "distance_km",
        pl.col("days_moved").cast(pl.Int32),
        (pl.col("work_days_moved") / per_cov_work).alias("days_moved_per_workday"),
    )


def window_days(window_end: datetime, days: int) -> tuple[date, date]:
    """First and last local day of a window of ``days`` days ending at ``window_end``."""
    last = (window_end + timedelta(seconds=LOCAL_OFFSET_S) - timedelta(microseconds=1)).date()
    return last - timedelta(days=days - 1), last


SEEABLE_SCHEMA: dict[str, pl.DataType | type[pl.DataType]] = {
    "card_id": pl.Int64,
    "seeable_hours": pl.Float64,
    "seeable_share": pl.Float64,
    "seeable_workdays": pl.Int32,
}


def seeable_coverage(
    hours: pl.DataFrame | pl.LazyFrame,
    calendar: pl.DataFrame,
    *,
    office_hours_per_day: float = 10.0,
) -> pl.DataFrame:
    """Per card, the working hours (08:00–18:00 local on working days, as
    ``working_hours_share``) in which a light meter that cannot tell a lamp in bright
    daylight could have seen one, as coverage: ``hours`` (``card_id, hour, seeable``) gives
    per card-hour the share of the hour covered by readings in which it could (0 where not,
    a missing hour is not covered). ``seeable_hours``: their sum; ``seeable_share``: of all
    the window's working hours; ``seeable_workdays``: working days with at least
    ``COVERED_DAY`` of their working hours seeable (``SEEABLE_SCHEMA``)."""
    first = int(calendar["day"].min())  # type: ignore[arg-type]
    last = int(calendar["day"].max())  # type: ignore[arg-type]
    workdays = pl.lit(calendar.sort("day")["workday"])
    n_work = int(calendar["workday"].sum())
    local_h = (pl.col("hour").dt.epoch("s") + LOCAL_OFFSET_S) // 3600
    lh = local_h % 24
    per_day = (
        hours.lazy()
        .with_columns((local_h // 24).cast(pl.Int32).alias("day"))
        .filter((lh >= 8) & (lh < 18) & pl.col("day").is_between(first, last))
        .filter(workdays.gather(pl.col("day") - first))
        .group_by("card_id", "day")
        .agg(pl.col("seeable").cast(pl.Float64).clip(0.0, 1.0).sum().alias("h"))
    )
    return (
        per_day.group_by("card_id")
        .agg(
            pl.col("h").sum().alias("seeable_hours"),
            (pl.col("h") >= COVERED_DAY * office_hours_per_day).sum().alias("seeable_workdays"),
        )
        .with_columns(
            (pl.col("seeable_hours") / max(1.0, n_work * office_hours_per_day)).alias(
                "seeable_share"
            )
        )
        .select([pl.col(c).cast(t) for c, t in SEEABLE_SCHEMA.items()])
        .collect()
    )
