"""``assetpulse ingest``: run N ingest workers (采集入库) from ``ASSETPULSE_*`` settings.

With ``ASSETPULSE_NATS_URL`` the workers pull from one durable JetStream consumer (the
durable set-up, docs/telemetry.md section 7); else they subscribe at ``ASSETPULSE_MQTT_URL``.

Options override the settings. With ``--workers N`` the command supervises N worker
processes (one core each: decoding is Python, the GIL keeps one process on one core),
restarts one that dies, and forwards SIGTERM so that each drains. Client ids are
``<base>-<n>``, stable across restarts, because the broker keeps each worker's session
(subscription and unacknowledged messages) under its client id.
"""

from __future__ import annotations

import faulthandler
import gc
import multiprocessing
import signal
import socket
import sys
import time
from dataclasses import replace
from typing import Any

import click
import structlog

from assetpulse.ingest.errors import IngestError, not_configured
from assetpulse.ingest.model import DAY_MS, Limits
from assetpulse.ingest.worker import IngestWorker, WorkerConfig
from assetpulse.logs import configure_logging
from assetpulse.settings import Settings

log = structlog.get_logger(__name__)


def build_config(settings: Settings, **overrides: Any) -> WorkerConfig:
    database_url, mqtt_url = settings.database_url, settings.mqtt_url
    broker_url = settings.nats_url or mqtt_url  # with NATS, gateways' MQTT URL is not ours
    if not database_url or not broker_url:
        names = ("ASSETPULSE_DATABASE_URL", "ASSETPULSE_NATS_URL or ASSETPULSE_MQTT_URL")
        raise not_configured(
            [n for n, v in zip(names, (database_url, broker_url), strict=True) if not v]
        )
    base = settings.ingest_client_id or f"ingest-{socket.gethostname()}"
    config = WorkerConfig(
        database_url=database_url,
        mqtt_url=mqtt_url or "",
        client_id=base,
        group=settings.ingest_group,
        batch_rows=settings.ingest_batch_rows,
        batch_ms=settings.ingest_batch_ms,
        max_inflight=settings.ingest_max_inflight,
        max_inflight_bytes=settings.ingest_max_inflight_bytes,
        nats_url=settings.nats_url or "",
        ack_wait_s=float(settings.ingest_ack_wait_s),
        new_sensors_per_hour=settings.ingest_new_sensors_per_gateway_hour,
        dead_letter_days=settings.ingest_dead_letter_days,
        limits=Limits(
            max_message_bytes=settings.ingest_max_message_bytes,
            clock_skew_ms=settings.ingest_clock_skew_s * 1000,
            max_age_ms=settings.ingest_max_reading_age_days * DAY_MS,
        ),
        metrics_port=settings.ingest_metrics_port,
    )
    return replace(config, **{k: v for k, v in overrides.items() if v is not None})


def run_worker(config: WorkerConfig, log_level: str = "INFO", log_json: bool = False) -> None:
    """One worker in this process until SIGTERM/SIGINT, then drain."""
    configure_logging(level=log_level, json=log_json)
    faulthandler.register(signal.SIGUSR1)  # `kill -USR1 <pid>` dumps every thread's stack
    worker = IngestWorker(config)
    _tune_gc()
    signal.signal(signal.SIGTERM, lambda *_: worker.stop())
    signal.signal(signal.SIGINT, lambda *_: worker.stop())
    log.info("ingest worker starting", client_id=config.client_id, group=config.group)
    worker.run()


# Per reading the worker makes a few short-lived containers (orjson's dict, the reading's
# tuple); with the default gen-0 threshold of 700 the cyclic collector ran every ~50
# readings and walked every object of the imported modules at each full collection.
# Frozen start-up objects and thresholds of (20,000, 50, 100) cut the instructions of
# decode and write by 21 % per reading in batches of 100 and 19 % for one-reading messages
# (callgrind, same messages; 12 % / 16 % with only gen 0 raised). Garbage without cycles
# is freed by reference counts whatever the thresholds.
GC_THRESHOLDS = (20_000, 50, 100)


def _tune_gc() -> None:
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)


def supervise(configs: list[WorkerConfig], log_level: str, log_json: bool) -> None:
    ctx = multiprocessing.get_context("spawn")
    stopping = False

    def start(cfg: WorkerConfig) -> Any:
        proc = ctx.Process(target=run_worker, args=(cfg, log_level, log_json), name=cfg.client_id)
        proc.start()
        return proc

    procs = [start(cfg) for cfg in configs]

    def on_signal(*_: Any) -> None:
        nonlocal stopping
        stopping = True
        for p in procs:
            if p.is_alive() and p.pid:
                p.terminate()  # SIGTERM: the worker drains

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    while not stopping:
        time.sleep(0.5)
        for i, p in enumerate(procs):
            if not p.is_alive() and not stopping:
                log.warning("ingest worker died, restarting", client_id=configs[i].client_id)
                time.sleep(1.0)
                procs[i] = start(configs[i])
    for p in procs:
        p.join(60)


@click.command("ingest")
@click.option("--workers", type=click.IntRange(1, 64), default=1, show_default=True)
@click.option("--database-url", default=None, help="overrides ASSETPULSE_DATABASE_URL")
@click.option("--mqtt-url", default=None, help="overrides ASSETPULSE_MQTT_URL")
@click.option("--nats-url", default=None, help="overrides ASSETPULSE_NATS_URL")
@click.option(
    "--group",
    default=None,
    help="JetStream consumer (with ASSETPULSE_NATS_URL) or MQTT shared-subscription group;"
    " '' = plain subscription (MQTT 3.1.1)",
)
@click.option("--client-id", default=None, help="base client id (default ingest-<host>)")
@click.option("--batch-rows", type=click.IntRange(1), default=None)
@click.option("--batch-ms", type=click.IntRange(1), default=None)
@click.option("--max-inflight", type=click.IntRange(1, 65535), default=None)
@click.option("--metrics-port", type=click.IntRange(0, 65535), default=None, help="0: off")
def ingest(
    workers: int,
    database_url: str | None,
    mqtt_url: str | None,
    nats_url: str | None,
    **overrides: Any,
) -> None:
    """Consume MQTT telemetry into PostgreSQL: ack after commit, store each reading once."""
    settings = Settings()
    if database_url:
        settings.database_url = database_url
    if mqtt_url:
        settings.mqtt_url = mqtt_url
    if nats_url:
        settings.nats_url = nats_url
    try:
        config = build_config(settings, **overrides)
    except IngestError as exc:
        raise click.UsageError(exc.message) from exc
    base = config.client_id
    configs = [
        replace(
            config,
            client_id=f"{base}-{n}",
            metrics_port=config.metrics_port + n - 1 if config.metrics_port else 0,
        )
        for n in range(1, workers + 1)
    ]
    if workers == 1:
        run_worker(configs[0], settings.log_level, settings.log_json)
    else:
        configure_logging(level=settings.log_level, json=settings.log_json)
        supervise(configs, settings.log_level, settings.log_json)
    sys.exit(0)
