"""Faults mid-stream while the gateways keep publishing, as real gateways do: a broker
kill -9 and a broker restart, kill -9 of a worker (10 times), a database stopped for 30 s,
all of them in one run. Afterwards every reading the broker acknowledged is stored, once.

The set-up is the durable one (docs/telemetry.md "Durability"): nats-server with JetStream
behind its MQTT gateway, workers pulling from one durable consumer. Workers run as real
``assetpulse ingest`` processes so that SIGKILL is a real crash: what they had received
but not committed was never acknowledged, and JetStream hands it out again after
``ack_wait`` (5 s here). Gateways publish without waiting for anything (``Gateway``):
what they send while the broker is down stays in their client and goes out on reconnect.
"""

from __future__ import annotations

import asyncio
import random
import threading
import time
from collections import Counter
from typing import Any

import nats
import psycopg
import pytest

from tests.fix_ingest import Gateway, Stream, bulk_stream, count, stored_keys, wait_until

DEAD_BY_REASON = "select reason, count(*), min(detail) from ingest_dead_letters group by reason"
ACK_WAIT_S = "5"


class Paced:
    """Hands a stream to gateways in chunks at a steady pace, never waiting for the broker."""

    def __init__(self, gateways: list[Gateway], stream: Stream, *, chunk: int, every_s: float):
        self.gateways = gateways
        self.error: BaseException | None = None
        self._thread = threading.Thread(
            target=self._run, args=(stream, chunk, every_s), daemon=True
        )
        self._thread.start()

    def _run(self, stream: Stream, chunk: int, every_s: float) -> None:
        try:
            msgs = stream.messages
            for n, i in enumerate(range(0, len(msgs), chunk)):
                self.gateways[n % len(self.gateways)].publish(msgs[i : i + chunk])
                time.sleep(every_s)
        except BaseException as exc:  # reported by join()
            self.error = exc

    def join(self, timeout: float = 180) -> None:
        self._thread.join(timeout)
        assert not self._thread.is_alive(), "publisher did not finish"
        assert self.error is None, self.error
        for g in self.gateways:
            g.wait_all_acknowledged(timeout)


def _assert_exactly_once(db_url: str, stream: Stream, prefix: str, timeout: float) -> None:
    query = "select count(*) from readings where sensor_id like %s"
    try:
        wait_until(
            lambda: count(db_url, query, (prefix + "%",)) >= len(stream.keys),
            timeout=timeout,
            what=f"{len(stream.keys)} readings stored",
        )
    finally:
        keys = stored_keys(db_url, prefix)
        twice = [k for k, n in Counter(keys).items() if n > 1]
        lost = stream.keys - set(keys)
        print(f"published {len(stream.keys)}, stored {len(keys)}, lost {len(lost)}")
        print("lost e.g.", sorted(lost)[:10])
        with psycopg.connect(db_url, autocommit=True) as conn:
            print("dead letters", conn.execute(DEAD_BY_REASON).fetchall())
    assert not twice, f"stored twice: {twice[:5]}"
    assert not lost, f"{len(lost)} lost, e.g. {sorted(lost)[:5]}"
    assert len(keys) == len(stream.keys)


def _consumer_state(nats_url: str, durable: str) -> str:
    """What JetStream says about the workers' consumer (printed when a test fails)."""

    async def info() -> str:
        nc = await nats.connect(nats_url)
        try:
            ci = await nc.jetstream().consumer_info("$MQTT_msgs", durable)
            return (
                f"pending {ci.num_pending}, ack pending {ci.num_ack_pending},"
                f" redelivered {ci.num_redelivered}, delivered {ci.delivered}"
            )
        finally:
            await nc.close()

    return asyncio.run(info())


def _workers(process_worker: Any, db_url: str, broker: Any, tag: str, *, n: int) -> list[Any]:
    workers = [
        process_worker(
            database_url=db_url,
            mqtt_url="",
            client_id=f"w{i}-{tag}",
            nats_url=broker.nats_url,
            ingest_group=tag,
            ingest_ack_wait_s=ACK_WAIT_S,
        )
        for i in range(n)
    ]
    for w in workers:
        w.wait_subscribed()  # the consumer exists from here on: nothing published is dropped
    return workers


@pytest.mark.slow
@pytest.mark.parametrize("fault", ["kill9", "restart"])
def test_broker_faults_while_gateways_publish_every_reading_stored_once(
    db_url: str,
    nats_private: Any,
    gateway_factory: Any,
    process_worker: Any,
    unique_id: str,
    fault: str,
) -> None:
    prefix = f"B{unique_id}"
    stream = bulk_stream(prefix, gateways=4, messages=8_000, per_message=10)
    workers = _workers(process_worker, db_url, nats_private, unique_id, n=2)
    gateways = [gateway_factory(nats_private) for _ in range(4)]
    paced = Paced(gateways, stream, chunk=100, every_s=0.05)
    for _ in range(2):
        time.sleep(1.5)
        if fault == "kill9":
            nats_private.kill9()
            time.sleep(1.0)
            nats_private.start()
        else:
            nats_private.restart(down_for=2.0)
    paced.join()
    try:
        _assert_exactly_once(db_url, stream, prefix, timeout=90)
    finally:
        print("consumer", _consumer_state(nats_private.nats_url, unique_id))
    assert all(w.alive() for w in workers)
    assert all(w.terminate() == 0 for w in workers)


@pytest.mark.slow
def test_worker_killed_9_ten_times_mid_stream_every_reading_stored_once(
    db_url: str,
    nats_broker: Any,
    gateway_factory: Any,
    process_worker: Any,
    unique_id: str,
) -> None:
    prefix = f"K{unique_id}"
    stream = bulk_stream(prefix, gateways=8, messages=16_000, per_message=5)
    victim, steady = _workers(process_worker, db_url, nats_broker, unique_id, n=2)
    paced = Paced([gateway_factory(nats_broker)], stream, chunk=200, every_s=0.1)
    rng = random.Random(7)
    for _ in range(10):
        time.sleep(rng.uniform(0.5, 1.2))
        victim.kill9()
        victim.start()
    paced.join()
    _assert_exactly_once(db_url, stream, prefix, timeout=90)
    # and a graceful stop drains and exits cleanly (once the restarted one is up: the
    # others may have stored everything before it finished starting)
    victim.wait_started()
    assert victim.terminate() == 0
    assert steady.terminate() == 0


@pytest.mark.slow
def test_database_stopped_30s_mid_stream_every_reading_stored_once(
    pg_private: Any,
    nats_broker: Any,
    gateway_factory: Any,
    process_worker: Any,
    unique_id: str,
) -> None:
    prefix = f"D{unique_id}"
    db_url = pg_private.url("assetpulse")
    stream = bulk_stream(prefix, gateways=4, messages=6_000, per_message=10)
    (worker,) = _workers(process_worker, db_url, nats_broker, unique_id, n=1)
    paced = Paced([gateway_factory(nats_broker)], stream, chunk=200, every_s=0.2)
    time.sleep(1.0)
    pg_private.stop()
    time.sleep(30)  # longer than ack_wait: the held messages must stay the worker's
    assert worker.alive(), "the worker must wait for the database, not die"
    pg_private.start()
    paced.join()
    _assert_exactly_once(db_url, stream, prefix, timeout=90)
    assert worker.terminate() == 0


@pytest.mark.slow
def test_broker_worker_and_database_faults_together_every_reading_stored_once(
    pg_private: Any,
    nats_private: Any,
    gateway_factory: Any,
    process_worker: Any,
    unique_id: str,
) -> None:
    prefix = f"C{unique_id}"
    db_url = pg_private.url("assetpulse")
    stream = bulk_stream(prefix, gateways=4, messages=8_000, per_message=10)
    victim, steady = _workers(process_worker, db_url, nats_private, unique_id, n=2)
    gateways = [gateway_factory(nats_private) for _ in range(2)]
    paced = Paced(gateways, stream, chunk=100, every_s=0.05)
    time.sleep(1.0)
    pg_private.stop()  # the database goes away…
    time.sleep(1.0)
    victim.kill9()  # …a worker holding messages dies…
    nats_private.kill9()  # …and the broker with it
    time.sleep(1.0)
    nats_private.start()
    victim.start()
    time.sleep(3.0)
    pg_private.start()
    time.sleep(1.0)
    victim.kill9()  # and once more while it catches up
    victim.start()
    paced.join()
    _assert_exactly_once(db_url, stream, prefix, timeout=90)
    victim.wait_started()  # the steady worker may have stored everything meanwhile
    assert victim.terminate() == 0
    assert steady.terminate() == 0


def test_worker_killed_while_database_down_loses_nothing_so_ack_comes_after_commit(
    pg_private: Any,
    nats_broker: Any,
    gateway_factory: Any,
    process_worker: Any,
    unique_id: str,
) -> None:
    """A worker that acknowledged on receipt (before its commit) would lose here everything
    it held: the broker forgets acknowledged messages, and the worker dies uncommitted."""
    prefix = f"A{unique_id}"
    db_url = pg_private.url("assetpulse")
    stream = bulk_stream(prefix, gateways=2, messages=400, per_message=5)
    (worker,) = _workers(process_worker, db_url, nats_broker, unique_id, n=1)
    pg_private.stop()
    gateway = gateway_factory(nats_broker)
    gateway.publish(stream.messages)
    gateway.wait_all_acknowledged(60)
    # the worker has pulled what its window takes and cannot commit it
    wait_until(
        lambda: "batch write failed" in worker.log_path.read_text(errors="replace"),
        timeout=30,
        what="the worker trying to write",
    )
    worker.kill9()
    pg_private.start()
    worker.start()
    _assert_exactly_once(db_url, stream, prefix, timeout=60)
    assert worker.terminate() == 0
