"""A window per rule, through `assetpulse analyse` on PostgreSQL: each card is judged over
its own rule's ``window_days``, not over one window (a setting's 90 days) for everyone."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import polars as pl
import psycopg
from click.testing import CliRunner

from assetpulse.monitor.cli import analyse

END = datetime(2026, 11, 2, 16, 0, tzinfo=UTC)  # local midnight 2026-11-03
HISTORY_DAYS = 90
QUIET_DAYS = 30  # nothing used in the last 30 days; busy working hours before that

RULES = """
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
under_used_below = 0.5

[[rule]]
id = "computer"
name_zh = "计算机"
name_en = "computer"
categories = ["A020101"]
metric = "usage_hours_per_workday"
under_used_below = 1.0
"""


def _busy_then_quiet(sensor: str) -> pl.DataFrame:
    """Every 10 minutes over HISTORY_DAYS: on 09:00–17:00 local until QUIET_DAYS ago, then
    never (the lamp-like step a photo sensor on a device's LED sees)."""
    start = END - timedelta(days=HISTORY_DAYS)
    quiet_from = END - timedelta(days=QUIET_DAYS)
    ts = [start + timedelta(minutes=10 * i) for i in range(HISTORY_DAYS * 144)]
    on = [t < quiet_from and 9 <= (t.hour + 8) % 24 < 17 for t in ts]
    return pl.DataFrame(
        {
            "sensor_id": sensor,
            "t": ts,
            "kind": 1,
            "on_state": on,
            "lux": [300.0 if o else 5.0 for o in on],
        }
    )


def test_analyse_when_rules_give_printer_30_days_then_it_is_judged_over_30_and_pc_over_90(
    db_url, monitor_world, tmp_path: Path
):
    printer = monitor_world.card("打印机", "A020102")
    pc = monitor_world.card("台式机", "A02010105")
    for sensor, card in (("PH-PRN", printer), ("PH-PC", pc)):
        monitor_world.bind(sensor, "photo", card, END - timedelta(days=HISTORY_DAYS + 1))
        monitor_world.write(_busy_then_quiet(sensor), fresh=True)
    rules = tmp_path / "rules.toml"
    rules.write_text(RULES, encoding="utf-8")

    result = CliRunner().invoke(
        analyse,
        ["--rules", str(rules), "--end", END.strftime("%Y-%m-%dT%H:%M:%S")],
        env={"ASSETPULSE_DATABASE_URL": db_url, "ASSETPULSE_ANALYSE_WINDOW_DAYS": "90"},
    )
    assert result.exit_code == 0, result.output
    assert "30 days" in result.output, result.output
    assert "90 days" in result.output, result.output

    with psycopg.connect(db_url) as conn:
        rows = conn.execute(
            "select card_id, verdict, window_from, window_to, evidence_zh, evidence"
            " from suggestions"
        ).fetchall()
    by_card = {r[0]: r for r in rows}
    # the printer's own 30 days hold no use at all: idle, over exactly those 30 days
    assert set(by_card) == {printer}, rows
    _, verdict, window_from, window_to, evidence_zh, evidence = by_card[printer]
    assert verdict == "idle"
    assert (window_from, window_to) == (END - timedelta(days=QUIET_DAYS), END)
    assert evidence_zh.startswith("近30天")
    assert evidence["days"] == QUIET_DAYS
    # the computer, judged over the default 90 days, was busy for 60 of them: in use, so
    # no suggestion (over 30 days it would have been idle too)
