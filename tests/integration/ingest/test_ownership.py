"""Sensor ownership at ingest (issue 15, point 3): a gateway cannot write readings for a
sensor registered to another gateway, nor bring new sensor ids without bound."""

from __future__ import annotations

from typing import Any

import orjson
import psycopg

from assetpulse.ingest.decode import decode
from assetpulse.ingest.model import Received
from assetpulse.ingest.store import ReadingStore
from tests.fix_ingest import envelope, now_ms, temp, up_topic, wait_until

DEAD = (
    "select reason, reading_index, gateway_id, sensor_id from ingest_dead_letters"
    " order by reading_index"
)


def _received(gw: str, seq: int, readings: list[Any]) -> Received:
    payload = orjson.dumps(envelope(gw, seq, readings))
    at = now_ms()
    return Received(up_topic(gw), payload, at, decode(payload, up_topic(gw), now_ms=at))


def _register(db: psycopg.Connection[Any], sensor_id: str, gateway_id: str) -> None:
    db.execute(
        "insert into sensors (sensor_id, kind, gateway_id) values (%s, 'temp', %s)",
        (sensor_id, gateway_id),
    )


def test_reading_for_another_gateways_sensor_dead_lettered_and_neighbours_stored(
    db: psycopg.Connection[Any], db_url: str, unique_id: str
) -> None:
    owner, intruder = f"GA-{unique_id}", f"GB-{unique_id}"
    theirs, mine = f"S-A-{unique_id}", f"S-B-{unique_id}"
    _register(db, theirs, owner)
    _register(db, mine, intruder)
    t = now_ms() - 60_000
    store = ReadingStore(db_url)
    try:
        result = store.write(
            [_received(intruder, 1, [temp(mine, t, 20.0), {"s": 1}, temp(theirs, t, 99.0)])]
        )
        # the owner itself may still write its sensor
        own = store.write([_received(owner, 1, [temp(theirs, t, 21.0)])])
    finally:
        store.close()
    assert (result.stored, result.sensor_mismatch) == (1, 1)
    assert own.stored == 1
    rows = db.execute(
        "select sensor_id, gateway_id, temp_c from readings order by sensor_id"
    ).fetchall()
    assert rows == [(theirs, owner, 21.0), (mine, intruder, 20.0)]
    assert db.execute(DEAD).fetchall() == [
        ("bad_sensor", 1, intruder, None),
        ("sensor_gateway_mismatch", 2, intruder, theirs),
    ]


def test_new_unbound_sensor_ids_beyond_the_hourly_limit_dead_lettered(
    db: psycopg.Connection[Any], db_url: str, unique_id: str
) -> None:
    gw, other = f"G-{unique_id}", f"H-{unique_id}"
    t = now_ms() - 60_000
    store = ReadingStore(db_url, new_sensors_per_hour=3)
    try:
        first = store.write(
            [_received(gw, 1, [temp(f"N{i}-{unique_id}", t, 20.0) for i in range(5)])]
        )
        # sensors already known keep coming in; another gateway has its own allowance
        again = store.write(
            [
                _received(gw, 2, [temp(f"N{i}-{unique_id}", t + 1000, 20.0) for i in range(3)]),
                _received(other, 1, [temp(f"O-{unique_id}", t, 20.0)]),
            ]
        )
    finally:
        store.close()
    assert (first.stored, first.new_sensor_refused) == (3, 2)
    assert (again.stored, again.new_sensor_refused) == (4, 0)
    unbound = db.execute("select count(*) from unbound_sensors where gateway_id = %s", (gw,))
    assert unbound.fetchone() == (3,)
    refused = db.execute(
        "select sensor_id from ingest_dead_letters where reason = 'new_sensor_limit'"
        " order by sensor_id"
    ).fetchall()
    assert refused == [(f"N3-{unique_id}",), (f"N4-{unique_id}",)]


def test_worker_counts_sensor_gateway_mismatch_in_metrics(
    db: psycopg.Connection[Any],
    db_url: str,
    nats_broker: Any,
    gateway_factory: Any,
    thread_worker: Any,
    unique_id: str,
) -> None:
    owner, intruder = f"GA-{unique_id}", f"GB-{unique_id}"
    theirs = f"S-A-{unique_id}"
    _register(db, theirs, owner)
    w = thread_worker(
        database_url=db_url,
        mqtt_url="",
        nats_url=nats_broker.nats_url,
        client_id=f"w-{unique_id}",
        group=f"g-{unique_id}",
        batch_ms=50,
    )
    payload = orjson.dumps(envelope(intruder, 1, [temp(theirs, now_ms() - 1000, 20.0)]))
    gateway = gateway_factory(nats_broker)
    gateway.publish([(up_topic(intruder), payload)])
    gateway.wait_all_acknowledged(20)
    metric = w.worker.metrics.sensor_mismatch
    wait_until(lambda: metric._value.get() == 1, timeout=20, what="mismatch counted")
    w.stop()
    assert db.execute("select count(*) from readings").fetchone() == (0,)
