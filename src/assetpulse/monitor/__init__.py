"""The monitor part (资产动态监管): hourly usage rollups, usage features, idle rules per
category, verdicts with evidence and idle-asset suggestions.

Folders: ``core/`` is the pure part (polars/numpy, no I/O): ``core/detectors/`` (light,
temperature and location signals → in use / moved per reading), ``rollup``, ``baselines``,
``calendar``, ``features``, ``rules``, ``verdicts``, ``suggestions``. Adapters around it:
``db/`` (rollup refresh job, analysis run, suggestion store, sensor health on PostgreSQL),
``http/`` (routes), ``cli`` (``assetpulse analyse``). Importing this package pulls in no
database driver.
"""

from assetpulse.monitor.core.features import usage_features
from assetpulse.monitor.core.rollup import RollupParams, hourly_usage
from assetpulse.monitor.core.rules import Rule, RuleSet, load_rules, parse_rules
from assetpulse.monitor.core.verdicts import judge
from assetpulse.monitor.errors import MonitorError

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
