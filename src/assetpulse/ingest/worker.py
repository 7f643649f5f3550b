"""One ingest worker (采集入库进程): MQTT in, batches, commit, then acknowledge.

Three threads, each blocking on one thing:
- network (``JetStreamSource`` with a ``nats_url``, else ``MqttSource``): reads messages,
  hands them to ``offer_many`` (all of one read) or ``offer`` (one by one), sends acks;
- batcher (the caller of ``run``): decodes and cuts batches by rows, messages or age;
- writer: commits a batch (retrying with jittered backoff while the database is away,
  holding every acknowledgement), then queues the acks and frees in-flight slots.
The batcher hands a batch to the writer through a one-slot queue, so decoding the next
batch overlaps the commit of the last one, and a slow database stalls the batcher, then
the window of in-flight messages fills, then the broker stops sending: memory stays
bounded by ``max_inflight`` messages and ``max_inflight_bytes`` of payload at every point.

A batch is also cut at half the in-flight window, because the broker sends no more
than the window until we acknowledge: waiting for more rows would only wait for the timer.

SIGTERM (``stop``): stop taking messages, commit what is held, acknowledge, disconnect.
Messages that arrive after that are not acknowledged and the broker redelivers them.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import psycopg
import structlog

from assetpulse.ingest.backoff import Backoff
from assetpulse.ingest.decode import decode
from assetpulse.ingest.jetstream import JetStreamSource
from assetpulse.ingest.metrics import IngestMetrics
from assetpulse.ingest.model import Batch, Limits, Reason, Received, WriteResult
from assetpulse.ingest.source import Inbound, MqttSource
from assetpulse.ingest.store import ReadingStore
from assetpulse.ingest.window import InflightWindow
from assetpulse.ops.health_server import HealthServer

log = structlog.get_logger(__name__)
Token = Any  # (generation, mid, qos) for MQTT, the reply subject for JetStream
Job = tuple[list[Received], list[Token], int]
PURGE_EVERY_S = 600.0  # dead-letter retention: one bounded delete every ten minutes


@dataclass(frozen=True, slots=True)
class WorkerConfig:
    database_url: str
    mqtt_url: str
    client_id: str
    group: str = "ingest"
    batch_rows: int = 5000
    batch_ms: int = 200
    max_inflight: int = 1000
    # payload bytes held unacknowledged; at least two broker-size messages (see window.py)
    max_inflight_bytes: int = 64 * 1024 * 1024
    # set: consume the JetStream consumer ``group`` on this NATS server (mqtt_url unused)
    nats_url: str = ""
    ack_wait_s: float = 30.0
    new_sensors_per_hour: int = 1000  # new unbound sensor ids one gateway may bring
    dead_letter_days: int = 90  # dead letters older than this are deleted
    limits: Limits = field(default_factory=Limits)
    metrics_port: int = 0  # 0: no HTTP endpoint
    drain_timeout_s: float = 30.0
    seq_refresh_s: float = 10.0


class IngestWorker:
    def __init__(self, config: WorkerConfig, *, metrics: IngestMetrics | None = None) -> None:
        self.config = config
        self.metrics = metrics or IngestMetrics()
        self.store = ReadingStore(
            config.database_url, new_sensors_per_hour=config.new_sensors_per_hour
        )
        self.window = InflightWindow(
            max_messages=config.max_inflight, max_bytes=config.max_inflight_bytes
        )
        # read from the window when scraped: a gauge moved per message cost ~5 % of a
        # worker's time at single-reading messages (a lock per call)
        self.metrics.queue_depth.set_function(lambda: self.window.held()[0])
        self.metrics.inflight_bytes.set_function(lambda: self.window.held()[1])
        self.source: MqttSource | JetStreamSource
        if config.nats_url:
            self.source = JetStreamSource(
                url=config.nats_url,
                durable=config.group or "ingest",
                deliver=self.offer_many,
                room=self.window.room,
                ack_wait_s=config.ack_wait_s,
            )
        else:
            self.source = MqttSource(
                url=config.mqtt_url,
                client_id=config.client_id,
                group=config.group,
                max_inflight=config.max_inflight,
                deliver=self.offer,
            )
        self._inbox: queue.SimpleQueue[Inbound | list[Inbound]] = queue.SimpleQueue()
        self._jobs: queue.Queue[Job | None] = queue.Queue(maxsize=1)
        self._stopping = threading.Event()
        self._writer_done = threading.Event()
        self.totals = WriteResult()
        # what /health reports; written by the batcher and writer threads, read by probes
        self.state = "starting"
        self.last_commit_at: float | None = None  # wall clock of the last committed batch
        self.db_failing = False
        self._http: HealthServer | None = None

    # --- network thread ---
    def offer(self, msg: Inbound) -> None:
        """Take a message, blocking while the in-flight window is full (MQTT 3.1.1, or
        bytes beyond the window's budget)."""
        if self._admit(len(msg.payload), 1):
            self._inbox.put(msg)

    def offer_many(self, msgs: list[Inbound]) -> None:
        """``offer`` for what one read from the broker brought: one wait for room and one
        hand-off to the batcher for all of them (JetStream asks only for what fits)."""
        if self._admit(sum(len(m.payload) for m in msgs), len(msgs)):
            self._inbox.put(msgs)

    def _admit(self, nbytes: int, messages: int) -> bool:
        """Room in the window for these messages, waited for; False once stopping (they
        are not acknowledged: the broker redelivers them)."""
        while not self.window.acquire(nbytes, timeout=0.5, messages=messages):
            if self._stopping.is_set():
                return False
        if self._stopping.is_set():
            self.window.release(messages, nbytes)
            return False
        return True

    # --- batcher (caller's thread) ---
    def run(self) -> None:
        cfg = self.config
        if cfg.metrics_port:
            self._http = HealthServer(cfg.metrics_port, self.metrics.registry, self.health)
            self._http.start()
        writer = threading.Thread(target=self._write_loop, name="writer", daemon=True)
        writer.start()
        self.source.start()
        self.state = "running"
        flush_msgs = max(1, cfg.max_inflight // 2)
        items: list[Received] = []
        tokens: list[Token] = []
        rows = 0
        nbytes = 0
        readings = 0  # in valid envelopes, counted per batch (a counter per message costs)
        deadline = 0.0
        limits = cfg.limits
        while True:
            stopping = self._stopping.is_set()
            wait = max(0.0, deadline - time.monotonic()) if items else 0.2
            try:
                got = self._inbox.get(timeout=0.0 if stopping else wait)
            except queue.Empty:
                got = None
            arrived: Sequence[Inbound] = (
                got if isinstance(got, list) else () if got is None else (got,)
            )
            for msg in arrived:
                d = decode(msg.payload, msg.topic, now_ms=msg.received_ms, limits=limits)
                if not items:
                    deadline = time.monotonic() + cfg.batch_ms / 1000
                items.append(Received(msg.topic, msg.payload, msg.received_ms, d))
                tokens.append(msg.token)
                nbytes += len(msg.payload)
                if type(d) is Batch:
                    rows += len(d.readings) + len(d.bad)
                    readings += len(d.readings)
                else:
                    rows += 1
                if (
                    rows >= cfg.batch_rows
                    or len(items) >= flush_msgs
                    or nbytes >= cfg.max_inflight_bytes // 2
                ):
                    self._hand_to_writer(items, tokens, nbytes, readings)
                    items, tokens, rows, nbytes, readings = [], [], 0, 0, 0
            if items and (stopping or time.monotonic() >= deadline):
                self._hand_to_writer(items, tokens, nbytes, readings)
                items, tokens, rows, nbytes, readings = [], [], 0, 0, 0
            if stopping and got is None and not items:
                break
        self._jobs.put(None)
        self._writer_done.wait(cfg.drain_timeout_s + 5)
        self.source.stop()
        self.store.close()
        self.state = "stopped"
        if self._http is not None:
            self._http.stop()
        log.info("ingest worker stopped", **self._totals_dict())

    def _hand_to_writer(
        self, items: list[Received], tokens: list[Token], nbytes: int, readings: int
    ) -> None:
        self.metrics.messages.inc(len(items))
        self.metrics.received.inc(readings)
        self._jobs.put((items, tokens, nbytes))

    def stop(self) -> None:
        """Drain and stop (SIGTERM); ``run`` returns once done."""
        self._stopping.set()
        self.state = "draining"

    def health(self) -> tuple[bool, dict[str, Any]]:
        """Healthy while running with the broker connected and the database taking batches."""
        connected = self.source.connected.is_set()
        body: dict[str, Any] = {
            "service": "ingest",
            "state": self.state,
            "broker_connected": connected,
            "database": "retrying" if self.db_failing else "ok",
            "last_commit_age_s": (
                None if self.last_commit_at is None else round(time.time() - self.last_commit_at, 1)
            ),
        }
        ok = self.state == "running" and connected and not self.db_failing
        body["status"] = "ok" if ok else "degraded"
        return ok, body

    # --- writer thread ---
    def _write_loop(self) -> None:
        try:
            last_seq = 0.0
            last_purge = time.monotonic() - PURGE_EVERY_S + 60  # first one a minute in
            while (job := self._jobs.get()) is not None:
                items, tokens, nbytes = job
                started = time.monotonic()
                result = self._write(items)
                if result is not None:
                    self.metrics.count(result, time.monotonic() - started)
                    self._add(result)
                    self.source.ack(tokens)
                self.window.release(len(items), nbytes)
                if isinstance(self.source, JetStreamSource):
                    self.source.poke()  # room again: pull without waiting for its timer
                if time.monotonic() - last_seq > self.config.seq_refresh_s:
                    last_seq = time.monotonic()
                    self._refresh_seq()
                if time.monotonic() - last_purge > PURGE_EVERY_S:
                    last_purge = time.monotonic()
                    self._purge_dead_letters()
            self._flush_unbound()
        finally:
            self._writer_done.set()

    def _write(self, items: list[Received]) -> WriteResult | None:
        """Commit, retrying until it works; None if a drain gave up (nothing acked)."""
        backoff: Backoff | None = None  # made on the first failure: seeding costs ~3 %
        give_up_at: float | None = None
        while True:
            try:
                result = self.store.write(items)
                self.db_failing = False
                self.last_commit_at = time.time()
                return result
            except (psycopg.OperationalError, psycopg.InterfaceError) as exc:
                # connection lost, server restarting, deadlock, serialization: try again
                self.db_failing = True
                self.metrics.db_retries.inc()
                log.warning("batch write failed, retrying", error=str(exc).strip()[:200])
            except Exception as exc:  # a refused row must not stop the worker
                # a row the database refuses: find it, keep the rest
                log.error("batch refused, splitting", error=str(exc).strip()[:200])
                return self._write_split(items)
            if self._stopping.is_set():
                give_up_at = give_up_at or time.monotonic() + self.config.drain_timeout_s
                if time.monotonic() > give_up_at:
                    log.error("database still away at shutdown; batch left unacknowledged")
                    return None
            backoff = backoff or Backoff(first=0.1, cap=5.0)
            time.sleep(backoff.next())

    def _write_split(self, items: list[Received]) -> WriteResult | None:
        total = WriteResult()
        for item in items:
            try:
                result = self.store.write([item])
            except (psycopg.OperationalError, psycopg.InterfaceError):
                return self._write(items)  # the connection went, not the row
            except Exception as exc:  # kept as a dead letter, never dropped
                log.exception("message refused by the store", topic=item.topic)
                self.store.dead_letter([item], Reason.STORE_FAILED, str(exc).strip()[:500])
                result = WriteResult(dead_messages=1)
            total = _plus(total, result)
        return total

    def _purge_dead_letters(self) -> None:
        try:
            self.metrics.dead_letters_purged.inc(
                self.store.purge_dead_letters(self.config.dead_letter_days)
            )
        except psycopg.Error as exc:
            log.warning("dead-letter retention failed", error=str(exc).strip()[:200])

    def _flush_unbound(self) -> None:
        try:
            self.store.flush()
        except psycopg.Error as exc:  # counts only: every reading is committed already
            log.warning("unbound-sensor counts not written", error=str(exc).strip()[:200])

    def _refresh_seq(self) -> None:
        try:
            self.metrics.seq_missing.set(self.store.seq_missing())
        except psycopg.Error as exc:
            log.warning("seq gap query failed", error=str(exc).strip()[:200])

    def _add(self, result: WriteResult) -> None:
        self.totals = _plus(self.totals, result)

    def _totals_dict(self) -> dict[str, int]:
        t = self.totals
        return {
            "stored": t.stored,
            "duplicates": t.duplicates,
            "quarantined": t.quarantined,
            "dead_readings": t.dead_readings,
            "dead_messages": t.dead_messages,
        }


def _plus(a: WriteResult, b: WriteResult) -> WriteResult:
    return WriteResult(
        a.stored + b.stored,
        a.duplicates + b.duplicates,
        a.quarantined + b.quarantined,
        a.dead_readings + b.dead_readings,
        a.dead_messages + b.dead_messages,
        a.states + b.states,
        a.sensor_mismatch + b.sensor_mismatch,
        a.new_sensor_refused + b.new_sensor_refused,
        a.conflicting + b.conflicting,
    )
