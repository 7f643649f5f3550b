"""Ingest fixtures: payload builders, a fast QoS 1 publisher, workers in a thread or a process.

Telemetry for end-to-end tests comes from ``assetpulse.firmware_sim`` (the source of
telemetry fixtures); the small builders here make hand-written edge cases and the bulk
streams of the fault tests, where the payload content does not matter but the volume does.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson
import paho.mqtt.client as mqtt
import psycopg
import pytest
from paho.mqtt.enums import CallbackAPIVersion

from assetpulse.ingest.worker import IngestWorker, WorkerConfig
from assetpulse.localservices import MosquittoProcess, PostgresProcess

NOW_MS = 1763884800000  # 2025-11-23T08:00:00Z, the contract's example; unit tests only
REPO = Path(__file__).resolve().parents[1]


def up_topic(gw: str) -> str:
    return f"assetpulse/v1/gw/{gw}/up"


def envelope(gw: str, seq: int, readings: list[Any]) -> dict[str, Any]:
    return {"v": 1, "gw": gw, "seq": seq, "readings": readings}


def photo(s: str, t: int | str, **values: Any) -> dict[str, Any]:
    return {"s": s, "k": "photo", "t": t, **values}


def temp(s: str, t: int | str, c: Any) -> dict[str, Any]:
    return {"s": s, "k": "temp", "t": t, "c": c}


def loc(s: str, t: int | str, lat: Any, lon: Any, **extra: Any) -> dict[str, Any]:
    return {"s": s, "k": "loc", "t": t, "lat": lat, "lon": lon, **extra}


def now_ms() -> int:
    return time.time_ns() // 1_000_000


@dataclass
class Stream:
    """A bulk stream: ``messages`` to publish and the (sensor, t) keys they carry."""

    messages: list[tuple[str, bytes]] = field(default_factory=list)
    keys: set[tuple[str, int]] = field(default_factory=set)


def bulk_stream(
    tag: str, *, gateways: int, messages: int, per_message: int, start_ms: int | None = None
) -> Stream:
    """``messages`` messages spread over gateways, each reading a distinct (sensor, t)."""
    base = (start_ms or now_ms() - 3_600_000) // 1000 * 1000
    out = Stream()
    for n in range(messages):
        g = n % gateways
        gw = f"{tag}-G{g}"
        seq = n // gateways
        readings = []
        for i in range(per_message):
            s = f"{tag}-G{g}-S{i}"
            t = base + seq * 1000
            readings.append(temp(s, t, 20.0 + i % 10))
            out.keys.add((s, t))
        out.messages.append((up_topic(gw), orjson.dumps(envelope(gw, seq, readings))))
    return out


class Publisher:
    """A paho MQTT 5 client publishing QoS 1 with a wide in-flight window."""

    def __init__(self, url_port: int, client_id: str) -> None:
        self.client = mqtt.Client(
            CallbackAPIVersion.VERSION2, client_id=client_id, protocol=mqtt.MQTTv5
        )
        self.client.max_inflight_messages_set(1000)
        self.client.max_queued_messages_set(0)
        self.client.connect("127.0.0.1", url_port)
        self.client.loop_start()

    def publish(self, messages: list[tuple[str, bytes]], *, timeout: float = 120) -> None:
        infos = [self.client.publish(topic, payload, qos=1) for topic, payload in messages]
        deadline = time.monotonic() + timeout
        for info in infos:
            info.wait_for_publish(max(0.1, deadline - time.monotonic()))
            assert info.is_published(), "broker did not acknowledge a publish in time"

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


class Gateway:
    """A gateway as it behaves in the field: MQTT 3.1.1, a persistent session, QoS 1, and it
    keeps publishing whatever happens to the broker (paho keeps unacknowledged messages and
    sends them again after reconnecting). ``published`` counts what the broker acknowledged."""

    def __init__(self, port: int, client_id: str) -> None:
        self.client = mqtt.Client(
            CallbackAPIVersion.VERSION2,
            client_id=client_id,
            protocol=mqtt.MQTTv311,
            clean_session=False,
        )
        self.client.max_inflight_messages_set(200)
        self.client.max_queued_messages_set(0)
        self.client.reconnect_delay_set(1, 2)
        self.handed = 0
        self.published = 0  # PUBACKs received; paho reports each message once
        self.client.on_publish = self._on_publish
        self.client.connect("127.0.0.1", port)
        self.client.loop_start()

    def publish(self, messages: list[tuple[str, bytes]]) -> None:
        """Hand messages to the client without waiting (it sends them when it can)."""
        for topic, payload in messages:
            self.client.publish(topic, payload, qos=1)  # "not connected" is fine: kept
            self.handed += 1

    def _on_publish(self, *_: Any) -> None:
        self.published += 1

    def wait_all_acknowledged(self, timeout: float = 120) -> None:
        wait_until(
            lambda: self.published >= self.handed,
            timeout=timeout,
            what=f"broker acknowledging {self.handed} publishes ({self.published} so far)",
        )

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


@pytest.fixture
def gateway_factory() -> Iterator[Callable[[Any], Gateway]]:
    made: list[Gateway] = []

    def make(broker: Any) -> Gateway:
        g = Gateway(broker.port, f"gw-{len(made)}-{os.getpid()}-{time.monotonic_ns()}")
        made.append(g)
        return g

    yield make
    for g in made:
        g.close()


@pytest.fixture
def publisher_factory() -> Iterator[Callable[[MosquittoProcess], Publisher]]:
    made: list[Publisher] = []

    def make(broker: MosquittoProcess) -> Publisher:
        p = Publisher(broker.port, f"pub-{len(made)}-{os.getpid()}-{time.monotonic_ns()}")
        made.append(p)
        return p

    yield make
    for p in made:
        p.close()


class ThreadWorker:
    """An ``IngestWorker`` in a thread of the test process (fast; not for kill -9)."""

    def __init__(self, config: WorkerConfig) -> None:
        self.worker = IngestWorker(config)
        self.thread = threading.Thread(target=self.worker.run, daemon=True)
        self.thread.start()
        assert self.worker.source.subscribed.wait(10), "worker did not subscribe"

    def stop(self) -> None:
        self.worker.stop()
        self.thread.join(30)
        assert not self.thread.is_alive()


@pytest.fixture
def thread_worker() -> Iterator[Callable[..., ThreadWorker]]:
    started: list[ThreadWorker] = []

    def start(**kw: Any) -> ThreadWorker:
        w = ThreadWorker(WorkerConfig(**kw))
        started.append(w)
        return w

    yield start
    for w in started:
        if w.thread.is_alive():
            w.stop()


class ProcessWorker:
    """``assetpulse ingest`` as a subprocess, to SIGKILL or SIGTERM it for real."""

    def __init__(self, env: dict[str, str], log_path: Path, args: Sequence[str] = ()) -> None:
        self.env = env
        self.log_path = log_path
        self.args = list(args)  # e.g. ``--workers 2``
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        cmd = [sys.executable, "-c", "from assetpulse.cli import main; main()", "ingest",
               *self.args]  # fmt: skip
        self._subscribed_before = self._subscribed()
        with self.log_path.open("ab") as log:  # the child keeps its own copy of the fd
            self.proc = subprocess.Popen(cmd, env=self.env, stdout=log, stderr=log)

    def _subscribed(self) -> int:
        if not self.log_path.exists():
            return 0
        return self.log_path.read_text(errors="replace").count("subscribed")

    def wait_started(self, timeout: float = 30) -> None:
        """Until the process started last has subscribed: before that it may still be
        importing, without its SIGTERM handler (a stop then is the default, -15)."""
        wait_until(
            lambda: self._subscribed() > self._subscribed_before,
            timeout=timeout,
            what=f"{self.log_path.name} started",
        )

    def wait_subscribed(self, times: int = 1, timeout: float = 30) -> None:
        """Until the log shows the ``times``-th SUBACK (messages before it would be lost)."""
        wait_until(
            lambda: self.log_path.read_text(errors="replace").count("subscribed") >= times,
            timeout=timeout,
            what=f"{self.log_path.name} subscribed",
        )

    def kill9(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(10)

    def terminate(self, timeout: float = 60) -> int:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGTERM)
        return self.proc.wait(timeout)

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None


@pytest.fixture
def process_worker(tmp_path: Path) -> Iterator[Callable[..., ProcessWorker]]:
    started: list[ProcessWorker] = []

    def make(
        *,
        database_url: str,
        mqtt_url: str,
        client_id: str,
        args: Sequence[str] = (),
        **extra: str,
    ) -> ProcessWorker:
        env = {k: v for k, v in os.environ.items() if not k.startswith("ASSETPULSE_")}
        env.update(
            ASSETPULSE_DATABASE_URL=database_url,
            ASSETPULSE_MQTT_URL=mqtt_url,
            ASSETPULSE_INGEST_CLIENT_ID=client_id,
            ASSETPULSE_INGEST_METRICS_PORT="0",
            ASSETPULSE_LOG_LEVEL="INFO",
            **{f"ASSETPULSE_{k.upper()}": v for k, v in extra.items()},
        )
        w = ProcessWorker(env, tmp_path / f"worker-{client_id}.log", args)
        w.start()
        started.append(w)
        return w

    yield make
    for w in started:
        if w.alive():
            w.kill9()


def wait_until(check: Callable[[], bool], *, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(0.1)


def count(url: str, query: str, params: tuple[Any, ...] = ()) -> int:
    with psycopg.connect(url, autocommit=True) as conn:
        row = conn.execute(query.encode(), params).fetchone()
        return int(row[0]) if row and row[0] is not None else 0


def stored_keys(url: str, prefix: str) -> list[tuple[str, int]]:
    """(sensor, t ms) of stored readings whose sensor id starts with ``prefix``, with repeats."""
    with psycopg.connect(url, autocommit=True) as conn:
        rows = conn.execute(
            "select sensor_id, (extract(epoch from t) * 1000)::bigint from readings"
            " where sensor_id like %s",
            (prefix + "%",),
        ).fetchall()
    return [(s, int(t)) for s, t in rows]


__all__ = [
    "NOW_MS",
    "REPO",
    "Gateway",
    "PostgresProcess",
    "ProcessWorker",
    "Publisher",
    "Stream",
    "ThreadWorker",
    "bulk_stream",
    "count",
    "envelope",
    "loc",
    "now_ms",
    "photo",
    "stored_keys",
    "temp",
    "up_topic",
    "wait_until",
]
