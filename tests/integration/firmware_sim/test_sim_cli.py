"""`assetpulse sim` as an operator runs it: register, replay, write the truth."""

from __future__ import annotations

import json

from click.testing import CliRunner

from assetpulse.firmware_sim.cli import sim
from tests.integration.firmware_sim.test_publish import Collector


def test_sim_replay_registers_publishes_and_writes_truth(
    db, db_url, demo_units, mqtt_broker, unique_id, tmp_path, monkeypatch
):
    prefix = "C" + unique_id.upper()[:8]
    monkeypatch.setenv("ASSETPULSE_DATABASE_URL", db_url)
    monkeypatch.setenv("ASSETPULSE_MQTT_URL", mqtt_broker.url)
    sub = Collector(mqtt_broker.port, ["assetpulse/v1/gw/+/up"])
    truth = tmp_path / "truth.json"
    result = CliRunner().invoke(
        sim,
        ["--days", "1", "-g", "2", "-s", "4", "--prefix", prefix, "--register-unit", "U460001",
         "--truth", str(truth), "--faults", "typical", "--sample-s", "300"],
        catch_exceptions=False,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    report = json.loads(result.output.strip().splitlines()[-1])
    assert "registered 8 simulated assets for unit U460001" in result.output
    sub.wait_for(report["messages"], timeout=20)
    sub.close()
    ours = [t for t, _ in sub.got if f"/{prefix}-GW-" in t]
    assert len(ours) == report["messages"] > 0
    data = json.loads(truth.read_text())
    assert {a["asset_code"] for a in data["assets"]} == {
        r[0]
        for r in db.execute(
            "select asset_code from asset_cards where unit_id = %s", (demo_units["U460001"],)
        )
    }
    assert data["spec"]["faults"]["duplicates"] > 0
