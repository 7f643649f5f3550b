"""The monitor part (资产动态监管): hourly usage rollups, usage features, idle rules per
category, verdicts with evidence and idle-asset suggestions.

Pure cores (polars, no I/O): ``rollup``, ``baselines``, ``calendar``, ``features``,
``rules``, ``verdicts``, ``suggestions``. Adapters: ``refresh`` (rollup job on PostgreSQL),
``analyse`` and ``store`` (the analysis run), ``actions`` and ``api`` (HTTP), ``cli``
(``assetpulse analyse``). Importing this package pulls in no database driver.
"""

from assetpulse.monitor.errors import MonitorError
from assetpulse.monitor.features import usage_features
from assetpulse.monitor.rollup import RollupParams, hourly_usage
from assetpulse.monitor.rules import Rule, RuleSet, load_rules, parse_rules
from assetpulse.monitor.verdicts import judge

__all__ = [
    "MonitorError",
    "RollupParams",
    "Rule",
    "RuleSet",
    "hourly_usage",
    "judge",
    "load_rules",
    "parse_rules",
    "usage_features",
]
