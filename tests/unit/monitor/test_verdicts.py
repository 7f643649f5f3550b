"""Features over the Chinese calendar, the rules file, and verdicts with evidence."""

from __future__ import annotations

import ast
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal

from assetpulse.monitor.core import features
from assetpulse.monitor.core.calendar import calendar_frame
from assetpulse.monitor.core.features import usage_features, window_days
from assetpulse.monitor.core.rules import load_rules, parse_rules
from assetpulse.monitor.core.verdicts import judge
from assetpulse.monitor.errors import MonitorError

END = datetime(2026, 10, 11, 16, 0, tzinfo=UTC)  # local midnight after 2026-10-11
RULES = load_rules()


def _rollup(card: int, use_s: float, days: int = 28, coverage: float = 1.0, **extra):
    hours = pl.datetime_range(
        END - timedelta(days=days), END, "1h", closed="left", eager=True, time_zone="UTC"
    )
    n = len(hours)
    cols = {"in_use_s": use_s, "sessions": 0, "distance_m": 0.0, "coverage": coverage}
    cols.update(extra)
    return pl.DataFrame({"card_id": [card] * n, "hour": hours}).with_columns(
        [pl.lit(v).alias(k) for k, v in cols.items()]
    )


def _features(rollup: pl.DataFrame, days: int = 28) -> pl.DataFrame:
    first, last = window_days(END, days)
    return usage_features(rollup, calendar_frame(first, last), window_end=END).collect()


def test_calendar_when_national_day_week_then_holidays_and_makeup_days_known():
    cal = calendar_frame(date(2026, 9, 28), date(2026, 10, 11))
    work = dict(zip(cal["date"].to_list(), cal["workday"].to_list(), strict=True))
    assert not work[date(2026, 10, 1)]
    assert not work[date(2026, 10, 7)]
    assert work[date(2026, 9, 28)]
    assert sum(work.values()) == 5 + 1  # one week of work, the holiday week, a make-up Saturday


def test_features_when_every_hour_used_ten_minutes_then_per_workday_hours_scale():
    f = _features(_rollup(1, 600.0)).row(0, named=True)
    assert f["days"] == 28
    assert f["usage_hours"] == pytest.approx(28 * 4)
    assert f["usage_hours_per_workday"] == pytest.approx(4.0)
    assert f["annual_hours"] == pytest.approx(4 * 365)
    assert f["working_hours_share"] == pytest.approx(1 / 6)
    assert f["days_since_last_use"] == pytest.approx(1 / 24)


def test_features_when_use_grows_then_trend_positive():
    r = _rollup(1, 0.0).with_columns(
        (pl.col("hour").rank("ordinal") / pl.len() * 600).alias("in_use_s")
    )
    assert _features(r)["trend_hours_per_day_per_30d"][0] > 1.0


def test_rules_when_category_matches_several_prefixes_then_longest_wins():
    assert RULES.rule_for("A023201").id == "large_instrument"
    assert RULES.rule_for("A02010105").id == "computer"
    assert RULES.rule_for("A020305").id == "vehicle"
    assert RULES.rule_for("A0501").id == "equipment"
    assert RULES.rule_for("B01") is None


def test_rules_file_has_chinese_comments_for_finance_staff():
    text = (Path(__file__).parents[3] / "src/assetpulse/monitor/idle_rules.toml").read_text()
    assert "闲置" in text
    assert "1200" in text


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("[[rule]]\nid='x'", "缺少"),
        ("[defaults]\nmin_coverage=0.5\nbogus=1", "未知"),
        ("not toml ][", "TOML"),
        (
            "[[rule]]\nid='x'\nname_zh='x'\nname_en='x'\ncategories=['A']\nmetric='x'\n"
            "idle_below=0\nunder_used_below=1",
            "指标",
        ),
        (
            "[[rule]]\nid='x'\nname_zh='x'\nname_en='x'\ncategories=['A']\n"
            "metric='annual_hours'\nidle_below=5\nunder_used_below=1",
            "idle_below",
        ),
    ],
)
def test_rules_when_file_wrong_then_error_says_what(text, fragment):
    with pytest.raises(MonitorError, match=fragment) as exc:
        parse_rules(text)
    assert exc.value.code == "RULES_INVALID"


def _judge(rollup: pl.DataFrame, category: str) -> dict:
    cards = pl.DataFrame({"card_id": [1], "category_code": [category]})
    return judge(cards, _features(rollup), RULES).collect().row(0, named=True)


def test_verdict_when_instrument_runs_twelve_minutes_a_day_then_under_used_with_evidence():
    v = _judge(_rollup(1, 30.0, sessions=0), "A023201")  # 73 h/yr against 1,200
    assert (v["verdict"], v["action"], v["rule"]) == ("under_used", "share", "large_instrument")
    assert 0.25 <= v["score"] <= 0.75
    assert "年化使用机时" in v["evidence_zh"]
    assert "annualised machine-hours" in v["evidence_en"]


def test_verdict_when_rule_has_norm_then_evidence_states_the_norm_and_the_share_of_it():
    v = _judge(_rollup(1, 30.0, sessions=0), "A023201")  # 73 h/yr against 1,200
    assert "定额1200小时/年" in v["evidence_zh"]
    assert "达到定额的6%" in v["evidence_zh"]
    assert "norm of 1200 h/yr" in v["evidence_en"]
    assert "6% of it" in v["evidence_en"]


def test_verdict_when_never_used_then_evidence_says_unused_not_a_zero_bar():
    v = _judge(_rollup(1, 0.0), "A02010105")
    assert "未使用" in v["evidence_zh"]
    assert "闲置线为0" not in v["evidence_zh"]
    assert "unused" in v["evidence_en"]
    assert v["threshold"] is None  # no bar was crossed: idle because nothing was used


def test_verdict_when_used_a_little_under_rule_without_idle_bar_then_under_used_not_idle():
    v = _judge(_rollup(1, 30.0, sessions=1), "A02010105")  # 0.2 h a working day, below 1 h
    assert v["verdict"] == "under_used"


def test_verdict_when_never_used_then_idle_with_full_score():
    v = _judge(_rollup(1, 0.0), "A02010105")
    assert (v["verdict"], v["action"], v["score"]) == ("idle", "adjust", 1.0)


def test_verdict_when_vehicle_moves_most_workdays_then_in_use():
    r = _rollup(1, 0.0).with_columns(
        pl.when(pl.col("hour").dt.hour() == 2).then(5000.0).otherwise(0.0).alias("distance_m")
    )
    assert _judge(r, "A020305")["verdict"] == "in_use"


def test_verdict_when_card_has_no_rollup_at_all_then_insufficient_data():
    cards = pl.DataFrame({"card_id": [1, 2], "category_code": ["A02010105", "A020102"]})
    v = judge(cards, _features(_rollup(1, 0.0)), RULES).collect().sort("card_id")
    assert v["verdict"].to_list() == ["idle", "insufficient_data"]


def test_verdict_when_light_meter_cannot_see_a_lamp_by_day_then_insufficient_not_idle():
    # a lux-only room whose meter has learned no lamp and, by day, can tell a lamp from
    # daylight only if it adds 860 lux: seeing none says nothing about use
    cards = pl.DataFrame(
        {
            "card_id": [1, 2, 3],
            "category_code": ["A010101"] * 3,
            "day_blind": [["SIM-PH-0003001"], None, ["SIM-PH-0007001"]],
            "day_sight_lux": [860.0, None, 990.0],
        }
    )
    rollup = pl.concat([_rollup(1, 0.0), _rollup(2, 0.0), _rollup(3, 3600.0, sessions=1)])
    v = judge(cards, _features(rollup), RULES).collect().sort("card_id")
    assert v["verdict"].to_list() == ["insufficient_data", "idle", "in_use"]  # seen is seen
    zh, en = v["evidence_zh"][0], v["evidence_en"][0]
    assert "数据不足" in zh
    assert "SIM-PH-0003001" in zh
    assert "860勒克斯" in zh
    assert "SIM-PH-0003001" in en
    assert "860 lux" in en


@settings(max_examples=40, deadline=None)
@given(
    coverage=st.floats(0.0, 0.59),
    use_s=st.floats(0.0, 3600.0),
    category=st.sampled_from(["A023201", "A020305", "A010101", "A020102", "A02010105", "A0501"]),
)
def test_verdict_when_data_sparse_then_never_idle(coverage, use_s, category):
    v = _judge(_rollup(1, use_s * coverage, coverage=coverage), category)
    assert v["verdict"] == "insufficient_data"
    assert v["action"] is None


PURE = ("rollup", "features", "calendar", "rules", "verdicts", "suggestions", "baselines")
FORBIDDEN = {"psycopg", "fastapi", "paho", "aiomqtt", "cv2", "pyzbar", "starlette"}


@pytest.mark.parametrize("module", PURE)
def test_pure_core_imports_no_io_library(module):
    src = Path(__file__).parents[3] / "src/assetpulse/monitor/core" / f"{module}.py"
    names = set()
    for node in ast.walk(ast.parse(src.read_text())):
        if isinstance(node, ast.Import):
            names |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module.split(".")[0])
    assert not names & FORBIDDEN


def test_features_when_rows_sorted_then_fast_path_equals_hash_path(monkeypatch):
    r = pl.concat([_rollup(c, 30.0 * c, sessions=c) for c in (1, 2, 3)])
    first, last = window_days(END, 28)
    cal = calendar_frame(first, last)
    slow = usage_features(r.sample(fraction=1.0, shuffle=True, seed=1), cal, window_end=END)
    fast = usage_features(r, cal, window_end=END, sorted_by_card_hour=True)
    assert_frame_equal(slow.collect().sort("card_id"), fast.collect(), check_exact=False)
    monkeypatch.setattr(features, "SLICE_ROWS", 700)  # slices cut inside cards' rows
    sliced = usage_features(r, cal, window_end=END, sorted_by_card_hour=True)
    assert_frame_equal(sliced.collect(), fast.collect())
