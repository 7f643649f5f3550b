"""`assetpulse run` end to end: it comes up on embedded defaults, works, and stops cleanly."""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import psutil
import psycopg
import pytest

from assetpulse.localservices import free_port
from assetpulse.runner.children import command_available


def _wait(what, check, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            value = check()
            if value:
                return value
        except (httpx.HTTPError, psycopg.Error):
            pass
        time.sleep(0.5)
    pytest.fail(f"{what} not reached in {timeout} s")


def _count(url, query):
    with psycopg.connect(url, connect_timeout=3) as conn:
        return conn.execute(query).fetchone()[0]


@pytest.fixture
def run_dir():
    """A directory outside pytest's basetemp: each pytest session that starts resets
    /tmp/pytest-of-<user> to mode 0700, which would lock the database's system user out of
    its data directory in the middle of this test when other sessions run beside it."""
    path = Path(tempfile.mkdtemp(prefix="assetpulse-run-"))
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.mark.timeout(120)
@pytest.mark.parametrize(("broker", "how"), [("nats-server", "ctrl-c"), ("amqtt", "sigterm")])
def test_run_comes_up_stores_readings_and_stops_cleanly(run_dir: Path, broker, how):
    tmp_path = run_dir
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASSETPULSE_")}
    env["ASSETPULSE_LOG_LEVEL"] = "WARNING"
    log = (tmp_path / "run.log").open("wb")
    proc = subprocess.Popen(
        [sys.executable, "-c", "from assetpulse.cli import main; main()", "run",
         "--data-dir", str(tmp_path / "data"), "--api-port", str(port),
         "-g", "2", "-s", "5", "--backfill-days", "1", "--speed", "1440",
         "--analyse-every", "10", *(["--amqtt"] if broker == "amqtt" else [])],
        env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    db = f"postgresql://postgres@/assetpulse?host={tmp_path / 'data' / 'pg'}"
    try:
        health = _wait(
            "API /health",
            lambda: httpx.get(f"http://127.0.0.1:{port}/health", timeout=2).status_code == 200,
            60,
        )
        assert health
        # the simulator registered its fleet for 海南大学 before publishing
        _wait("10 simulated cards", lambda: _count(db, "select count(*) from asset_cards"
              " where asset_code like 'HNU-%'") == 10, 30)  # fmt: skip
        if command_available("ingest"):
            _wait("stored readings", lambda: _count(db, "select count(*) from readings") > 0, 40)
    finally:
        if how == "ctrl-c":  # the terminal signals the whole foreground process group
            os.killpg(proc.pid, signal.SIGINT)
        else:
            proc.send_signal(signal.SIGTERM)
        code = proc.wait(timeout=60)
        log.close()
    output = (tmp_path / "run.log").read_text(errors="replace")
    assert code == 0, output[-3000:]
    assert "demo-pass-2026" in output
    # the API refuses the default signing key: run made one for this installation, said so
    key_file = tmp_path / "data" / "jwt-secret"
    assert f"token key  {key_file}" in output
    assert "generated now for this installation" in " ".join(output.split())
    assert len(key_file.read_text().strip()) >= 32
    assert f"http://127.0.0.1:{port}/health" in output
    assert "stopped." in output
    assert f"({broker}," in output
    # nothing left behind: the API port is free and the database has shut down
    metrics = re.search(r"metrics (http://\S+/metrics)", output)
    assert metrics is not None
    for url in (f"http://127.0.0.1:{port}/health", metrics.group(1)):
        with pytest.raises(httpx.HTTPError):
            httpx.get(url, timeout=2)
    assert not (tmp_path / "data" / "pg" / "postmaster.pid").exists()
    if command_available("ingest"):
        # the broker outlived the ingest worker: it drained without losing the broker
        ingest_log = (tmp_path / "data" / "logs" / "ingest.log").read_text()
        assert "broker unreachable" not in ingest_log


def _ours(run_dir: Path) -> list[psutil.Process]:
    """Processes of this run: children carry its data dir in their environment, the
    broker and PostgreSQL on their command line."""
    found = []
    for p in psutil.process_iter():
        try:
            text = " ".join(p.cmdline()) + " " + " ".join(p.environ().values())
        except (psutil.Error, OSError):
            continue
        if str(run_dir) in text and p.pid != os.getpid():
            found.append(p)
    return found


def _start_run(run_dir: Path, port: int) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASSETPULSE_")}
    env["ASSETPULSE_LOG_LEVEL"] = "WARNING"
    proc = subprocess.Popen(
        [sys.executable, "-c", "from assetpulse.cli import main; main()", "run",
         "--data-dir", str(run_dir / "data"), "--api-port", str(port),
         "-g", "1", "-s", "2", "--backfill-days", "1", "--speed", "1440"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    _wait("API /health", lambda: httpx.get(f"http://127.0.0.1:{port}/health").is_success, 60)
    names = {p.name() for p in _ours(run_dir)}
    assert {"postgres", "nats-server"} <= names, names
    return proc


@pytest.mark.timeout(180)
def test_run_when_killed_then_children_stop_and_second_run_stops_when_its_stdout_closes(
    run_dir: Path,
):
    port = free_port()
    try:
        # kill -9 of run: its watchdog stops every child, in the README's order
        first = _start_run(run_dir, port)
        first.kill()
        first.wait(timeout=10)
        assert first.stdout is not None
        first.stdout.close()
        _wait("every child of the killed run stopped", lambda: not _ours(run_dir), 60)
        said = (run_dir / "data" / "logs" / "watchdog.log").read_text()
        order = [m.group(1) for m in re.finditer(r"stopping (\S+) \(pid", said)]
        assert order == ["sim", "api", "ingest", "nats-server", "postgres"], said

        # a second run gets the same port; its stdout closes (`make run | tee` and tee is
        # killed): it stops everything itself and exits cleanly
        second = _start_run(run_dir, port)
        assert second.stdout is not None
        second.stdout.close()
        assert second.wait(timeout=60) == 0
        _wait("every child of the second run stopped", lambda: not _ours(run_dir), 30)
    finally:
        for p in _ours(run_dir):
            p.kill()
    assert not (run_dir / "data" / "pg" / "postmaster.pid").exists()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", port))  # free again for a third
