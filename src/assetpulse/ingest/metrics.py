"""Prometheus metrics of one ingest worker (监控指标), served at ``/metrics``.

A registry per worker (not the global one) so that several workers in one process, as in
tests, do not collide. Counters count readings unless their name says messages.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, start_http_server

from assetpulse.ingest.model import WriteResult


@dataclass
class IngestMetrics:
    registry: CollectorRegistry = field(default_factory=CollectorRegistry)

    def __post_init__(self) -> None:
        r = self.registry
        p = "assetpulse_ingest_"
        self.messages = Counter(f"{p}messages_received", "MQTT messages received", registry=r)
        self.received = Counter(f"{p}readings_received", "readings in valid envelopes", registry=r)
        self.stored = Counter(f"{p}readings_stored", "readings newly committed", registry=r)
        self.duplicates = Counter(
            f"{p}readings_duplicate", "readings already stored (redelivery)", registry=r
        )
        self.dead_readings = Counter(
            f"{p}readings_dead_lettered", "single invalid readings dead-lettered", registry=r
        )
        self.dead_messages = Counter(
            f"{p}messages_dead_lettered", "whole messages dead-lettered", registry=r
        )
        self.quarantined = Counter(
            f"{p}readings_quarantined", "readings of unbound sensors (stored)", registry=r
        )
        self.sensor_mismatch = Counter(
            f"{p}readings_sensor_gateway_mismatch",
            "readings dead-lettered: sensor registered to another gateway",
            registry=r,
        )
        self.new_sensor_refused = Counter(
            f"{p}readings_new_sensor_refused",
            "readings dead-lettered: gateway over its new unbound sensor ids per hour",
            registry=r,
        )
        self.conflicting = Counter(
            f"{p}readings_conflicting",
            "readings dead-lettered: another value for a (sensor, t) stored before",
            registry=r,
        )
        self.inflight_bytes = Gauge(
            f"{p}inflight_bytes", "payload bytes received and not yet acknowledged", registry=r
        )
        self.dead_letters_purged = Counter(
            f"{p}dead_letters_purged", "dead letters deleted after their retention", registry=r
        )
        self.states = Counter(f"{p}gateway_states", "gateway state changes", registry=r)
        self.batch_seconds = Histogram(
            f"{p}batch_seconds",
            "time to commit one batch",
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
            registry=r,
        )
        self.queue_depth = Gauge(
            f"{p}queue_depth", "messages received and not yet acknowledged", registry=r
        )
        self.seq_missing = Gauge(
            f"{p}seq_missing", "messages missing by seq, all gateways (from the DB)", registry=r
        )
        self.db_retries = Counter(f"{p}db_retries", "batch writes retried", registry=r)

    def count(self, result: WriteResult, seconds: float) -> None:
        self.stored.inc(result.stored)
        self.duplicates.inc(result.duplicates)
        self.dead_readings.inc(result.dead_readings)
        self.dead_messages.inc(result.dead_messages)
        self.quarantined.inc(result.quarantined)
        self.states.inc(result.states)
        self.sensor_mismatch.inc(result.sensor_mismatch)
        self.new_sensor_refused.inc(result.new_sensor_refused)
        self.conflicting.inc(result.conflicting)
        self.batch_seconds.observe(seconds)

    def serve(self, port: int, host: str = "0.0.0.0") -> None:  # noqa: S104 - scraped by Prometheus
        start_http_server(port, addr=host, registry=self.registry)
