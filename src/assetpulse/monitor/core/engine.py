"""The polars engine the monitor's plans are collected with.

In-memory: a rollup batch (~360,000 readings) fits in memory by design (the refresh job
sizes its batches), and on such frames polars' default streaming engine spent ~20 % more
CPU on the same plans (``hourly_usage`` over bench/monitor.py's captured batches, one
thread, identical frames) — its morsels and pipelines pay off on frames larger than memory.
"""

from __future__ import annotations

from typing import Final, Literal

ENGINE: Final[Literal["in-memory"]] = "in-memory"
