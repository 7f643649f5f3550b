"""The analyser on a schedule (issue 16): it stays up, runs every N seconds, answers /health
and /metrics with its last run, records each run where the API's /health reads it, and
stops on SIGTERM."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import orjson
import psycopg
import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient

from assetpulse.localservices import free_port
from assetpulse.monitor.scheduled_cli import analyse


def _get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=2) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def _health_after_a_run(port: int, proc: subprocess.Popen[bytes]) -> dict[str, Any]:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert proc.poll() is None, "the analyser exited"
        try:
            status, body = _get(f"http://127.0.0.1:{port}/health")
        except OSError:
            status, body = 0, b""
        if status == 200 and orjson.loads(body)["last_run"] is not None:
            return dict(orjson.loads(body))
        time.sleep(0.3)
    raise AssertionError("no finished run on /health within 60 s")


@pytest.mark.timeout(120)
def test_analyser_every_when_up_reports_its_last_run_and_stops_on_sigterm(
    db_url: str, api: TestClient, tmp_path: Path
) -> None:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASSETPULSE_")}
    env |= {"ASSETPULSE_DATABASE_URL": db_url, "ASSETPULSE_LOG_LEVEL": "WARNING"}
    log = (tmp_path / "analyser.log").open("wb")
    proc = subprocess.Popen(
        [sys.executable, "-c", "from assetpulse.cli import main; main()",
         "analyse", "--every", "1", "--health-port", str(port)],
        env=env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        health = _health_after_a_run(port, proc)
        assert health["status"] == "ok"
        assert health["every_s"] == 1
        assert health["last_run"]["outcome"] == "ok"
        assert health["last_run"]["duration_s"] >= 0
        _, metrics = _get(f"http://127.0.0.1:{port}/metrics")
        assert b'assetpulse_analyser_runs_total{outcome="ok"}' in metrics
        assert b"assetpulse_analyser_last_run_duration_seconds" in metrics
        # scheduled, not restarted: one process, and its runs keep coming
        deadline = time.monotonic() + 30
        while _runs(db_url, "ok") < 2 and time.monotonic() < deadline:
            time.sleep(0.3)
        assert _runs(db_url, "ok") >= 2
        seen = api.get("/health").json()["analyser"]
        assert seen["last_run"]["outcome"] in ("ok", "running")
        assert seen["last_success_at"] is not None
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        log.close()


def _runs(db_url: str, outcome: str) -> int:
    with psycopg.connect(db_url) as conn:
        row = conn.execute(
            "select count(*) from analyser_runs where outcome = %s", (outcome,)
        ).fetchone()
    return int(row[0]) if row else 0


def test_analyse_when_the_run_fails_records_it_failed_with_the_reason(
    db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ASSETPULSE_DATABASE_URL", db_url)
    rules = tmp_path / "rules.toml"
    rules.write_text("[defaults]\nwindow_days = 'ninety'\n", encoding="utf-8")
    result = CliRunner().invoke(analyse, ["--rules", str(rules)])
    assert result.exit_code != 0
    with psycopg.connect(db_url) as conn:
        rows = conn.execute("select outcome, error, duration_s >= 0 from analyser_runs").fetchall()
    assert len(rows) == 1
    outcome, error, timed = rows[0]
    assert (outcome, timed) == ("failed", True)
    assert "RULES_INVALID" in error
