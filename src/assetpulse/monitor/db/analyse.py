"""The analysis run (闲置分析): rollups in the window → features → verdicts → suggestions.

Adapter around the pure pieces: fetches the window's rollups and the analysed cards with
COPY, computes features and verdicts in polars, and hands the verdicts to the suggestion
store. Cards are analysed when a sensor was bound to them at some time in the window.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import polars as pl
import psycopg
import structlog

from assetpulse.monitor.core.calendar import calendar_frame
from assetpulse.monitor.core.features import usage_features, window_days
from assetpulse.monitor.core.rules import RuleSet
from assetpulse.monitor.core.verdicts import judge
from assetpulse.monitor.db.refresh import copy_csv
from assetpulse.monitor.db.store import store_suggestions

log = structlog.get_logger(__name__)

ANALYSED_CARDS = """
select c.id, c.unit_id, c.category_code, c.status, c.shareable, c.version
from asset_cards c
where c.status not in ('disposed', 'split')
  and exists (select 1 from sensor_bindings b
              where b.card_id = c.id and b.valid && tstzrange(%s, %s))
"""
FETCH_ROLLUP = """
copy (
    select card_id, (extract(epoch from hour) * 1000000)::bigint, in_use_s, sessions,
           distance_m, coverage
    from usage_hourly where hour >= {t0} and hour < {t1}
    order by card_id, hour  -- the primary key's order: features group contiguous slices
) to stdout (format csv)
"""
CARD_SCHEMA = {
    "card_id": pl.Int64,
    "unit_id": pl.Int64,
    "category_code": pl.String,
    "status": pl.String,
    "shareable": pl.Boolean,
    "version": pl.Int64,
}


@dataclass(frozen=True, slots=True)
class AnalysisResult:
    window_from: datetime
    window_to: datetime
    cards: int
    verdicts: dict[str, int]
    suggestions: dict[str, int] = field(default_factory=dict)
    frame: pl.DataFrame | None = None  # verdicts with features, for callers that want detail


def fetch_rollup(conn: psycopg.Connection[Any], t0: datetime, t1: datetime) -> pl.DataFrame:
    data = copy_csv(conn, FETCH_ROLLUP, {"t0": t0, "t1": t1})
    schema = {
        "card_id": pl.Int64,
        "hour": pl.Int64,
        "in_use_s": pl.Float64,
        "sessions": pl.Int32,
        "distance_m": pl.Float64,
        "coverage": pl.Float64,
    }
    if not data:
        return pl.DataFrame(schema=schema).with_columns(
            pl.col("hour").cast(pl.Datetime("us", "UTC"))
        )
    return pl.read_csv(
        data, has_header=False, new_columns=list(schema), schema=schema
    ).with_columns(pl.from_epoch("hour", time_unit="us").dt.replace_time_zone("UTC"))


def analyse(
    conn: psycopg.Connection[Any],
    *,
    rules: RuleSet,
    window_end: datetime,
    days: int | None = None,
    store: bool = True,
) -> AnalysisResult:
    """Judge every card with sensors over the ``days`` days before ``window_end``."""
    n_days = days or rules.defaults.window_days
    first, last = window_days(window_end, n_days)
    window_from = window_end - timedelta(days=n_days)
    cards = pl.DataFrame(
        conn.execute(ANALYSED_CARDS, (window_from, window_end)).fetchall(),
        schema=CARD_SCHEMA,
        orient="row",
    )
    rollup = fetch_rollup(conn, window_from, window_end)
    features = usage_features(
        rollup,
        calendar_frame(first, last),
        window_end=window_end,
        expected_hours_per_workday=rules.defaults.expected_hours_per_workday,
        sorted_by_card_hour=True,
    ).collect()
    verdicts = judge(cards, features, rules).collect()
    detail = verdicts.join(features, on="card_id", how="left").join(cards, on="card_id")
    counts = dict(detail.group_by("verdict").len().iter_rows())
    stored: dict[str, int] = {}
    if store:
        stored = store_suggestions(conn, detail, window_from=window_from, window_to=window_end)
    log.info("analysis done", cards=cards.height, verdicts=counts, suggestions=stored)
    return AnalysisResult(window_from, window_end, cards.height, counts, stored, detail)
