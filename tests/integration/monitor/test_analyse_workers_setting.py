"""``assetpulse analyse`` takes its number of workers from ASSETPULSE_ANALYSER_WORKERS when
``--workers`` is not given (what compose sets for the scheduled analyser, issue 12)."""

from __future__ import annotations

from datetime import timedelta

from click.testing import CliRunner

from assetpulse.monitor.scheduled_cli import analyse
from tests.integration.monitor.test_slices import CARDS, T0, _world


def test_analyse_workers_when_only_the_setting_says_then_that_many_take_slices(
    db_url, monitor_world
):
    _world(monitor_world)
    end = (T0 + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%S")
    args = ["--window-days", "3", "--end", end, "--slice-cards", "1"]
    env = {"ASSETPULSE_DATABASE_URL": db_url, "ASSETPULSE_ANALYSER_WORKERS": "2"}
    by_setting = CliRunner().invoke(analyse, args, env=env)
    assert by_setting.exit_code == 0, by_setting.output
    assert f"in {CARDS} slices, 2 workers" in by_setting.output
    # the option, when given, wins over the setting
    by_option = CliRunner().invoke(analyse, [*args, "--workers", "1"], env=env)
    assert by_option.exit_code == 0, by_option.output
    assert "slices, 1 workers" in by_option.output
