"""The analysis run (闲置分析): rollups in the window → features → verdicts → suggestions.

Adapter around the pure pieces: fetches the analysed cards and their rollups with COPY,
computes features and verdicts in polars, and hands the verdicts to the suggestion store.
Each card is judged over its own rule's ``window_days``: cards are grouped by window, and
each distinct window gets one rollup fetch and one vectorised features pass (a rules file
has a handful of windows, not one per card). A card is analysed when a sensor was bound
to it at some time in its window.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import polars as pl
import psycopg
import structlog

from assetpulse.monitor.core.background import subtract_background
from assetpulse.monitor.core.calendar import LOCAL_OFFSET_S, calendar_frame
from assetpulse.monitor.core.detectors.light import OFFICE_HOURS, day_sight, hour_sight
from assetpulse.monitor.core.features import (
    SEEABLE_SCHEMA,
    seeable_coverage,
    usage_features,
    window_days,
)
from assetpulse.monitor.core.rules import RuleSet
from assetpulse.monitor.core.verdicts import INSUFFICIENT, LAMP_LUX, judge
from assetpulse.monitor.db.refresh import ALL_CARDS, Cards, fetch_frame
from assetpulse.monitor.db.store import store_suggestions

log = structlog.get_logger(__name__)

# cards with a binding in the longest window; bound_until (the latest binding's end, open =
# the window's end) tells whether a binding also reaches into a card's shorter window
# ``carrier``: the signal that carries the card's usage — light where it has a light meter,
# else position, else temperature; the verdict's coverage is that signal's, and the meters
# of that signal are named when they fall silent.
ANALYSED_CARDS = """
select c.id, c.unit_id, c.category_code, c.status, c.shareable, c.version,
       max(coalesce(upper(b.valid), %(t1)s)) as bound_until,
       case when bool_or(s.kind = 'photo') then 'photo'
            when bool_or(s.kind = 'loc') then 'loc' else 'temp' end as carrier,
       array_agg(distinct s.sensor_id order by s.sensor_id) as sensors
from asset_cards c
join sensor_bindings b on b.card_id = c.id and b.valid && tstzrange(%(t0)s, %(t1)s)
join sensors s on s.sensor_id = b.sensor_id
where c.status not in ('disposed', 'split') and c.id between %(lo)s and %(hi)s
group by c.id
"""
# bound sensors of the carrying signal with no reading in the window (its dead meters)
SILENT_SENSORS = """
select b.card_id, array_agg(distinct b.sensor_id order by b.sensor_id)
from sensor_bindings b
join sensors s on s.sensor_id = b.sensor_id and s.kind = any(%(kinds)s)
where b.card_id = any(%(cards)s) and b.valid && tstzrange(%(t0)s, %(t1)s)
  and not exists (select 1 from readings r where r.sensor_id = b.sensor_id
                  and r.t >= greatest(lower(b.valid), %(t0)s)
                  and r.t < least(coalesce(upper(b.valid), %(t1)s), %(t1)s))
group by b.card_id
"""
# the light meters of the analysed cards: what they learned of their lamps and daylight,
# and their dull-day brightness in office hours (the highest hourly baseline there)
LIGHT_METERS = """
select s.sensor_id, c.levels::float8[], c.sway::float8[], c.floor::float8, c.noise::float8,
       (select max(b.lux_base) from sensor_baselines b
        where b.sensor_id = s.sensor_id and b.hour_of_day between %(h0)s and %(h1)s)::float8
from sensors s left join sensor_light_calibration c on c.sensor_id = s.sensor_id
where s.kind = 'photo' and s.sensor_id = any(%(sensors)s)
"""
# per working hour (local 08:00-18:00) of day-blind light meters while bound to their
# cards: the brightest reading and nearly the largest change from one reading to the next
# (its 90th percentile), for in which hours they could have seen a lamp
BLIND_HOURS = """
select card_id, sensor_id, date_trunc('hour', t) as hour, max(lux)::float8,
       (percentile_cont(0.9) within group (order by abs(d)))::float8
from (
  select b.card_id, r.sensor_id, r.t, r.lux,
         r.lux - lag(r.lux) over (partition by b.card_id, r.sensor_id order by r.t) as d
  from sensor_bindings b
  join readings r on r.sensor_id = b.sensor_id
    and r.t >= greatest(lower(b.valid), %(t0)s)
    and r.t < least(coalesce(upper(b.valid), %(t1)s), %(t1)s)
  where b.card_id = any(%(cards)s) and b.sensor_id = any(%(sensors)s)
    and b.valid && tstzrange(%(t0)s, %(t1)s)
    and r.lux is not null and (r.flags & 1) <> 1
) x
where ((extract(epoch from t)::bigint + %(offset)s) / 3600) %% 24 between 8 and 17
group by 1, 2, 3
"""
FETCH_ROLLUP = """
select card_id, hour, in_use_s, sessions, distance_m, coverage, photo_coverage, temp_coverage,
       loc_coverage
from usage_hourly where hour >= {t0} and hour < {t1}
order by card_id, hour  -- the primary key's order: features group contiguous slices
"""
FETCH_ROLLUP_OF_RANGE = """
select card_id, hour, in_use_s, sessions, distance_m, coverage, photo_coverage, temp_coverage,
       loc_coverage
from usage_hourly where hour >= {t0} and hour < {t1} and card_id between {lo} and {hi}
order by card_id, hour
"""
FETCH_ROLLUP_OF_CARDS = """
select card_id, hour, in_use_s, sessions, distance_m, coverage, photo_coverage, temp_coverage,
       loc_coverage
from usage_hourly where hour >= {t0} and hour < {t1} and card_id = any({cards})
order by card_id, hour
"""
ROLLUP_SCHEMA: dict[str, pl.DataType | type[pl.DataType]] = {
    "card_id": pl.Int64,
    "hour": pl.Datetime("us", "UTC"),
    "in_use_s": pl.Float64,
    "sessions": pl.Int32,
    "distance_m": pl.Float64,
    "coverage": pl.Float64,
    "photo_coverage": pl.Float64,
    "temp_coverage": pl.Float64,
    "loc_coverage": pl.Float64,
}
CARD_SCHEMA: dict[str, pl.DataType | type[pl.DataType]] = {
    "card_id": pl.Int64,
    "unit_id": pl.Int64,
    "category_code": pl.String,
    "status": pl.String,
    "shareable": pl.Boolean,
    "version": pl.Int64,
    "bound_until": pl.Datetime("us", "UTC"),
    "carrier": pl.String,
    "sensors": pl.List(pl.String),
}


@dataclass(frozen=True, slots=True)
class AnalysisResult:
    window_from: datetime
    window_to: datetime
    cards: int
    verdicts: dict[str, int]
    suggestions: dict[str, int] = field(default_factory=dict)
    frame: pl.DataFrame | None = None  # verdicts with features, for callers that want detail
    windows: dict[int, int] = field(default_factory=dict)  # window days → cards judged over it


@dataclass(frozen=True, slots=True)
class Rolled:
    """Card-hours a refresh in the open transaction replaced (``card_id, hour``) and the
    rows it wrote for them: laid over the committed rollup, they give what the
    transaction sees, without fetching it through the transaction's own connection
    (rows handed to Python one at a time, ~6 µs a card-hour: 14 days of 20,000 cards are
    6.7 M of them)."""

    replaced: pl.DataFrame
    rows: pl.DataFrame | None


def fetch_rollup(
    conn: psycopg.Connection[Any],
    t0: datetime,
    t1: datetime,
    cards: list[int] | None = None,
    card_range: Cards | None = None,
    rolled: Rolled | None = None,
) -> pl.DataFrame:
    """Hourly rollups in [t0, t1), of ``cards`` only (or the ids in ``card_range``) when
    given, ordered by card and hour. ``rolled``: what the open transaction replaced of
    these cards' rollup, and nothing else of them (a slice's own cards): the committed
    rows are read on a connection of their own and ``rolled`` laid over them."""
    if cards is None and card_range is not None:
        args = {"t0": t0, "t1": t1, "lo": card_range[0], "hi": card_range[1]}
        query = FETCH_ROLLUP_OF_RANGE
    elif cards is None:
        query, args = FETCH_ROLLUP, {"t0": t0, "t1": t1}
    else:
        query, args = FETCH_ROLLUP_OF_CARDS, {"t0": t0, "t1": t1, "cards": cards}
    typed = [pl.col(c).cast(t) for c, t in ROLLUP_SCHEMA.items()]
    if rolled is None:
        raw = fetch_frame(conn, query, args, own_writes=True, schema=ROLLUP_SCHEMA)
        return raw.select(typed)
    committed = fetch_frame(conn, query, args)
    committed = committed.select(typed) if committed.width else pl.DataFrame(schema=ROLLUP_SCHEMA)
    key = ["card_id", "hour"]
    replaced = rolled.replaced.select(typed[:2])
    parts = [committed.join(replaced, on=key, how="anti")]
    if rolled.rows is not None and rolled.rows.height:
        mine = rolled.rows.select(typed).filter((pl.col("hour") >= t0) & (pl.col("hour") < t1))
        if cards is not None:
            mine = mine.filter(pl.col("card_id").is_in(cards))
        elif card_range is not None:
            mine = mine.filter(pl.col("card_id").is_between(*card_range))
        parts.append(mine)
    return pl.concat(parts).sort(key)


def carried_coverage(rollup: pl.DataFrame, cards: pl.DataFrame) -> pl.DataFrame:
    """The rollup with ``coverage`` replaced by that of the signal carrying each card's
    usage (0 where that signal sent nothing): a thermometer cannot cover a dead light meter."""
    by_kind = pl.col("carrier").replace_strict(
        {"photo": 0, "loc": 1, "temp": 2}, default=0, return_dtype=pl.Int8
    )
    carried = (
        pl.when(by_kind == 0)
        .then(pl.col("photo_coverage"))
        .when(by_kind == 1)
        .then(pl.col("loc_coverage"))
        .otherwise(pl.col("temp_coverage"))
    )
    return (
        rollup.join(cards.select("card_id", "carrier"), on="card_id", how="left")
        .with_columns(
            pl.when(pl.col("carrier").is_null())
            .then(pl.col("coverage"))
            .otherwise(carried.fill_null(0.0))
            .alias("coverage")
        )
        .select("card_id", "hour", "in_use_s", "sessions", "distance_m", "coverage")
    )


def silent_sensors(
    conn: psycopg.Connection[Any], cards: pl.DataFrame, t0: datetime, t1: datetime
) -> pl.DataFrame:
    """``card_id, silent_sensors``: each card's meters of its carrying signal that sent
    nothing in [t0, t1) — what the evidence names when the data do not suffice."""
    parts = []
    for carrier, group in cards.group_by("carrier"):
        rows = conn.execute(
            SILENT_SENSORS,
            {
                "kinds": [str(carrier[0])],  # a carrier is a sensor kind
                "cards": group["card_id"].to_list(),
                "t0": t0,
                "t1": t1,
            },
        ).fetchall()
        parts.append(
            pl.DataFrame(
                rows,
                schema={"card_id": pl.Int64, "silent_sensors": pl.List(pl.String)},
                orient="row",
            )
        )
    if not parts:
        return pl.DataFrame(schema={"card_id": pl.Int64, "silent_sensors": pl.List(pl.String)})
    return pl.concat(parts)


def day_blind(conn: psycopg.Connection[Any], cards: pl.DataFrame) -> pl.DataFrame:
    """``card_id, day_blind, day_sight_lux`` for the cards carried by light whose every
    light meter has learned no lamp and by day can tell only lamps brighter than room
    lighting gives (``LAMP_LUX``; ``detectors.light.day_sight``): the meters, and the
    smallest lamp the best of them sees. Not seeing such a room lit says nothing, but in
    the working hours dim enough for them to (``seeable_hours``)."""
    schema: dict[str, pl.DataType | type[pl.DataType]] = {
        "card_id": pl.Int64,
        "day_blind": pl.List(pl.String),
        "day_sight_lux": pl.Float64,
    }
    lit = cards.filter(pl.col("carrier") == "photo").select("card_id", "sensors")
    if lit.is_empty():
        return pl.DataFrame(schema=schema)
    by_sensor = lit.explode("sensors").rename({"sensors": "sensor_id"})
    rows = conn.execute(
        LIGHT_METERS,
        {"sensors": by_sensor["sensor_id"].unique().to_list(), "h0": OFFICE_HOURS[0],
         "h1": OFFICE_HOURS[1]},
    ).fetchall()  # fmt: skip
    meters = pl.DataFrame(
        rows,
        schema={
            "sensor_id": pl.String,
            "levels": pl.List(pl.Float64),
            "sway": pl.List(pl.Float64),
            "floor": pl.Float64,
            "noise": pl.Float64,
            "day_lux": pl.Float64,
        },
        orient="row",
    )
    sight = day_sight(meters.drop_nulls("levels"), meters.select("sensor_id", "day_lux"))
    return (
        by_sensor.join(meters.select("sensor_id"), on="sensor_id")  # its light meters only
        .join(sight, on="sensor_id", how="left")
        .group_by("card_id")
        .agg(
            (pl.col("day_sight_lux") > LAMP_LUX).fill_null(False).all().alias("blind"),
            pl.col("sensor_id").sort().alias("day_blind"),
            pl.col("day_sight_lux").min(),
        )
        .filter("blind")
        .select([pl.col(c).cast(t) for c, t in schema.items()])
    )


def seeable_hours(
    conn: psycopg.Connection[Any],
    blind: pl.DataFrame,
    rollup: pl.DataFrame,
    calendar: pl.DataFrame,
    t0: datetime,
    t1: datetime,
) -> pl.DataFrame:
    """``SEEABLE_SCHEMA`` for the day-blind cards (``blind``: ``card_id, day_blind``):
    their working hours in which one of their meters could have seen the room's lamp,
    whatever its size (``detectors.light.hour_sight``: ``sees_any_lamp``, daylight as dim
    and calm as the dark to the meter), while daylight stayed under room lighting
    (``LAMP_LUX``: people there would have needed the lamp), as coverage: the card-hour's
    coverage (``rollup``, the carrying signal's) where one could, else 0. Such hours are
    what the absence of a lamp is evidence in; a lamp of ``LAMP_LUX`` would stand out of
    daylight in many more, but a meter that never saw its lamp does not know it is that
    bright (bench/sim.py seed 2: a room used 3.4 h under a 164-lux lamp would read idle)."""
    if blind.is_empty():
        return pl.DataFrame(schema=SEEABLE_SCHEMA)
    pairs = blind.select("card_id", "day_blind").explode("day_blind")
    sensors = pairs["day_blind"].unique().to_list()
    rows = conn.execute(
        BLIND_HOURS,
        {"cards": blind["card_id"].to_list(), "sensors": sensors, "t0": t0, "t1": t1,
         "offset": LOCAL_OFFSET_S},
    ).fetchall()  # fmt: skip
    hourly = pl.DataFrame(
        rows,
        schema={
            "card_id": pl.Int64,
            "sensor_id": pl.String,
            "hour": pl.Datetime("us", "UTC"),
            "lux_max": pl.Float64,
            "change_q": pl.Float64,
        },
        orient="row",
    )
    cal = pl.DataFrame(
        conn.execute(LIGHT_METERS, {"sensors": sensors, "h0": OFFICE_HOURS[0],
                                    "h1": OFFICE_HOURS[1]}).fetchall(),
        schema={"sensor_id": pl.String, "levels": pl.List(pl.Float64),
                "sway": pl.List(pl.Float64), "floor": pl.Float64, "noise": pl.Float64,
                "day_lux": pl.Float64},
        orient="row",
    ).drop_nulls("levels")  # fmt: skip
    sight = hour_sight(cal, hourly.drop("card_id").unique(["sensor_id", "hour"]))
    seen = (
        hourly.join(sight, on=["sensor_id", "hour"])
        .filter(pl.col("sees_any_lamp") & (pl.col("daylight_lux") < LAMP_LUX))
        .select("card_id", "hour")
        .unique()
        .with_columns(pl.lit(True).alias("could"))
    )
    hours = (
        rollup.filter(pl.col("card_id").is_in(blind["card_id"].to_list()))
        .select("card_id", "hour", "coverage")
        .join(seen, on=["card_id", "hour"], how="left")
        .select(
            "card_id",
            "hour",
            pl.when(pl.col("could")).then(pl.col("coverage")).otherwise(0.0).alias("seeable"),
        )
    )
    found = seeable_coverage(hours, calendar)
    none = blind.select("card_id").join(found, on="card_id", how="anti")
    return pl.concat(
        [
            found,
            none.select(
                "card_id",
                pl.lit(0.0).alias("seeable_hours"),
                pl.lit(0.0).alias("seeable_share"),
                pl.lit(0, dtype=pl.Int32).alias("seeable_workdays"),
            ),
        ]
    ).select([pl.col(c).cast(t) for c, t in SEEABLE_SCHEMA.items()])


def card_windows(cards: pl.DataFrame, rules: RuleSet, days: int | None) -> pl.Series:
    """Each card's window in days: its rule's (a card without a rule: the default's), or
    ``days`` for every card when given."""
    if days is not None:
        return pl.Series("window_days", [days] * cards.height, dtype=pl.Int32)
    codes = cards["category_code"].unique().to_list()
    by_code = {code: rules.window_for(code) for code in codes}  # a few dozen categories
    return (
        cards["category_code"].replace_strict(by_code, return_dtype=pl.Int32).alias("window_days")
    )


def _judge_window(
    conn: psycopg.Connection[Any],
    cards: pl.DataFrame,
    rules: RuleSet,
    *,
    window_end: datetime,
    n_days: int,
    all_cards: bool,
    card_range: Cards | None,
    rolled: Rolled | None = None,
) -> pl.DataFrame:
    """Verdicts joined with features and cards, for cards sharing one window of ``n_days``."""
    window_from = window_end - timedelta(days=n_days)
    first, last = window_days(window_end, n_days)
    ids = None if all_cards else cards["card_id"].to_list()
    rollup = carried_coverage(
        fetch_rollup(conn, window_from, window_end, ids, card_range, rolled), cards
    )
    calendar = calendar_frame(first, last)
    # devices whose rule says their own off-hours wake-ups are no use (printers)
    codes = rules.background_categories(cards["category_code"].unique().to_list())
    with_bg = cards.filter(pl.col("category_code").is_in(list(codes)))["card_id"].to_list()
    rollup, background = subtract_background(rollup, calendar, with_bg)
    features = usage_features(
        rollup,
        calendar,
        window_end=window_end,
        expected_hours_per_workday=rules.defaults.expected_hours_per_workday,
        sorted_by_card_hour=True,
    ).collect()
    features = features.join(background, on="card_id", how="left").with_columns(
        pl.col("background_sessions").fill_null(0), pl.col("background_h").fill_null(0.0)
    )
    silent = silent_sensors(conn, cards, window_from, window_end)
    blind = day_blind(conn, cards)
    judged = cards.join(silent, on="card_id", how="left").join(blind, on="card_id", how="left")
    verdicts = judge(judged, features, rules).collect()
    # the day-blind rooms left without a verdict: judged again by the working hours their
    # meters could have seen any lamp in (their readings of the window are fetched for
    # these only: a room seen in use needs none)
    unseen = blind.join(
        verdicts.filter(pl.col("verdict") == INSUFFICIENT).select("card_id"), on="card_id"
    )
    if not unseen.is_empty():
        seeable = seeable_hours(conn, unseen, rollup, calendar, window_from, window_end)
        judged = judged.join(seeable, on="card_id", how="left")
        verdicts = judge(judged, features, rules).collect()
    return (
        verdicts.join(features, on="card_id", how="left")
        .join(cards, on="card_id")
        .with_columns(pl.lit(window_from).cast(pl.Datetime("us", "UTC")).alias("window_from"))
    )


def analyse(
    conn: psycopg.Connection[Any],
    *,
    rules: RuleSet,
    window_end: datetime,
    days: int | None = None,
    store: bool = True,
    cards: Cards | None = None,
    rolled: Rolled | None = None,
) -> AnalysisResult:
    """Judge every card with sensors over its rule's ``window_days`` before ``window_end``;
    ``days`` overrides every rule's window (a replay of a shorter history, a test).
    ``cards``: only the cards with ids in that range (a slice), suggestions included.
    ``rolled``: what the open transaction's refresh rewrote of those cards' rollup (see
    ``Rolled``)."""
    lo, hi = cards or ALL_CARDS
    longest = days or max(rules.windows())
    window_from = window_end - timedelta(days=longest)
    found = pl.DataFrame(
        conn.execute(
            ANALYSED_CARDS, {"t0": window_from, "t1": window_end, "lo": lo, "hi": hi}
        ).fetchall(),
        schema=CARD_SCHEMA,
        orient="row",
    )
    found = found.with_columns(card_windows(found, rules, days))
    groups: list[tuple[int, pl.DataFrame]] = []
    for n_days in sorted(found["window_days"].unique().to_list()):
        # bound at some time in its own window, not only in a longer one
        since = window_end - timedelta(days=n_days)
        group = found.filter((pl.col("window_days") == n_days) & (pl.col("bound_until") > since))
        if not group.is_empty():
            groups.append((n_days, group.drop("window_days", "bound_until")))
    if not groups:  # nothing to judge: one empty pass keeps the result's columns
        groups = [(longest, found.drop("window_days", "bound_until"))]
    parts = [
        _judge_window(
            conn,
            group,
            rules,
            window_end=window_end,
            n_days=n_days,
            all_cards=len(groups) == 1 and group.height == found.height,
            card_range=cards,
            rolled=rolled,
        )
        for n_days, group in groups
    ]
    detail = pl.concat(parts, how="vertical")
    analysed = sum(group.height for _, group in groups)
    windows = {n_days: group.height for n_days, group in groups if not group.is_empty()}
    counts = dict(detail.group_by("verdict").len().iter_rows())
    stored: dict[str, int] = {}
    if store:
        stored = store_suggestions(
            conn, detail, window_from=window_from, window_to=window_end, cards=cards
        )
    log.info("analysis done", cards=analysed, windows=windows, verdicts=counts, suggestions=stored)
    return AnalysisResult(window_from, window_end, analysed, counts, stored, detail, windows)
