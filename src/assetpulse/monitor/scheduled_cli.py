"""``assetpulse analyse``: the analysis command (monitor/cli.py) with its schedule and run
record (monitor/runs.py)."""

from __future__ import annotations

from assetpulse.monitor.cli import analyse as analysis
from assetpulse.monitor.runs import scheduled

analyse = scheduled(analysis)
