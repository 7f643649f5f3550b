"""Idle rules per asset category (闲置判定规则), read from a TOML file finance staff review.

Pure Python: strict validation into frozen dataclasses, and the longest-prefix match of a
category code to its rule. The packaged ``idle_rules.toml`` is the default; a unit can
point ``ASSETPULSE_IDLE_RULES_PATH`` at its own copy.

Every key a reader sees takes effect, so validation is strict: an unknown key (a typo, or
a key of an older file such as ``idle_below = 0``, which could never trigger) is refused
with a Chinese message naming the key and the rule, never silently ignored.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable
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
# the largest value a metric can take: a bar above it would call every asset under-used
METRIC_MAX = {
    "annual_hours": 366 * 24.0,
    "usage_hours_per_workday": 24.0,
    "working_hours_share": 1.0,
    "days_moved_per_workday": 1.0,
    "utilisation": 24.0,  # use per working day over the expected hours, at most 24 h / 1 h
}
WINDOW_MIN, WINDOW_MAX = 7, 730  # a week (less says nothing) to two years
# GB/T 14885-2022: a letter, then two digits per level (A, A02, A0201, A020101, A02010105)
CATEGORY_PREFIX = re.compile(r"[A-Z](?:[0-9]{2}){0,4}")
RULE_ID = re.compile(r"[a-z][a-z0-9_]{0,39}")
DEFAULTS_KEYS = (
    "window_days",
    "min_coverage",
    "min_covered_workdays",
    "unused_hours",
    "expected_hours_per_workday",
)
RULE_KEYS = (
    "id",
    "name_zh",
    "name_en",
    "categories",
    "metric",
    "window_days",
    "idle_below",
    "under_used_below",
    "norm",
    "subtract_off_hours_background",
)


@dataclass(frozen=True, slots=True)
class Defaults:
    window_days: int = 90
    min_coverage: float = 0.6
    min_covered_workdays: int = 5
    unused_hours: float = 0.1
    expected_hours_per_workday: float = 8.0


@dataclass(frozen=True, slots=True)
class Rule:
    """One category group's rule. ``idle_below`` is optional: without it an asset is idle
    only when unused in the window; ``norm`` (a quota such as 1,200 h/yr) is quoted in the
    evidence with the share of it reached; ``window_days`` is the rule's own or the
    default's, resolved on load."""

    id: str
    name_zh: str
    name_en: str
    categories: tuple[str, ...]
    metric: str
    under_used_below: float
    window_days: int = 90
    idle_below: float | None = None
    norm: float | None = None
    # the device's own wake-ups, learned from its use outside office time, are not use
    # (core.background): printers that clean themselves by night as by day
    subtract_off_hours_background: bool = False


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

    def window_for(self, category_code: str) -> int:
        """Days of the window a card of this category is judged over (no rule: default)."""
        rule = self.rule_for(category_code)
        return rule.window_days if rule else self.defaults.window_days

    def background_categories(self, category_codes: list[str]) -> set[str]:
        """The codes among ``category_codes`` whose rule subtracts the device's own
        off-hours background from its use."""
        out = set()
        for code in category_codes:
            rule = self.rule_for(code)
            if rule is not None and rule.subtract_off_hours_background:
                out.add(code)
        return out

    def windows(self) -> set[int]:
        """The distinct windows (days) an analysis needs, one features pass each."""
        return {r.window_days for r in self.rules} | {self.defaults.window_days}


def _bad(message: str, **context: Any) -> MonitorError:
    return MonitorError("RULES_INVALID", f"闲置判定规则文件有误：{message}", **context)


class _Table:
    """One TOML table being validated: unknown keys refused, each value checked on read."""

    def __init__(self, raw: Any, where: str, rule: str | None, allowed: tuple[str, ...]) -> None:
        self.where, self.rule = where, rule
        if not isinstance(raw, dict):
            raise self.error("", "应为一个表（[defaults] 或 [[rule]]）")
        self.raw: dict[str, Any] = raw
        unknown = [k for k in raw if k not in allowed]
        if unknown:  # first, so that a misspelt key is named as such, not as a missing one
            raise self.error(
                unknown[0], f"是未知项（可用：{', '.join(allowed)}），请删除或改正拼写"
            )

    def error(self, key: str, problem: str) -> MonitorError:
        context: dict[str, Any] = {"key": key}
        if self.rule is not None:
            context["rule"] = self.rule
        return _bad(f"{self.where}的 {key} {problem}", **context)

    def get(
        self, key: str, check: Callable[[Any], Any], *, required: bool = True, default: Any = None
    ) -> Any:
        if key not in self.raw:
            if required:
                raise self.error(key, "缺少，请补上")
            return default
        return check(self.raw[key])

    def number(
        self,
        key: str,
        *,
        integer: bool = False,
        above: float | None = None,
        at_least: float | None = None,
        at_most: float | None = None,
        required: bool = True,
        default: Any = None,
    ) -> Any:
        def check(v: Any) -> float | int:
            ok = isinstance(v, int) if integer else isinstance(v, int | float)
            if isinstance(v, bool) or not ok:
                kind = "整数" if integer else "数值"
                raise self.error(key, f"应为{kind}（不带引号），现为 {v!r}")
            if (
                (above is not None and not v > above)
                or (at_least is not None and not v >= at_least)
                or (at_most is not None and not v <= at_most)
            ):
                span = [f"大于 {above:g}"] if above is not None else []
                span += [f"不小于 {at_least:g}"] if at_least is not None else []
                span += [f"不大于 {at_most:g}"] if at_most is not None else []
                raise self.error(key, f"应{'且'.join(span)}，现为 {v:g}")
            return v if integer else float(v)

        return self.get(key, check, required=required, default=default)

    def text(self, key: str, pattern: re.Pattern[str] | None = None, hint: str = "") -> str:
        def check(v: Any) -> str:
            if not isinstance(v, str) or not v.strip():
                raise self.error(key, f"应为非空文字（加引号），现为 {v!r}")
            if pattern is not None and not pattern.fullmatch(v):
                raise self.error(key, f"{hint}，现为 {v!r}")
            return v

        return str(self.get(key, check))


def _defaults(raw: Any) -> Defaults:
    t = _Table(raw, "[defaults] ", None, DEFAULTS_KEYS)
    code = Defaults()  # a key left out of the file keeps the value documented here

    def num(key: str, **limits: Any) -> Any:
        return t.number(key, required=False, default=getattr(code, key), **limits)

    return Defaults(
        window_days=num("window_days", integer=True, at_least=WINDOW_MIN, at_most=WINDOW_MAX),
        min_coverage=num("min_coverage", above=0, at_most=1),
        min_covered_workdays=num("min_covered_workdays", integer=True, at_least=1),
        # 0 would make "unused" impossible (no total is below 0), and with it idleness
        unused_hours=num("unused_hours", above=0, at_most=24),
        expected_hours_per_workday=num("expected_hours_per_workday", above=0, at_most=24),
    )


def _most_workdays(days: int) -> int:
    return days * 5 // 7 + 1  # five in seven, plus a make-up Saturday


def _categories(t: _Table) -> tuple[str, ...]:
    def check(v: Any) -> tuple[str, ...]:
        if not isinstance(v, list) or not v:
            raise t.error("categories", '应列出至少一个分类代码前缀，如 ["A020101"]')
        for code in v:
            if not isinstance(code, str) or not CATEGORY_PREFIX.fullmatch(code):
                raise t.error(
                    "categories",
                    f"中的 {code!r} 不是 GB/T 14885-2022 分类代码前缀"
                    "（一个大写字母加每级两位数字，如 A、A02、A020101）",
                )
        if len(set(v)) != len(v):
            raise t.error("categories", "中有重复的分类代码")
        return tuple(v)

    return tuple(t.get("categories", check))


def _rule(raw: Any, defaults: Defaults, index: int) -> Rule:
    rid = raw.get("id") if isinstance(raw, dict) else None
    name = rid if isinstance(rid, str) else f"第 {index + 1} 条"
    t = _Table(raw, f"规则“{name}”", name, RULE_KEYS)
    rule_id = t.text("id", RULE_ID, "应为小写英文字母开头的编号（字母、数字、下划线）")
    name_zh, name_en = t.text("name_zh"), t.text("name_en")
    categories = _categories(t)

    def known_metric(v: Any) -> str:
        if v not in METRICS:
            raise t.error("metric", f"指标 {v!r} 不存在，可用：{', '.join(METRICS)}")
        return str(v)

    metric = t.get("metric", known_metric)
    top = METRIC_MAX.get(metric)
    window = t.number(
        "window_days",
        integer=True,
        at_least=WINDOW_MIN,
        at_most=WINDOW_MAX,
        required=False,
        default=defaults.window_days,
    )
    idle = t.get("idle_below", lambda v: v, required=False)
    if idle is not None and not isinstance(idle, bool) and idle == 0:
        raise t.error(
            "idle_below",
            "为 0 永远不会触发（任何指标都不会低于 0）；请删去此项：没有 idle_below 时，"
            "窗口内未使用即判为闲置",
        )
    idle = t.number("idle_below", above=0, at_most=top, required=False)
    under = t.number("under_used_below", above=0, at_most=top)
    if idle is not None and not idle < under:
        raise t.error(
            "idle_below", f"须小于 under_used_below（{under:g}），否则“低效使用”永远不会出现"
        )
    norm = t.number("norm", above=0, at_most=top, required=False)
    if norm is not None and norm < under:
        raise t.error(
            "norm", f"（定额）不应低于 under_used_below（{under:g}）：达到定额的资产不应算低效"
        )

    def flag(v: Any) -> bool:
        if not isinstance(v, bool):
            raise t.error("subtract_off_hours_background", f"应为 true 或 false，现为 {v!r}")
        return v

    background = bool(t.get("subtract_off_hours_background", flag, required=False, default=False))
    if defaults.min_covered_workdays > _most_workdays(window):
        raise _bad(
            f"[defaults] 的 min_covered_workdays（{defaults.min_covered_workdays}）超过了规则"
            f"“{rule_id}”窗口 {window} 天内可能有的工作日数（约 {_most_workdays(window)}），"
            "这些资产将永远“数据不足”",
            key="min_covered_workdays",
            rule=rule_id,
        )
    return Rule(
        id=rule_id,
        name_zh=name_zh,
        name_en=name_en,
        categories=categories,
        metric=metric,
        under_used_below=under,
        window_days=window,
        idle_below=idle,
        norm=norm,
        subtract_off_hours_background=background,
    )


def parse_rules(text: str) -> RuleSet:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise _bad(f"不是合法的 TOML（{exc}）") from exc
    unknown = sorted(set(data) - {"defaults", "rule"})
    if unknown:
        raise _bad(f"顶层的 {unknown[0]} 是未知项（只可有 [defaults] 和 [[rule]]）", key=unknown[0])
    defaults = _defaults(data.get("defaults", {}))
    raw_rules = data.get("rule", [])
    if not isinstance(raw_rules, list) or not raw_rules:
        raise _bad("至少需要一条规则（[[rule]]）", key="rule")
    rules: list[Rule] = []
    owner: dict[str, str] = {}
    for i, raw in enumerate(raw_rules):
        rule = _rule(raw, defaults, i)
        if any(r.id == rule.id for r in rules):
            raise _bad(f"规则编号 id “{rule.id}”重复", key="id", rule=rule.id)
        for code in rule.categories:
            if code in owner:
                raise _bad(
                    f"规则“{rule.id}”的 categories 中的 {code} 与规则“{owner[code]}”重复："
                    "同一分类只能有一条规则",
                    key="categories",
                    rule=rule.id,
                )
            owner[code] = rule.id
        rules.append(rule)
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
