"""Suggestion lifecycle (闲置资产建议): which verdicts become, refresh or retire suggestions.

Pure polars over the whole analysis at once. A suggestion is ``new`` until an operator
accepts it (a card change follows) or dismisses it with a reason. A dismissed or accepted
asset is not suggested again until its evidence changes materially — another verdict, or
the rule's metric moved by half of its old value and a quarter of the threshold — or the
snooze the operator chose has ended. An open suggestion whose asset is no longer idle or
under-used (or now lacks data) is ``superseded``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import polars as pl

from assetpulse.monitor.core.verdicts import IDLE, UNDER_USED

HISTORY_SCHEMA: dict[str, pl.DataType | type[pl.DataType]] = {
    "suggestion_id": pl.Int64,
    "card_id": pl.Int64,
    "state": pl.String,
    "prev_verdict": pl.String,
    "prev_metric_value": pl.Float64,
    "snooze_until": pl.Datetime("us", "UTC"),
}


@dataclass(frozen=True, slots=True)
class Plan:
    insert: pl.DataFrame  # verdict rows to store as new suggestions
    refresh: pl.DataFrame  # open suggestions to update: suggestion_id + verdict columns
    supersede: list[int]  # open suggestion ids whose asset is no longer a candidate


def candidates(detail: pl.DataFrame) -> pl.Expr:
    """Verdicts worth a suggestion: idle → adjust an asset in use; under-used → share one
    that is in use and not yet shareable."""
    del detail
    in_use = pl.col("status") == "in_use"
    return ((pl.col("verdict") == IDLE) & in_use) | (
        (pl.col("verdict") == UNDER_USED) & in_use & ~pl.col("shareable")
    )


def material_change() -> pl.Expr:
    moved = (pl.col("metric_value") - pl.col("prev_metric_value")).abs()
    bar = pl.max_horizontal(
        0.5 * pl.col("prev_metric_value").abs(), 0.25 * pl.col("threshold").fill_null(0.0)
    )
    return (pl.col("verdict") != pl.col("prev_verdict")) | (moved > bar)


def plan(detail: pl.DataFrame, history: pl.DataFrame, now: datetime) -> Plan:
    """What to write, given this analysis (``detail``) and each card's latest suggestion."""
    cand = detail.filter(candidates(detail))
    h = history.select([pl.col(c).cast(t) for c, t in HISTORY_SCHEMA.items()])
    joined = cand.join(h, on="card_id", how="left")
    open_ = pl.col("state") == "new"
    at = pl.lit(now).cast(pl.Datetime("us", "UTC"))  # whatever zone object the driver gave
    snooze_over = pl.col("snooze_until").is_not_null() & (pl.col("snooze_until") <= at)
    again = pl.col("state").is_in(["dismissed", "accepted"]) & (snooze_over | material_change())
    fresh = pl.col("state").is_null() | (pl.col("state") == "superseded") | again
    insert = joined.filter(fresh & ~open_.fill_null(False)).drop(
        HISTORY_SCHEMA.keys() - {"card_id"}
    )
    refresh = joined.filter(open_.fill_null(False))
    gone = h.filter(pl.col("state") == "new").join(cand, on="card_id", how="anti")
    return Plan(insert, refresh, gone["suggestion_id"].to_list())
