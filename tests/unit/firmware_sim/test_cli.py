"""`assetpulse sim --dry-run`: the command builds the fleet the options describe."""

from __future__ import annotations

import json
from datetime import datetime

from click.testing import CliRunner

from assetpulse.firmware_sim import FaultSpec, Fleet, FleetSpec
from assetpulse.firmware_sim.cli import sim
from assetpulse.firmware_sim.spec import CHINA_TZ


def test_sim_dry_run_with_start_counts_what_the_core_emits(tmp_path):
    truth = tmp_path / "truth.json"
    args = ["--start", "2026-09-28", "--days", "3", "-g", "2", "-s", "3", "--seed", "5",
            "--sample-s", "300", "--fault", "duplicates=0.1", "--truth", str(truth),
            "--dry-run"]  # fmt: skip
    result = CliRunner().invoke(sim, args, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    counted = json.loads(result.output.strip().splitlines()[-1])
    spec = FleetSpec(gateways=2, assets_per_gateway=3, seed=5, sample_s=300, days=3,
                     start=datetime(2026, 9, 28, tzinfo=CHINA_TZ),
                     faults=FaultSpec(duplicates=0.1))  # fmt: skip
    stream = Fleet.build(spec).messages()
    assert counted["messages"] == sum(1 for _ in stream)
    assert counted["readings"] == stream.accounting.readings
    assert json.loads(truth.read_text())["spec"]["days"] == 3


def test_sim_unknown_fault_refused():
    result = CliRunner().invoke(sim, ["--fault", "gremlins=0.1", "--dry-run"])
    assert result.exit_code == 2
    assert "unknown fault" in result.output
