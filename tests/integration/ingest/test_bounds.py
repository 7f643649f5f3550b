"""Bounded bytes (issue 15, point 4): the broker refuses huge payloads, the decoder
dead-letters oversized ones keeping only a prefix with size and SHA-256, and dead
letters have a retention."""

from __future__ import annotations

import asyncio
import hashlib
import time
from typing import Any

import nats
import orjson
import paho.mqtt.client as mqtt
import psycopg
from paho.mqtt.enums import CallbackAPIVersion

from assetpulse.ingest.deadletter import PREFIX_BYTES
from assetpulse.ingest.decode import decode
from assetpulse.ingest.jetstream import STREAM, ensure_stream
from assetpulse.ingest.model import Received
from assetpulse.ingest.store import ReadingStore
from tests.fix_ingest import envelope, now_ms, temp, up_topic, wait_until

DEAD = "select reason, payload, payload_size, payload_sha256 from ingest_dead_letters"


def _oversized(gw: str, size: int) -> bytes:
    doc = envelope(gw, 1, [temp("S1", now_ms(), 20.0)])
    doc["pad"] = "x" * size  # unknown fields are ignored, but count towards the size
    return orjson.dumps(doc)


def test_oversized_message_dead_lettered_as_prefix_size_and_hash(
    db: psycopg.Connection[Any], db_url: str, unique_id: str
) -> None:
    gw = f"G-{unique_id}"
    payload = _oversized(gw, 1_100_000)  # over the decoder's 1 MiB
    at = now_ms()
    store = ReadingStore(db_url)
    try:
        result = store.write(
            [Received(up_topic(gw), payload, at, decode(payload, up_topic(gw), now_ms=at))]
        )
    finally:
        store.close()
    assert result.dead_messages == 1
    reason, prefix, size, sha = db.execute(DEAD).fetchone() or (None,) * 4
    assert reason == "too_large"
    assert bytes(prefix) == payload[:PREFIX_BYTES]
    assert (size, bytes(sha)) == (len(payload), hashlib.sha256(payload).digest())


def test_dead_letter_written_by_hand_is_bounded_too(db: psycopg.Connection[Any]) -> None:
    big = b"y" * 100_000
    db.execute(
        "insert into ingest_dead_letters (topic, reason, payload) values ('t', 'not_json', %s)",
        (big,),
    )
    prefix, size, sha = (
        db.execute(
            "select payload, payload_size, payload_sha256 from ingest_dead_letters"
        ).fetchone()
        or (None,) * 3
    )
    assert (len(prefix), size, bytes(sha)) == (PREFIX_BYTES, 100_000, hashlib.sha256(big).digest())


def test_dead_letters_older_than_retention_deleted(
    db: psycopg.Connection[Any], db_url: str
) -> None:
    db.execute(
        "insert into ingest_dead_letters (received_at, topic, reason, payload) values"
        " (now() - interval '91 days', 'old', 'not_json', 'x'),"
        " (now() - interval '89 days', 'kept', 'not_json', 'x')"
    )
    store = ReadingStore(db_url)
    try:
        assert store.purge_dead_letters(90) == 1
    finally:
        store.close()
    assert db.execute("select topic from ingest_dead_letters").fetchall() == [("kept",)]


def test_mosquitto_drops_payload_over_its_limit(mqtt_broker: Any, unique_id: str) -> None:
    topic = f"assetpulse/v1/gw/G-{unique_id}/up"
    got: list[bytes] = []
    sub = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=f"s-{unique_id}")
    sub.on_message = lambda c, u, m: got.append(m.payload)
    sub.connect("127.0.0.1", mqtt_broker.port)
    sub.subscribe(topic, 1)
    sub.loop_start()
    pub = _client(mqtt_broker.port, f"p-{unique_id}")
    try:
        time.sleep(0.5)  # the subscription is in place
        pub.publish(topic, b"x" * (2 * 1024 * 1024), qos=1)
        pub.publish(topic, b"small", qos=1)  # the big one is dropped (and acknowledged)
        wait_until(lambda: got == [b"small"], timeout=10, what="the small message")
    finally:
        for c in (pub, sub):
            c.disconnect()
            c.loop_stop()


def test_nats_stores_no_payload_over_its_limit(nats_broker: Any, unique_id: str) -> None:
    async def stream_sizes() -> list[int]:
        nc = await nats.connect(nats_broker.nats_url)
        try:
            js = nc.jetstream()
            await ensure_stream(js)  # what a worker does at start
            info = await js.stream_info(STREAM)
            return [info.state.messages, info.state.bytes]
        finally:
            await nc.close()

    asyncio.run(stream_sizes())
    big = _client(nats_broker.port, f"big-{unique_id}")
    small = _client(nats_broker.port, f"small-{unique_id}")
    try:
        big.publish(f"assetpulse/v1/gw/B-{unique_id}/up", b"x" * (2 * 1024 * 1024), qos=1)
        info = small.publish(f"assetpulse/v1/gw/S-{unique_id}/up", b"small", qos=1)
        info.wait_for_publish(10)
        time.sleep(1.0)  # the big one had its chance
        messages, nbytes = asyncio.run(stream_sizes())
    finally:
        for c in (big, small):
            c.disconnect()
            c.loop_stop()
    assert messages == 1  # only the small one: the big one's gateway was disconnected
    assert nbytes < 1024


def _client(port: int, client_id: str) -> mqtt.Client:
    c = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=client_id)
    c.connect("127.0.0.1", port)
    c.loop_start()
    return c
