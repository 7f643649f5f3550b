"""Readings one step of a slice fetched that a later step of the same slice reads again.

A first run learns every light meter's and thermometer's calibration and baselines from
its raw history, then rolls the same history up: the second fetch of those readings was a
tenth of a full run (bench/monitor.py, 1,000 sensors x 2 days: 1.9 M of the 4.8 M rows
fetched). The learn keeps what it fetched here, up to a budget of rows, so a slice's
memory stays bounded; the rollup takes from here what is held and fetches only the rest.
Holding rows changes no result: they are what the database held when the learn fetched
them, and what arrives later is the next cycle's (the watermark is the run's start).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import polars as pl

# about 35 bytes a light meter's or thermometer's reading once its empty columns are
# dropped: ~70 MB at most beside a rollup batch's ~600 MB (refresh.BATCH_SENSOR_HOURS)
HELD_ROWS = 2_000_000


@dataclass
class HeldReadings:
    """Rows of ``fetch_span`` for some sensors, all over one span [t0, t1)."""

    budget: int = HELD_ROWS
    t0: datetime | None = None
    t1: datetime | None = None
    sensors: set[str] = field(default_factory=set)
    frames: list[pl.DataFrame] = field(default_factory=list)
    rows: int = 0

    def keep(self, sensors: list[str], t0: datetime, t1: datetime, rows: pl.DataFrame) -> bool:
        """Hold every reading of ``sensors`` in [t0, t1) (``rows``), if they fit the budget
        and the span is the one held; whether they were."""
        if self.t0 is not None and (t0, t1) != (self.t0, self.t1):
            return False
        if self.rows + rows.height > self.budget:
            return False
        self.t0, self.t1 = t0, t1
        self.sensors.update(sensors)
        # columns null in every row cost memory and nothing else: missing, they come back
        # null (``split``'s callers concatenate diagonally)
        filled = [c for c in rows.columns if rows[c].null_count() < rows.height]
        self.frames.append(rows.select(filled))
        self.rows += rows.height
        return True

    def split(
        self, sensors: list[str], t0: datetime, t1: datetime
    ) -> tuple[pl.DataFrame | None, list[tuple[list[str], datetime, datetime]]]:
        """What is held of ``sensors`` in [t0, t1) and what is left to fetch: the held
        sensors outside the held span, the others over the whole of it."""
        held = [s for s in sensors if s in self.sensors]
        others = [s for s in sensors if s not in self.sensors]
        if not held or self.t0 is None or self.t1 is None:
            return None, [(sensors, t0, t1)]
        fetch: list[tuple[list[str], datetime, datetime]] = []
        if others:
            fetch.append((others, t0, t1))
        if t0 < self.t0:
            fetch.append((held, t0, min(t1, self.t0)))
        if t1 > self.t1:
            fetch.append((held, max(t0, self.t1), t1))
        a, b = max(t0, self.t0), min(t1, self.t1)
        if a >= b:
            return None, fetch
        rows = (
            pl.concat([f.lazy() for f in self.frames], how="diagonal_relaxed")
            .filter(
                pl.col("sensor_id").cast(pl.String).is_in(held)
                & (pl.col("t") >= a)
                & (pl.col("t") < b)
            )
            .collect()
        )
        return rows, fetch
