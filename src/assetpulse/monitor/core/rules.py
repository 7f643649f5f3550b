"""Idle rules per asset category (闲置判定规则), read from a TOML file finance staff review.

Pure Python: parsing and validation into frozen dataclasses, and the longest-prefix match
of a category code to its rule. The packaged ``idle_rules.toml`` is the default; a unit can
point ``ASSETPULSE_IDLE_RULES_PATH`` at its own copy.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from assetpulse.monitor.errors import MonitorError

METRICS = {
    "annual_hours": ("年化使用机时", "annualised machine-hours", "小时/年", "h/yr"),
    "usage_hours_per_workday": ("每工作日使用时长", "usage per working day", "小时", "h"),
    "working_hours_share": ("工作时间占用比例", "share of working hours occupied", "", ""),
    "sessions_per_workday": ("每工作日使用次数", "sessions per working day", "次", ""),
    "days_moved_per_workday": ("出车工作日占比", "share of working days moved", "", ""),
    "utilisation": ("利用率", "utilisation", "", ""),
}


@dataclass(frozen=True, slots=True)
class Defaults:
    window_days: int = 90
    min_coverage: float = 0.6
    min_covered_workdays: int = 5
    unused_hours: float = 0.5
    expected_hours_per_workday: float = 8.0


@dataclass(frozen=True, slots=True)
class Rule:
    id: str
    name_zh: str
    name_en: str
    categories: tuple[str, ...]
    metric: str
    idle_below: float
    under_used_below: float
    norm: float | None = None


@dataclass(frozen=True, slots=True)
class RuleSet:
    defaults: Defaults
    rules: tuple[Rule, ...]

    def rule_for(self, category_code: str) -> Rule | None:
        """The rule whose category prefix matches the code longest; None if none does."""
        best: tuple[int, Rule] | None = None
        for rule in self.rules:
            for prefix in rule.categories:
                if category_code.startswith(prefix) and (best is None or len(prefix) > best[0]):
                    best = (len(prefix), rule)
        return best[1] if best else None


def _bad(message: str, **context: Any) -> MonitorError:
    return MonitorError("RULES_INVALID", f"闲置判定规则文件有误：{message}", **context)


def parse_rules(text: str) -> RuleSet:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise _bad(f"不是合法的 TOML（{exc}）") from exc
    d = data.get("defaults", {})
    try:
        defaults = Defaults(**d)
    except TypeError as exc:
        raise _bad(f"[defaults] 含未知项（{exc}）") from exc
    rules = []
    seen: set[str] = set()
    for raw in data.get("rule", []):
        try:
            rule = Rule(
                id=str(raw["id"]),
                name_zh=str(raw["name_zh"]),
                name_en=str(raw["name_en"]),
                categories=tuple(str(c) for c in raw["categories"]),
                metric=str(raw["metric"]),
                idle_below=float(raw["idle_below"]),
                under_used_below=float(raw["under_used_below"]),
                norm=float(raw["norm"]) if "norm" in raw else None,
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise _bad(f"规则缺少或写错字段 {exc}", rule=raw.get("id")) from exc
        if rule.metric not in METRICS:
            raise _bad(f"规则 {rule.id} 的指标 {rule.metric} 不存在，可用：{', '.join(METRICS)}")
        if not 0 <= rule.idle_below <= rule.under_used_below:
            raise _bad(f"规则 {rule.id} 须满足 0 ≤ idle_below ≤ under_used_below")
        if rule.id in seen:
            raise _bad(f"规则编号 {rule.id} 重复")
        seen.add(rule.id)
        rules.append(rule)
    if not rules:
        raise _bad("至少需要一条规则")
    return RuleSet(defaults, tuple(rules))


def load_rules(path: str | Path | None = None) -> RuleSet:
    """The rules at ``path``, or the packaged ``idle_rules.toml``."""
    if path is None:
        text = resources.files("assetpulse.monitor").joinpath("idle_rules.toml").read_text("utf-8")
    else:
        try:
            text = Path(path).read_text(encoding="utf-8")
        except OSError as exc:
            raise _bad(f"无法读取 {path}（{exc.strerror}）", path=str(path)) from exc
    return parse_rules(text)
