"""Neighbours in frames sorted by a group (a sensor, a track, a card-sensor): pure polars.

On a sorted frame a group is a stretch of rows, so the row before within the group is the
whole column shifted, kept where the row shifted in has the same group value. That is one
pass over the column, where ``shift(n).over(group)`` hashes and regroups every row; the
detectors and the rollup read many such neighbours per reading.
"""

from __future__ import annotations

import polars as pl


def shift_within(expr: pl.Expr, n: int, group: str) -> pl.Expr:
    """``expr.shift(n).over(group)`` on a frame sorted by ``group``: null where the row
    ``n`` places away belongs to another group (or lies beyond the frame)."""
    g = pl.col(group)
    return pl.when(g.shift(n) == g).then(expr.shift(n))


def group_starts(keys: list[str]) -> pl.Expr:
    """On a frame sorted by ``keys``: True where a row's key differs from the row
    before's (nulls compared as values); null on the frame's first row."""
    return pl.any_horizontal([pl.col(k).ne_missing(pl.col(k).shift(1)) for k in keys])
