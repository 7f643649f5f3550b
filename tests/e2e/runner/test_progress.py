"""The run's progress figures come from the database and the ingest worker's /metrics."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, start_http_server

from assetpulse.localservices import free_port
from assetpulse.runner.children import Supervisor
from assetpulse.runner.progress import Progress, line


def test_progress_counts_stored_readings_dead_letters_and_ingest_messages(db, db_url):
    registry = CollectorRegistry()
    received = Counter("assetpulse_ingest_messages_received", "test", registry=registry)
    port = free_port()
    server, thread = start_http_server(port, addr="127.0.0.1", registry=registry)
    try:
        progress = Progress(db_url, f"http://127.0.0.1:{port}/metrics")
        first = progress.poll()
        assert (first.readings, first.dead_letters, first.messages) == (0, 0, 0)
        db.execute(
            "insert into readings (sensor_id, t, kind, gateway_id, temp_c)"
            " select 'S1', now() - make_interval(secs => g), 2, 'G1', 25"
            " from generate_series(1, 5) g"
        )
        db.execute(
            "insert into ingest_dead_letters (topic, reason, payload) values ('t', 'not_json', 'x')"
        )
        received.inc(7)
        second = progress.poll()
        progress.close()
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)
    assert (second.readings, second.dead_letters, second.messages) == (5, 1, 7)
    assert second.readings_per_s > 0
    assert second.messages_per_s > 0
    assert second.suggestions == {}
    assert "readings=5" in line(second, Supervisor())


def test_progress_without_ingest_metrics_shows_no_rate(db_url):
    progress = Progress(db_url, f"http://127.0.0.1:{free_port()}/metrics")
    snap = progress.poll()
    progress.close()
    assert snap.messages is None
    assert snap.error is None
    assert "msgs=–/s" in line(snap, Supervisor())
