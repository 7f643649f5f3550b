"""A device's own background (维护唤醒本底): use it shows when nobody is there to use it.

Printers (and other office machines) wake up on their own to clean or calibrate: for a
minute or two, by day as by night, on working days as on days off, printing nothing. On a
plug these wake-ups are power cycles like prints, so an idle printer never looks idle.

Per card and from its own history in the window, unlabeled: the card-hours outside office
time (before 08:00 or from 18:00 local, and every hour of a day off, by the working
calendar) are the background — the unit is closed, whatever the device does then is the
device's own doing. From them:

- ``threshold_s``: how long one wake-up runs at most: (1 + ``duration_tol``) × the 90 %
  quantile of the on-time of the hours it shows in (a programmed cycle takes about the
  same time; the quantile keeps a rare late print from setting it);
- ``rate``: power cycles per covered hour.

Then every such hour whose on-time per power cycle started in it is no longer than
``threshold_s`` outside office time is a wake-up (two within an hour are two cycles of the
programme's length, not one twice as long), and in office time the shortest such hours
are, up to the power cycles the background rate predicts for those hours (its Poisson
bound: expected + ``z`` × √expected + 1). Longer use is printing, and is always kept. A
device keeps all its use when what it does off-hours is no programme: seen on fewer than
``min_days`` days (one late print), or of lengths that vary more than ``max_spread`` times
between its 10 % and 90 % quantiles (tracebase's office printer: bursts of a minute to
four at 01:44, 20:17, 23:08 on a Saturday — jobs at odd hours, not a cleaning cycle).

Only hourly figures are at hand (``in_use_s``, ``sessions``): an hour's on-time has the
use of a neighbouring hour without a power cycle added (a cycle that runs over the hour's
end). Pure polars, no I/O.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from assetpulse.monitor.core.calendar import LOCAL_OFFSET_S

BACKGROUND_SCHEMA: dict[str, pl.DataType | type[pl.DataType]] = {
    "card_id": pl.Int64,
    "background_sessions": pl.Int64,  # sessions taken away as the device's own wake-ups
    "background_h": pl.Float64,  # their use, hours
    "background_max_s": pl.Float64,  # the longest a wake-up of this device lasts
}


@dataclass(frozen=True, slots=True)
class BackgroundParams:
    office_from_h: int = 8  # local office hours, as the working-hours share counts them
    office_to_h: int = 18
    duration_tol: float = 0.35  # a wake-up lasts up to this much longer than those seen
    z: float = 2.0  # office-time wake-ups allowed: expected + z × √expected + 1
    min_sessions: int = 2  # background sessions needed to speak of a background
    min_days: int = 2  # … on at least this many local days (a programme recurs)
    max_spread: float = 3.0  # … with lengths within this factor (q90 / q10): one programme


def empty_background() -> pl.DataFrame:
    return pl.DataFrame(schema=BACKGROUND_SCHEMA)


def subtract_background(
    rollup: pl.DataFrame,
    calendar: pl.DataFrame,
    cards: list[int],
    params: BackgroundParams | None = None,
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """``rollup`` (``card_id, hour, in_use_s, sessions, coverage``, …) with the wake-ups of
    ``cards`` taken out of ``in_use_s`` and ``sessions`` (row order and other columns kept),
    and per card what was taken (``BACKGROUND_SCHEMA``, cards with a background only).
    ``calendar``: ``day`` (local days since 1970) and ``workday`` of the window."""
    p = params or BackgroundParams()
    if not cards or rollup.height == 0:
        return rollup, empty_background()
    local_us = pl.col("hour").dt.epoch("us") + LOCAL_OFFSET_S * 1_000_000
    local_h = (local_us // 3_600_000_000) % 24
    day = (local_us // 86_400_000_000).cast(pl.Int32)
    workday = dict(calendar.select(pl.col("day").cast(pl.Int32), "workday").iter_rows())
    sub = (
        rollup.with_row_index("_row")
        .filter(pl.col("card_id").is_in(cards))
        .select("_row", "card_id", "hour", "in_use_s", "sessions", "coverage")
        .with_columns(day.alias("day"), local_h.alias("local_h"))
        .with_columns(
            (
                pl.col("day")
                .replace_strict(workday, default=None, return_dtype=pl.Boolean)
                # days outside the calendar: Monday to Friday
                .fill_null(pl.col("hour").dt.weekday() <= 5)
                & (pl.col("local_h") >= p.office_from_h)
                & (pl.col("local_h") < p.office_to_h)
            ).alias("office"),
        )
    )
    covered = sub.group_by("card_id").agg(
        pl.col("coverage").filter(~pl.col("office")).sum().alias("off_h"),
        pl.col("coverage").filter(pl.col("office")).sum().alias("office_h"),
    )
    # only hours with use can be a wake-up or carry one's run-over: the rest (most hours of
    # most devices) need no more work
    sub = sub.filter((pl.col("in_use_s") > 0) | (pl.col("sessions") > 0)).sort("card_id", "hour")
    one_h = pl.duration(hours=1)
    same = pl.col("card_id").shift(1) == pl.col("card_id")
    prev_adj = (same & (pl.col("hour").shift(1) == pl.col("hour") - one_h)).fill_null(False)
    next_adj = (
        (pl.col("card_id").shift(-1) == pl.col("card_id"))
        & (pl.col("hour").shift(-1) == pl.col("hour") + one_h)
    ).fill_null(False)
    starts = pl.col("sessions").fill_null(0) > 0
    used = pl.col("in_use_s").fill_null(0.0)
    # use of a neighbouring hour in which no session started: the same session's run-over
    spill_prev = pl.when(prev_adj & (pl.col("sessions").shift(1) == 0)).then(used.shift(1))
    spill_next = pl.when(next_adj & (pl.col("sessions").shift(-1) == 0)).then(used.shift(-1))
    sub = sub.with_columns(
        pl.when(starts)
        .then(used + spill_prev.fill_null(0.0) + spill_next.fill_null(0.0))
        .alias("episode_s"),
    ).with_columns(
        # judged per power cycle started in the hour: two wake-ups within one hour are two
        # cycles of the programme's length, not one cycle twice as long
        (pl.col("episode_s") / pl.col("sessions").clip(lower_bound=1)).alias("cycle_s"),
    )
    bg = sub.filter(starts & ~pl.col("office"))
    learned = (
        bg.group_by("card_id")
        .agg(
            pl.col("sessions").sum().alias("bg_sessions"),
            pl.col("day").n_unique().alias("bg_days"),
            pl.col("episode_s").quantile(0.9).alias("q90"),
            pl.col("episode_s").quantile(0.1).alias("q10"),
        )
        .join(covered, on="card_id")
        .filter(
            (pl.col("bg_sessions") >= p.min_sessions)
            & (pl.col("bg_days") >= p.min_days)
            & (pl.col("q90") <= p.max_spread * pl.col("q10"))
        )
        .with_columns(
            ((1 + p.duration_tol) * pl.col("q90")).alias("threshold_s"),
            (
                pl.col("bg_sessions") / pl.col("off_h").clip(lower_bound=1.0) * pl.col("office_h")
            ).alias("expected"),
        )
        .with_columns(
            (pl.col("expected") + p.z * pl.col("expected").sqrt() + 1).floor().alias("cap"),
        )
        .select("card_id", "threshold_s", "cap")
    )
    if learned.height == 0:
        return rollup, empty_background()
    sub = sub.join(learned, on="card_id", how="left")
    short = starts & (pl.col("cycle_s") <= pl.col("threshold_s")).fill_null(False)
    # office time: the shortest short sessions first, as many as the background predicts
    in_office = (
        sub.filter(short & pl.col("office"))
        .sort("card_id", "cycle_s")
        .with_columns(pl.col("sessions").cum_sum().over("card_id").alias("_n"))
        .filter(pl.col("_n") <= pl.col("cap"))
        .select("_row")
    )
    taken_rows = pl.concat([sub.filter(short & ~pl.col("office")).select("_row"), in_office])
    sub = sub.with_columns(pl.col("_row").is_in(taken_rows["_row"].implode()).alias("taken"))
    # a run-over hour goes with its session: taken when a neighbour's session is taken and
    # no neighbour's session is kept
    nb_taken = (prev_adj & pl.col("taken").shift(1)) | (next_adj & pl.col("taken").shift(-1))
    nb_kept = (prev_adj & starts.shift(1) & ~pl.col("taken").shift(1)) | (
        next_adj & starts.shift(-1) & ~pl.col("taken").shift(-1)
    )
    sub = sub.with_columns(
        (
            pl.col("taken")
            | (~starts & nb_taken.fill_null(False) & ~nb_kept.fill_null(False) & (used > 0))
        ).alias("taken")
    )
    taken = sub.filter("taken")
    summary = (
        taken.group_by("card_id")
        .agg(
            pl.col("sessions").sum().cast(pl.Int64).alias("background_sessions"),
            (pl.col("in_use_s").sum() / 3600.0).alias("background_h"),
        )
        .join(
            learned.select("card_id", pl.col("threshold_s").alias("background_max_s")), on="card_id"
        )
        .select([pl.col(c).cast(t) for c, t in BACKGROUND_SCHEMA.items()])
        .sort("card_id")
    )
    mask = np.zeros(rollup.height, dtype=bool)
    mask[taken["_row"].to_numpy()] = True
    hit = pl.lit(pl.Series("_hit", mask))
    out = rollup.with_columns(
        pl.when(hit)
        .then(0.0)
        .otherwise(pl.col("in_use_s"))
        .cast(rollup["in_use_s"].dtype)
        .alias("in_use_s"),
        pl.when(hit)
        .then(0)
        .otherwise(pl.col("sessions"))
        .cast(rollup["sessions"].dtype)
        .alias("sessions"),
    )
    return out, summary
