"""The idle-rules file (闲置判定规则): every key takes effect, and a wrong file is refused on
load with a Chinese message that names the key and the rule."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from click.testing import CliRunner

from assetpulse.monitor.cli import analyse
from assetpulse.monitor.core.rules import load_rules, parse_rules
from assetpulse.monitor.errors import MonitorError

PACKAGED = Path(__file__).parents[3] / "src/assetpulse/monitor/idle_rules.toml"

GOOD = """
[defaults]
window_days = 90
min_coverage = 0.6
min_covered_workdays = 5
unused_hours = 0.1
expected_hours_per_workday = 8.0

[[rule]]
id = "printer"
name_zh = "打印机"
name_en = "printer"
categories = ["A020102"]
metric = "sessions_per_workday"
window_days = 30
under_used_below = 2.0

[[rule]]
id = "large_instrument"
name_zh = "大型科研仪器"
name_en = "large scientific instrument"
categories = ["A0232"]
metric = "annual_hours"
norm = 1200
idle_below = 1
under_used_below = 300

[[rule]]
id = "equipment"
name_zh = "其他设备"
name_en = "other equipment"
categories = ["A"]
metric = "usage_hours_per_workday"
under_used_below = 0.5
"""


def _with(old: str, new: str) -> str:
    assert old in GOOD, old
    return GOOD.replace(old, new, 1)


def test_rules_when_rule_sets_its_own_window_then_it_wins_over_the_default():
    rules = parse_rules(GOOD)
    assert rules.rule_for("A020102").window_days == 30
    assert rules.rule_for("A023201").window_days == 90  # no window of its own: the default
    assert rules.windows() == {30, 90}


def test_rules_when_category_has_no_rule_then_its_window_is_the_default():
    rules = parse_rules(GOOD.replace('categories = ["A"]', 'categories = ["A05"]'))
    assert rules.window_for("A020102") == 30
    assert rules.window_for("B01") == 90


def test_rules_when_rule_has_no_idle_below_then_loaded_and_idle_means_unused():
    rules = parse_rules(GOOD)
    assert rules.rule_for("A0501").idle_below is None
    assert rules.rule_for("A023201").idle_below == 1.0


def test_rules_when_norm_given_then_kept_on_the_rule():
    assert parse_rules(GOOD).rule_for("A023201").norm == 1200.0


def test_rules_packaged_file_has_no_key_that_cannot_take_effect():
    data = tomllib.loads(PACKAGED.read_text(encoding="utf-8"))
    rules = load_rules()
    for raw in data["rule"]:
        # idle_below = 0 can never trigger (no metric is below 0): idle there means "unused"
        assert raw.get("idle_below", 1.0) > 0, raw["id"]
    assert {r.window_days for r in rules.rules} <= rules.windows()
    assert all(7 <= r.window_days <= 730 for r in rules.rules)


def test_rules_packaged_header_says_what_idle_and_window_mean():
    text = PACKAGED.read_text(encoding="utf-8")
    header = text.split("\n[defaults]")[0]
    assert "未使用" in header  # idle = unused in the window
    assert "window_days" in header  # a window per rule
    assert "norm" in header  # what the norm does


@pytest.mark.parametrize(
    ("text", "key", "fragment"),
    [
        # the misleading key of the old file: refused with the reason and the fix
        (_with("under_used_below = 0.5", "idle_below = 0.0\nunder_used_below = 0.5"),
         "idle_below", "永远不会"),
        (_with('metric = "sessions_per_workday"', 'metric = "sessions_per_workday"\nwindow = 3'),
         "window", "未知"),
        (_with("window_days = 30", "window_days = 1000"), "window_days", "7"),
        (_with("window_days = 30", "window_days = 30.5"), "window_days", "整数"),
        (_with("window_days = 30", 'window_days = "30"'), "window_days", "整数"),
        (_with("window_days = 30", "window_days = true"), "window_days", "整数"),
        (_with("norm = 1200", "norm = 200"), "norm", "under_used_below"),
        (_with("window_days = 30", "window_days = 30\nsubtract_off_hours_background = 1"),
         "subtract_off_hours_background", "true 或 false"),
        (_with("norm = 1200", "norm = -5"), "norm", "大于 0"),
        (_with("idle_below = 1", "idle_below = 400"), "idle_below", "under_used_below"),
        (_with("under_used_below = 2.0", "under_used_below = 0"), "under_used_below", "大于 0"),
        (_with('categories = ["A020102"]', 'categories = ["20102"]'), "categories", "14885"),
        (_with('categories = ["A020102"]', 'categories = ["A02010"]'), "categories", "14885"),
        (_with('categories = ["A020102"]', "categories = []"), "categories", "至少"),
        (_with('categories = ["A0232"]', 'categories = ["A020102"]'), "categories", "重复"),
        (_with('metric = "annual_hours"', 'metric = "hours"'), "metric", "指标"),
        (_with('name_en = "printer"\n', ""), "name_en", "缺少"),
        (_with("min_coverage = 0.6", "min_coverage = 1.5"), "min_coverage", "0"),
        (_with("unused_hours = 0.1", "unused_hours = 0"), "unused_hours", "大于 0"),
        (_with("min_covered_workdays = 5", "min_covered_workdays = 40"), "min_covered_workdays",
         "工作日"),
        (_with("[defaults]", "[defaults]\nbogus = 1"), "bogus", "未知"),
        (_with("[defaults]", "title = 'x'\n[defaults]"), "title", "未知"),
        (GOOD.replace('id = "printer"', 'id = "equipment"'), "id", "重复"),
        (GOOD.replace("under_used_below = 0.5", "under_used_below = 1.5", 1)
         .replace('metric = "usage_hours_per_workday"', 'metric = "working_hours_share"'),
         "under_used_below", "1"),
    ],
)  # fmt: skip
def test_rules_when_file_invalid_then_chinese_error_names_the_key(text, key, fragment):
    with pytest.raises(MonitorError) as exc:
        parse_rules(text)
    err = exc.value
    assert err.code == "RULES_INVALID"
    assert err.message.startswith("闲置判定规则文件有误")
    assert key in err.message
    assert fragment in err.message
    assert err.context["key"] == key


def test_rules_when_background_flag_given_then_only_its_categories_subtract_it():
    rules = parse_rules(
        _with("window_days = 30", "window_days = 30\nsubtract_off_hours_background = true")
    )
    assert rules.rule_for("A020102").subtract_off_hours_background  # type: ignore[union-attr]
    assert rules.background_categories(["A02010201", "A0232", "A020101"]) == {"A02010201"}
    assert load_rules().background_categories(["A020102"]) == {"A020102"}  # packaged: printers


def test_rules_when_rule_invalid_then_error_names_the_rule():
    with pytest.raises(MonitorError) as exc:
        parse_rules(_with("window_days = 30", "window_days = 3"))
    assert "printer" in exc.value.message
    assert exc.value.context["rule"] == "printer"


def test_rules_when_file_missing_then_error_names_the_path(tmp_path):
    with pytest.raises(MonitorError, match="无法读取") as exc:
        load_rules(tmp_path / "none.toml")
    assert exc.value.code == "RULES_INVALID"


def test_analyse_command_when_rules_invalid_then_refuses_with_the_chinese_message(tmp_path):
    bad = tmp_path / "rules.toml"
    bad.write_text(_with("window_days = 30", "window_dayz = 30"), encoding="utf-8")
    # the rules are checked before any connection: this database is never reached
    env = {"ASSETPULSE_DATABASE_URL": "postgresql://nobody@127.0.0.1:1/none"}
    result = CliRunner().invoke(analyse, ["--rules", str(bad)], env=env)
    assert result.exit_code == 1
    assert "RULES_INVALID" in result.output
    assert "规则“printer”的 window_dayz 是未知项" in result.output
    assert not isinstance(result.exception, MonitorError)  # a message, not a traceback
